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


def for_inference(model: torch.nn.Module, device: str | torch.device = "cpu") -> torch.nn.Module:
    """``model`` on ``device`` in eval mode with its fastest equal-output path switched on.

    The one place that decides how a model is run for scoring, so the Detector, ``evaluate``,
    ``score`` and the stream all get the same path. A model may declare ``fast`` (AASIST's
    vectorised graph attention, equal to the reference path within 1e-4); training leaves it off
    because the reference path is the one the official weights were trained with.
    """
    model = model.to(device).eval()
    if hasattr(model, "fast"):
        model.fast = True
    return model
