"""A small countermeasure for exercising the trainer quickly: framed log-power spectrum, mean and
standard deviation over time, two linear layers. No batch norm and no dropout, so single-process
and data-parallel training take the same steps. Importing this module registers it as
``tiny-spectral`` (in tests only)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from spoofscope.models import MODELS
from spoofscope.models.base import Countermeasure

NAME = "tiny-spectral"


class FramedLogPower(nn.Module):
    """``wave [B, T]`` → log power of non-overlapping frames ``[B, F, frames]``: a front-end for
    the trainer's ``feature_augment`` hook to mask."""

    def __init__(self, frame: int) -> None:
        super().__init__()
        self.frame = frame

    def forward(self, wave: Tensor) -> Tensor:
        usable = wave.shape[1] // self.frame * self.frame
        frames = wave[:, :usable].unfold(1, self.frame, self.frame)
        return torch.log(torch.fft.rfft(frames, dim=-1).abs().pow(2) + 1e-6).transpose(1, 2)

    def config(self) -> dict[str, int]:
        return {"name": "framed-log-power", "frame": self.frame}


class TinySpectral(Countermeasure):
    """``wave [B, T]`` → logits ``[B, 2]``; ``embed`` gives the ``[B, hidden]`` layer."""

    arch = NAME

    def __init__(self, frame: int = 256, hidden: int = 16, crop_samples: int = 4000) -> None:
        super().__init__(
            {"frame": frame, "hidden": hidden, "crop_samples": crop_samples},
            crop_samples=crop_samples,
        )
        self.frame = frame
        self.frontend = FramedLogPower(frame)
        self.body = nn.Linear(2 * (frame // 2 + 1), hidden)
        self.head = nn.Linear(hidden, 2)

    def embed(self, wave: Tensor) -> Tensor:
        power = self.frontend(wave)  # [B, F, frames]
        stats = torch.cat([power.mean(-1), power.std(-1)], dim=1)  # [B, 2F]
        return torch.tanh(self.body(stats))

    def forward(self, wave: Tensor) -> Tensor:
        return self.head(self.embed(wave))


if NAME not in MODELS:
    MODELS.register(NAME)(TinySpectral)
