"""Feature normalisation as front-end wrappers: per-utterance and global mean/variance.

A wrapper is itself a :class:`FrontEnd`, so a model that owns ``GlobalNorm(build_frontend("lfcc"))``
stores the global statistics in its own ``state_dict`` and exports them in its ONNX graph.
``build_frontend(name, norm="utterance" | "global", **params)`` builds the wrapped form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from spoofscope.errors import ConfigError
from spoofscope.features.base import FrontEnd, length_mask


def _valid_frames(feats: Tensor, frame_lengths: Tensor) -> Tensor:
    """``[B, 1, 1, frames]`` float mask of the valid frames of ``feats: [B, C, F, frames]``."""
    return length_mask(frame_lengths, feats.shape[-1])[:, None, None, :].to(feats.dtype)


def utterance_mvn(feats: Tensor, frame_lengths: Tensor, eps: float = 1e-5) -> Tensor:
    """Standardise each (channel, bin) of each row over its valid frames.

    Args:
        feats: ``[B, C, F, frames]``.
        frame_lengths: ``[B]`` valid frames per row.
        eps: variance floor, so a constant (silent) row gives zeros rather than NaN.

    Returns:
        ``[B, C, F, frames]`` with zero mean and unit variance over each row's valid frames.
    """
    mask = _valid_frames(feats, frame_lengths)
    count = torch.clamp(mask.sum(dim=-1, keepdim=True), min=1.0)
    mean = (feats * mask).sum(dim=-1, keepdim=True) / count
    var = (((feats - mean) * mask) ** 2).sum(dim=-1, keepdim=True) / count
    return (feats - mean) / torch.sqrt(var + eps)


class Normalized(FrontEnd):
    """A front-end whose output is normalised; ``kind`` names the normalisation in :meth:`config`."""

    kind = "none"

    def __init__(self, inner: FrontEnd) -> None:
        super().__init__(inner.sample_rate)
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]  # the wrapper answers to its front-end's name

    def config(self) -> dict[str, Any]:
        return {**self.inner.config(), "norm": self.kind}

    def cache_config(self) -> dict[str, Any]:
        # normalisation runs after the cache: every norm of one front-end shares its entries
        return self.inner.cache_config()

    def cache_refusal(self) -> str | None:
        return self.inner.cache_refusal()

    @property
    def frame_hop(self) -> int | None:
        return self.inner.frame_hop

    def cached_transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        return self.inner.cached_transform(wave, lengths)

    def after_cache(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        return self.normalize(self.inner.after_cache(feats, frame_lengths), frame_lengths)

    def output_lengths(self, lengths: Tensor) -> Tensor:
        return self.inner.output_lengths(lengths)

    def normalize(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        return feats

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        return self.normalize(self.inner.transform(wave, lengths), self.output_lengths(lengths))


class UtteranceNorm(Normalized):
    """Per-utterance mean and variance normalisation over each row's valid frames."""

    kind = "utterance"

    def normalize(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        return utterance_mvn(feats, frame_lengths)


class GlobalNorm(Normalized):
    """Global mean / standard deviation per (channel, bin), held as buffers in the state_dict.

    Call :meth:`fit` once over training features; until then the wrapper is the identity.
    """

    kind = "global"

    def __init__(self, inner: FrontEnd, eps: float = 1e-5) -> None:
        super().__init__(inner)
        channels, bins, _ = inner.output_shape(inner.sample_rate)
        self.eps = eps
        self.register_buffer("mean", torch.zeros(channels, bins, 1))
        self.register_buffer("std", torch.ones(channels, bins, 1))

    @torch.no_grad()
    def fit(self, batches: Iterable[Tensor | tuple[Tensor, Tensor]]) -> GlobalNorm:
        """Set mean and std from feature batches (``feats`` or ``(feats, frame_lengths)``).

        ``feats`` is ``[B, C, F, frames]`` from the wrapped front-end; only valid frames count.
        Sums are kept in float64 so long corpora do not lose precision.

        Raises:
            ConfigError: no frame was seen, or a batch has the wrong shape.
        """
        total = square = None
        count = 0.0
        for item in batches:
            feats, frame_lengths = item if isinstance(item, tuple) else (item, None)
            if feats.dim() != 4 or feats.shape[1:3] != self.mean.shape[:2]:
                raise ConfigError(
                    "GlobalNorm.fit",
                    f"expected [B, {self.mean.shape[0]}, {self.mean.shape[1]}, "
                    f"frames] features, got {tuple(feats.shape)}",
                )
            if frame_lengths is None:
                frame_lengths = torch.full((feats.shape[0],), feats.shape[-1])
            mask = _valid_frames(feats, frame_lengths.to(feats.device)).double()
            values = feats.double() * mask
            batch_sum = values.sum(dim=(0, 3))[..., None]  # [C, F, 1]
            batch_square = (values * feats.double()).sum(dim=(0, 3))[..., None]
            total = batch_sum if total is None else total + batch_sum
            square = batch_square if square is None else square + batch_square
            count += float(mask.sum())
        if total is None or count == 0:
            raise ConfigError("GlobalNorm.fit", "no feature frames were given")
        mean = total / count
        var = torch.clamp(square / count - mean**2, min=0.0)
        self.mean.copy_(mean.to(self.mean.dtype))
        self.std.copy_(torch.sqrt(var + self.eps).to(self.std.dtype))
        return self

    def normalize(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        return (feats - self.mean) / self.std


#: ``norm=`` value → wrapper class, used by :func:`spoofscope.features.build_frontend`.
NORMALIZERS: dict[str, type[Normalized]] = {"utterance": UtteranceNorm, "global": GlobalNorm}
