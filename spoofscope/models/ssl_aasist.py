"""Self-supervised front-ends with an AASIST back-end (``ssl-aasist``) or a linear head (``ssl-linear``).

``ssl-aasist`` follows Tak et al., "Automatic speaker verification spoofing and deepfake detection
using wav2vec 2.0 and data augmentation" (Odyssey 2022): SSL hidden states → linear to 128 → the
map ``[B, 1, 128, frames]`` → 3×3 max-pool, BN, SELU → four AASIST residual blocks → AASIST's graph
part (spectral/temporal GATs, heterogeneous GATs, master nodes). ``ssl-linear`` is the "wav2vec2 +
dense layer" classifier of seed 003: mean-pooled hidden states → dropout → linear, with an encoder
freeze/unfreeze switch.

The SSL model is read from the local directory ``ssl_path`` names (``save_pretrained`` layout; see
:mod:`spoofscope.features.ssl`): a recipe must name one, since a detector on an untrained stand-in
encoder would train and score without saying that it means nothing. ``ssl_path: tiny-random``
builds a small random wav2vec 2.0 in memory for tests; the model's config, and so its card,
records that name as given.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch.nn.functional as F
from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.models.aasist import AASIST, ResidualBlock
from spoofscope.models.base import FeatureCountermeasure, register_model


def build_ssl_frontend(ssl_path: str | None, layer: int | None, freeze: bool) -> nn.Module:
    """The ``ssl`` front-end on the encoder ``ssl_path`` names (a local directory or
    ``tiny-random``).

    Raises:
        ConfigError: ``ssl_path`` is None (key ``model.params.ssl_path``), or names no loadable
            local encoder (see :func:`spoofscope.features.ssl.load_pretrained`).
    """
    from spoofscope.features import build_frontend
    from spoofscope.features.ssl import NO_MODEL_WHY

    if ssl_path is None:
        raise ConfigError("model.params.ssl_path", NO_MODEL_WHY)
    return build_frontend("ssl", model=str(ssl_path), layer=layer, freeze=freeze)


@register_model("ssl-aasist")
class SSLAASIST(AASIST):
    """SSL front-end → linear(128) → AASIST encoder (4 blocks) and graph part → logits ``[B, 2]``.

    Args:
        ssl_path: local SSL model directory (``save_pretrained`` layout), or ``tiny-random``
            in tests. Required: None raises ConfigError.
        ssl_layer: hidden state to use (None = learned weighted sum of all layers).
        freeze: keep the SSL encoder fixed.
        proj_dim: width of the linear projection of the hidden states (128).
        filts, gat_dims, pool_ratios, temperatures: the AASIST back-end (Tak et al. 2022 values).
    """

    #: no crop argument: the SSL front-end takes any length (the card's crop is the recipe's)
    crop_param: ClassVar[str | None] = None
    file_params: ClassVar[tuple[str, ...]] = ("ssl_path",)

    def __init__(
        self,
        ssl_path: str | None = None,
        ssl_layer: int | None = None,
        freeze: bool = False,
        proj_dim: int = 128,
        filts: list[Any] | None = None,
        gat_dims: list[int] | None = None,
        pool_ratios: list[float] | None = None,
        temperatures: list[float] | None = None,
    ) -> None:
        filts = filts if filts is not None else [proj_dim, [1, 32], [32, 32], [32, 64], [64, 64]]
        super().__init__(
            filts=filts,
            gat_dims=gat_dims or [64, 32],
            pool_ratios=pool_ratios or [0.5, 0.5, 0.5, 0.5],
            temperatures=temperatures or [2.0, 2.0, 100.0, 100.0],
        )
        self.config.update(ssl_path=ssl_path, ssl_layer=ssl_layer, freeze=freeze, proj_dim=proj_dim)
        del self.config["nb_samp"], self.config["first_conv"]
        del self.conv_time  # the SSL model replaces the sinc layer
        self.frontend = build_ssl_frontend(ssl_path, ssl_layer, freeze)
        hidden = self.frontend.encoder.config.hidden_size
        self.LL = nn.Linear(hidden, proj_dim)
        widths = [filts[1], filts[2], filts[3], filts[4]]
        self.encoder = nn.Sequential(
            *[nn.Sequential(ResidualBlock(a, b, first=i == 0)) for i, (a, b) in enumerate(widths)]
        )

    def _front_plain(self, wave: Tensor) -> Tensor:
        feats = self.frontend(wave)[:, 0].transpose(1, 2)  # [B, frames, hidden]
        x = self.LL(feats).transpose(1, 2).unsqueeze(1)  # [B, 1, proj_dim, frames]
        x = F.selu(self.first_bn(F.max_pool2d(x, (3, 3))))
        return self.encoder(x)

    def forward_hidden(self, wave: Tensor) -> tuple[Tensor, Tensor]:
        """``wave: [B, T]`` → (last_hidden ``[B, 5 * gat_dims[1]]``, logits ``[B, 2]``)."""
        return self._back(self._front_plain(wave))


@register_model("ssl-linear")
class SSLLinear(FeatureCountermeasure):
    """Mean-pooled SSL hidden states → dropout → linear → logits ``[B, 2]``.

    Args:
        ssl_path / ssl_layer: as :class:`SSLAASIST`.
        freeze: start with the encoder frozen (feature-extractor mode); see :meth:`set_frozen`.
        dropout: before the linear layer.
    """

    file_params: ClassVar[tuple[str, ...]] = ("ssl_path",)

    def __init__(
        self,
        ssl_path: str | None = None,
        ssl_layer: int | None = None,
        freeze: bool = True,
        dropout: float = 0.1,
        crop_samples: int = 64000,
    ) -> None:
        config = {"ssl_path": ssl_path, "ssl_layer": ssl_layer, "freeze": freeze,
                  "dropout": dropout, "crop_samples": crop_samples}  # fmt: skip
        # Skip FeatureCountermeasure.__init__: the front-end is built from ssl_path, which must
        # fail under its own key when missing.
        super(FeatureCountermeasure, self).__init__(config, crop_samples=crop_samples)
        self.frontend = build_ssl_frontend(ssl_path, ssl_layer, freeze)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(self.frontend.encoder.config.hidden_size, 2)
        self.set_frozen(freeze)

    def set_frozen(self, frozen: bool) -> None:
        """Freeze (feature-extractor mode) or unfreeze (fine-tuning) the SSL encoder."""
        self.frontend.freeze = bool(frozen)
        self.frontend.encoder.requires_grad_(not frozen)
        self.frontend.encoder.train(self.training and not frozen)
        self.config["freeze"] = bool(frozen)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        pooled = self.frontend(wave)[:, 0].mean(dim=-1)  # [B, hidden]
        return self.out(self.dropout(pooled))
