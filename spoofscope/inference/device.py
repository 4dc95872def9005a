"""Choosing the torch device a model runs on: one rule for training, evaluation and scoring."""

from __future__ import annotations

import torch

from spoofscope.errors import ConfigError


def pick_device(name: str, key: str = "device") -> torch.device:
    """``auto`` → CUDA when available, else CPU; any other name as torch spells it.

    Raises:
        ConfigError: ``cuda`` asked for on a machine without it (``key`` names the option).
    """
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(key, "cuda requested but no CUDA device is available")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
