"""The small CNN of "Deepfake Audio Detection with Neural Networks using Audio Features" (seed 001).

2-D variant on a 200×200×3 feature image: Conv2D(16, 3×3) → MaxPool(2) → Conv2D(8, 3×3) →
GlobalMaxPool → Dense(1): 448 + 1,160 + 9 = 1,617 parameters (the reimplementation's Keras summary).
1-D variant over an embedding vector (the front-end's output averaged over frames, e.g. wav2vec 2.0
hidden states): Conv1D(16, 3) → MaxPool(2) → Conv1D(8, 3) → GlobalMaxPool → Dense(1).
The activations are ReLU, as Keras' Conv2D(activation="relu") in the reimplementation.

Output: the single bona fide logit ``z`` is mapped to ``[-z/2, z/2]`` (see
:func:`spoofscope.models.base.logit_pair`): softmax gives ``sigmoid(z)``, score = ``z``.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.models.base import FeatureCountermeasure, logit_pair, register_model

IMAGE_FRONTEND: dict[str, Any] = {"source": "mfcc", "size": [200, 200]}


@register_model("paper-cnn")
class PaperCNN(FeatureCountermeasure):
    """Two conv layers and a global max-pool → logits ``[B, 2]``.

    Args:
        variant: ``"2d"`` (feature image, default) or ``"1d"`` (embedding vector).
        frontend / frontend_params: the input front-end; defaults: ``image`` of MFCCs at
            200×200 for 2d, ``logmel`` for 1d (pass ``"ssl"`` with a model directory for the
            paper's wav2vec 2.0 embeddings).
        channels: the two conv widths.
    """

    def __init__(
        self,
        variant: str = "2d",
        frontend: str | None = None,
        frontend_params: dict[str, Any] | None = None,
        channels: tuple[int, int] | list[int] = (16, 8),
        crop_samples: int = 64000,
    ) -> None:
        if variant not in ("1d", "2d"):
            raise ConfigError("variant", "choose '1d' or '2d'")
        if frontend is None:
            frontend = "image" if variant == "2d" else "logmel"
            if frontend_params is None and variant == "2d":
                frontend_params = IMAGE_FRONTEND
        params = dict(frontend_params or {})
        config = {"variant": variant, "frontend": frontend, "frontend_params": params,
                  "channels": list(channels), "crop_samples": crop_samples}  # fmt: skip
        super().__init__(config, frontend, params, crop_samples)
        self.variant = variant
        c1, c2 = channels
        if variant == "2d":
            c_in = 3 if frontend == "image" else 1
            conv, pool = nn.Conv2d, nn.MaxPool2d
        else:
            c_in, conv, pool = 1, nn.Conv1d, nn.MaxPool1d
        self.body = nn.Sequential(conv(c_in, c1, 3), nn.ReLU(), pool(2), conv(c1, c2, 3), nn.ReLU())
        self.dense = nn.Linear(c2, 1)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        feats = self.frontend(wave)  # [B, C, F, frames]
        if self.variant == "1d":
            feats = feats[:, 0].mean(dim=-1, keepdim=True).transpose(1, 2)  # [B, 1, F]
        pooled = self.body(feats).flatten(2).amax(dim=-1)  # global max-pool: [B, c2]
        return logit_pair(self.dense(pooled))
