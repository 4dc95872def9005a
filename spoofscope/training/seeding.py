"""Seeds and random-number-generator states, saved without pickle.

A run is deterministic on CPU for a seed: :func:`seed_everything` fixes Python's, NumPy's and torch's
generators; data order and crops use generators derived from ``(seed, epoch)`` (see
:func:`epoch_generator`), so an epoch's batches do not depend on what happened before it. The global
states are still saved with every checkpoint (:func:`rng_state` / :func:`set_rng_state`) so dropout
and augmentation continue bit-for-bit after ``--resume``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and, when present, every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def derive_seed(seed: int, *parts: int) -> int:
    """A 63-bit seed for a sub-stream (epoch, rank, item) of run ``seed`` (NumPy SeedSequence)."""
    state = np.random.SeedSequence([seed % 2**63, *[p % 2**63 for p in parts]])
    return int(state.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The torch generator that orders the data of ``epoch`` (same on every rank)."""
    gen = torch.Generator()
    gen.manual_seed(derive_seed(seed, epoch))
    return gen


def rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The global generator states as (tensors for safetensors, JSON-able dict).

    Returns:
        ``({"torch_cpu": uint8 [N], "cuda_<i>": ...}, {"python": ..., "numpy": ...})``.
    """
    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda_{i}"] = state
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    json_state = {
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
    }
    return tensors, json_state


def set_rng_state(tensors: dict[str, torch.Tensor], json_state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(tensors["torch_cpu"])
    cuda = sorted(k for k in tensors if k.startswith("cuda_"))
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([tensors[k] for k in cuda])
    version, internal, gauss = json_state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = json_state["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
