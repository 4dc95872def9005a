"""The "modified CNN" of the seed-001 report: three Conv2D blocks (128/64/32 filters, 3×3, ReLU),
each followed by MaxPool(2) and BatchNorm, then Flatten → Dense(256, ReLU) → Dropout → Dense(1).
On a 200×200×3 image the flattened size is 23·23·32 = 16,928 (4,430,817 parameters in all).

Output: single logit ``z`` → ``[-z/2, z/2]`` (see :func:`spoofscope.models.base.logit_pair`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from spoofscope.models.base import FeatureCountermeasure, logit_pair, register_model
from spoofscope.models.paper_cnn import IMAGE_FRONTEND


@register_model("modified-cnn")
class ModifiedCNN(FeatureCountermeasure):
    """Conv(128/64/32)+MaxPool+BN ×3 → Dense(256) → Dropout → Dense(1) → logits ``[B, 2]``."""

    def __init__(
        self,
        frontend: str = "image",
        frontend_params: dict[str, Any] | None = None,
        channels: tuple[int, ...] | list[int] = (128, 64, 32),
        hidden: int = 256,
        dropout: float = 0.5,
        crop_samples: int = 64000,
    ) -> None:
        params = dict(IMAGE_FRONTEND if frontend_params is None and frontend == "image"
                      else frontend_params or {})  # fmt: skip
        config = {"frontend": frontend, "frontend_params": params, "channels": list(channels),
                  "hidden": hidden, "dropout": dropout, "crop_samples": crop_samples}  # fmt: skip
        super().__init__(config, frontend, params, crop_samples)
        layers: list[nn.Module] = []
        c_in = 3 if frontend == "image" else 1
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(c_out)]
            c_in = c_out
        self.body = nn.Sequential(*layers)
        with torch.no_grad():
            flat = self.body(self.frontend(torch.zeros(1, crop_samples))).numel()
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        return logit_pair(self.head(self.body(self.frontend(wave))))
