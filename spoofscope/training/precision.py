"""The precision training runs at: the autocast dtype of its steps, and whether the CPU has bf16."""

from __future__ import annotations

import torch

from spoofscope.training.config import RunConfig


def cpu_has_bf16() -> bool:
    """Whether this CPU has native bfloat16 kernels (oneDNN); emulated bf16 is slower than fp32."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def autocast_dtype(cfg: RunConfig, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of training steps, or None for float32.

    float16 on CUDA when ``train.amp``; bfloat16 on the CPU when ``train.cpu_bf16`` and
    :func:`cpu_has_bf16`.
    """
    if device.type == "cuda":
        return torch.float16 if cfg.train.amp else None
    if device.type == "cpu" and cfg.train.cpu_bf16 and cpu_has_bf16():
        return torch.bfloat16
    return None


def precision_name(dtype: torch.dtype | None) -> str:
    """``float32`` for None, else the dtype's name (``bfloat16``, ``float16``)."""
    return str(dtype or torch.float32).removeprefix("torch.")
