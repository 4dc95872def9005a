"""MobileNetV2 on feature images with a small head (seed 001's transfer-learning baseline).

The backbone is MobileNetV2 (Sandler et al., CVPR 2018; width 1.0) with the module layout and
parameter names of torchvision's ``mobilenet_v2`` (``features.0.0.weight`` … ``features.18.1.*``), so
``load_backbone`` accepts a user-supplied torchvision ImageNet state dict; its ``classifier.*`` is
replaced by the report's head: global average pool → Dense(64, ReLU) → Dropout → Dense(1).
``freeze_backbone(trainable_top=N)`` implements the two-phase schedule (phase 1: N = 0, head only;
phase 2: the top N of the 19 ``features`` stages trainable).

Output: single logit ``z`` → ``[-z/2, z/2]`` (see :func:`spoofscope.models.base.logit_pair`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.models.base import FeatureCountermeasure, logit_pair, register_model
from spoofscope.models.paper_cnn import IMAGE_FRONTEND

#: (expansion t, channels c, repeats n, first stride s) — Table 2 of the MobileNetV2 paper.
INVERTED_RESIDUAL_SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip
FEATURE_DIM = 1280


def conv_bn_relu6(c_in: int, c_out: int, kernel: int = 3, stride: int = 1, groups: int = 1):
    """Conv (no bias) → BN → ReLU6, indexed 0/1/2 like torchvision's Conv2dNormActivation."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    """Expand (1×1) → depthwise 3×3 → project (1×1, linear); identity skip when shapes allow."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = c_in * expand
        self.use_res_connect = stride == 1 and c_in == c_out
        layers: list[nn.Module] = [conv_bn_relu6(c_in, hidden, 1)] if expand != 1 else []
        layers += [
            conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def mobilenet_v2_features(in_channels: int = 3) -> nn.Sequential:
    """The 19-stage MobileNetV2 feature extractor (``[B, C, H, W]`` → ``[B, 1280, H/32, W/32]``)."""
    stages: list[nn.Module] = [conv_bn_relu6(in_channels, 32, 3, 2)]
    c_in = 32
    for t, c, n, s in INVERTED_RESIDUAL_SETTING:
        for i in range(n):
            stages.append(InvertedResidual(c_in, c, s if i == 0 else 1, t))
            c_in = c
    stages.append(conv_bn_relu6(c_in, FEATURE_DIM, 1))
    return nn.Sequential(*stages)


def load_backbone(features: nn.Sequential, state: dict[str, Tensor]) -> int:
    """Load the ``features.*`` entries of a torchvision-named state dict; ignore ``classifier.*``.

    Returns:
        The number of tensors loaded.

    Raises:
        CheckpointError: a ``features.*`` entry is missing, unexpected or mis-shaped.
    """
    from spoofscope.models.base import load_state_strict

    prefix = "features."
    backbone = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    load_state_strict(features, backbone, source="MobileNetV2 backbone state dict")
    return len(backbone)


def freeze_stages(features: nn.Sequential, trainable_top: int) -> None:
    """Freeze every stage of ``features`` except the top ``trainable_top`` (0 = all frozen)."""
    if not 0 <= trainable_top <= len(features):
        raise ConfigError("trainable_top", f"must be in 0..{len(features)}")
    for i, stage in enumerate(features):
        stage.requires_grad_(i >= len(features) - trainable_top)


@register_model("mobilenetv2")
class MobileNetV2(FeatureCountermeasure):
    """MobileNetV2 backbone + Dense(64)/Dropout/Dense(1) head → logits ``[B, 2]``.

    Args:
        frontend / frontend_params: input front-end (default: MFCC image, 200×200×3).
        head_hidden: width of the head's hidden layer (64); dropout: its dropout.
        trainable_top: number of top backbone stages left trainable (None = all).
    """

    #: the pretrained part, for freezing (spoofscope.training.freezing)
    backbones: ClassVar[tuple[str, ...]] = ("features",)

    def __init__(
        self,
        frontend: str = "image",
        frontend_params: dict[str, Any] | None = None,
        head_hidden: int = 64,
        dropout: float = 0.2,
        trainable_top: int | None = None,
        crop_samples: int = 64000,
    ) -> None:
        params = dict(IMAGE_FRONTEND if frontend_params is None and frontend == "image"
                      else frontend_params or {})  # fmt: skip
        config = {"frontend": frontend, "frontend_params": params, "head_hidden": head_hidden,
                  "dropout": dropout, "trainable_top": trainable_top,
                  "crop_samples": crop_samples}  # fmt: skip
        super().__init__(config, frontend, params, crop_samples)
        self.features = mobilenet_v2_features(3 if frontend == "image" else 1)
        self.classifier = nn.Sequential(
            nn.Linear(FEATURE_DIM, head_hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(head_hidden, 1),
        )  # fmt: skip
        if trainable_top is not None:
            freeze_stages(self.features, trainable_top)

    def freeze_backbone(self, trainable_top: int = 0) -> None:
        """Two-phase transfer learning: freeze all backbone stages but the top ``trainable_top``."""
        freeze_stages(self.features, trainable_top)
        self.config["trainable_top"] = trainable_top

    def embed(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → pooled backbone features ``[B, 1280]``."""
        return self.features(self.frontend(wave)).mean(dim=(2, 3))

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        return logit_pair(self.classifier(self.embed(wave)))
