"""Dual MobileNetV2 (seed 001): a spectrogram-image branch and an MFCC-image branch, fused.

Each branch is a MobileNetV2 backbone (torchvision names under ``spec.*`` / ``mfcc.*``) with global
average pooling to 1280 features; ``backbone_weights`` loads the same ImageNet weights into both,
as the report's two branches are each "pre-trained on Image net". ``fusion="concat"`` concatenates
them (2560), as the report; ``fusion="attention"`` learns per-modality weights (a softmax over one
score per branch, computed from each branch's features) and takes the weighted sum (1280). Head:
Dense 512-256-64, each with BatchNorm and Dropout, then Dense(1) → ``[-z/2, z/2]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from spoofscope.models.base import Countermeasure, logit_pair, register_model
from spoofscope.models.mobilenetv2 import (
    FEATURE_DIM,
    WEIGHTS_NOT_GIVEN,
    backbone_state,
    freeze_stages,
    load_backbone,
    mobilenet_v2_features,
)

BRANCH_FRONTENDS: dict[str, dict[str, Any]] = {
    "spec": {"source": "spectrogram", "size": [200, 200]},
    "mfcc": {"source": "mfcc", "size": [200, 200]},
}


@register_model("dual-mobilenetv2")
class DualMobileNetV2(Countermeasure):
    """Two MobileNetV2 branches on two feature images → logits ``[B, 2]``.

    Args:
        spec_params / mfcc_params: ``image`` front-end parameters of the two branches.
        fusion: ``"concat"`` or ``"attention"``.
        head: hidden widths of the head (512, 256, 64); dropout: after each hidden layer.
        trainable_top: top backbone stages left trainable in each branch (None = all).
        backbone_weights: torchvision's ImageNet ``mobilenet_v2`` state dict file for both
            branches, ``"none"`` for random initial weights, or a card's record (see
            :func:`spoofscope.models.mobilenetv2.backbone_state`).

    Raises:
        ConfigError: an unknown ``fusion``, or ``backbone_weights`` names no file.
        CheckpointError: the weights file is unreadable or does not fit a backbone.
    """

    #: the pretrained parts, each a branch of its own for freezing (``top:N`` counts per branch)
    backbones: ClassVar[tuple[str, ...]] = ("spec", "mfcc")
    #: params a recipe must state, with what a recipe that leaves one out is told
    recipe_requires: ClassVar[dict[str, str]] = {"backbone_weights": WEIGHTS_NOT_GIVEN}

    def __init__(
        self,
        spec_params: dict[str, Any] | None = None,
        mfcc_params: dict[str, Any] | None = None,
        fusion: str = "concat",
        head: tuple[int, ...] | list[int] = (512, 256, 64),
        dropout: float = 0.5,
        trainable_top: int | None = None,
        crop_samples: int = 64000,
        backbone_weights: str | Path | Mapping[str, str] | None = None,
    ) -> None:
        if fusion not in ("concat", "attention"):
            raise ConfigError("fusion", "choose 'concat' or 'attention'")
        spec_params = dict(spec_params or BRANCH_FRONTENDS["spec"])
        mfcc_params = dict(mfcc_params or BRANCH_FRONTENDS["mfcc"])
        state, record = backbone_state(backbone_weights)
        config = {"spec_params": spec_params, "mfcc_params": mfcc_params, "fusion": fusion,
                  "head": list(head), "dropout": dropout, "trainable_top": trainable_top,
                  "crop_samples": crop_samples, "backbone_weights": record}  # fmt: skip
        super().__init__(config, crop_samples=crop_samples)
        self.frontend_spec = build_frontend("image", **spec_params)
        self.frontend_mfcc = build_frontend("image", **mfcc_params)
        self.spec = mobilenet_v2_features()
        self.mfcc = mobilenet_v2_features()
        if state is not None:
            for branch in (self.spec, self.mfcc):
                load_backbone(branch, state, source=str(backbone_weights))
        self.fusion = fusion
        if fusion == "attention":
            self.modality_score = nn.Linear(FEATURE_DIM, 1)
        width = 2 * FEATURE_DIM if fusion == "concat" else FEATURE_DIM
        layers: list[nn.Module] = []
        for hidden in head:
            layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                       nn.Dropout(dropout)]  # fmt: skip
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)
        if trainable_top is not None:
            self.freeze_backbone(trainable_top)

    def frontend_config(self) -> dict[str, Any]:
        return {"spec": self.frontend_spec.config(), "mfcc": self.frontend_mfcc.config()}

    def freeze_backbone(self, trainable_top: int = 0) -> None:
        """Freeze both backbones except their top ``trainable_top`` stages."""
        for branch in (self.spec, self.mfcc):
            freeze_stages(branch, trainable_top)
        self.config["trainable_top"] = trainable_top

    def fuse(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → fused branch features ``[B, 2560]`` (concat) or ``[B, 1280]``."""
        a = self.spec(self.frontend_spec(wave)).mean(dim=(2, 3))  # [B, 1280]
        b = self.mfcc(self.frontend_mfcc(wave)).mean(dim=(2, 3))
        if self.fusion == "concat":
            return torch.cat([a, b], dim=1)
        both = torch.stack([a, b], dim=1)  # [B, 2, 1280]
        weights = torch.softmax(self.modality_score(both), dim=1)  # [B, 2, 1]
        return (weights * both).sum(dim=1)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        return logit_pair(self.head(self.fuse(wave)))
