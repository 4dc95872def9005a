"""The front-end contract: a ``torch.nn.Module`` from a padded waveform batch to a 4-D feature map.

Every front-end takes ``wave: [B, T]`` float32 plus optional ``lengths: [B]`` (valid samples per row)
and returns ``feats: [B, C, F, frames]``. Samples beyond a row's length are zeroed before the
transform, so a row of a padded batch gives, on its valid frames, exactly what the row alone gives;
frames beyond :meth:`FrontEnd.output_lengths` are zeroed after it, so padding never leaks values.

A front-end is two stages around the feature cache: :meth:`FrontEnd.cached_transform` (what the
cache stores, keyed by :meth:`FrontEnd.cache_config`) and :meth:`FrontEnd.after_cache` (cheap
steps a study varies: coefficient selection, deltas, normalisation). Variants that differ only in
``after_cache_params`` so share one cache entry per file, and training from the cache runs the
same ``after_cache`` on cropped cached frames that the model runs on computed ones.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import torch
from torch import Tensor

from spoofscope.errors import ConfigError


def length_mask(lengths: Tensor, size: int) -> Tensor:
    """Boolean ``[B, size]`` mask, True where index < lengths[b]."""
    return torch.arange(size, device=lengths.device)[None, :] < lengths[:, None]


def full_lengths(wave: Tensor) -> Tensor:
    """``[B]`` int64 lengths saying every sample of ``wave: [B, T]`` is valid."""
    return torch.full((wave.shape[0],), wave.shape[-1], dtype=torch.int64, device=wave.device)


def any_padded(lengths: Tensor, size: int) -> bool:
    """True when some row is shorter than ``size``, or while tracing (the lengths are inputs of the
    traced graph then, so masking must stay in it)."""
    return torch.jit.is_tracing() or bool((lengths < size).any())


def require(ok: bool, key: str, why: str) -> None:
    """Raise ConfigError(key, why) unless ``ok`` (parameter validation in constructors)."""
    if not ok:
        raise ConfigError(key, why)


class FrontEnd(torch.nn.Module, abc.ABC):
    """Base class of every front-end.

    Subclasses set ``name`` (the registry name) and ``defaults`` (every parameter with its
    default, JSON-able: this is what ``spoofscope features --list`` shows and what :meth:`config`
    records), read their parameters from ``self.params``, and implement :meth:`transform` and
    :meth:`output_lengths`.

    Args:
        sample_rate: the rate, in Hz, the input waveform must have.
        **params: values overriding ``defaults``.

    Raises:
        ConfigError: a parameter is not in ``defaults``, or ``sample_rate`` is not positive.
    """

    name: ClassVar[str] = "frontend"
    defaults: ClassVar[dict[str, Any]] = {}
    #: parameters applied by :meth:`after_cache`, left out of :meth:`cache_config`
    after_cache_params: ClassVar[tuple[str, ...]] = ()
    #: True while the model that owns this front-end trains from cached features
    #: (:func:`reading_cached`): ``forward`` then receives cached features, not a waveform
    reads_cached: bool = False

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__()
        require(isinstance(sample_rate, int) and sample_rate > 0, "sample_rate", "must be > 0")
        unknown = sorted(set(params) - set(self.defaults))
        require(
            not unknown,
            f"front-end '{self.name}'",
            f"unknown parameters {unknown}; known: {', '.join(self.defaults)}",
        )
        self.sample_rate = sample_rate
        self.params: dict[str, Any] = {**self.defaults, **params}

    def config(self) -> dict[str, Any]:
        """JSON-able description: ``{"name": ..., "sample_rate": ..., **params}``."""
        return {"name": self.name, "sample_rate": self.sample_rate, **self.params}

    def cache_config(self) -> dict[str, Any]:
        """:meth:`config` without the parameters :meth:`after_cache` applies: the cache's key."""
        return {k: v for k, v in self.config().items() if k not in self.after_cache_params}

    def cache_refusal(self) -> str | None:
        """Why this front-end's features cannot be cached, or None when they can.

        A cached entry must be what the file alone gives; a front-end whose output for one row
        depends on the rest of its batch says so here.
        """
        return None

    @property
    def frame_hop(self) -> int | None:
        """Samples between output frames, or None when frames do not map to samples."""
        return None

    @abc.abstractmethod
    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        """Features of a zero-padded batch: ``wave: [B, T]`` → ``[B, C, F, frames]``."""

    def cached_transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        """What the cache stores for a zero-padded batch (``transform`` before ``after_cache``)."""
        return self.transform(wave, lengths)

    def after_cache(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        """The steps after the cache, on ``feats: [B, C, F, frames]`` from :meth:`cached_transform`
        valid up to ``frame_lengths: [B]``; the identity unless a front-end has such steps."""
        return feats

    @abc.abstractmethod
    def output_lengths(self, lengths: Tensor) -> Tensor:
        """Valid frames per row, ``[B]`` int64, for ``lengths: [B]`` valid samples per row."""

    def forward(self, wave: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Features of ``wave: [B, T]`` (rows valid up to ``lengths: [B]``) → ``[B, C, F, frames]``.

        While :func:`reading_cached` holds, ``wave`` is instead cached features ``[B, C, F,
        frames]`` (every frame valid) and the result is :meth:`after_cache` of them.

        Raises:
            ConfigError: when ``wave`` is not 2-D (4-D while reading cached features).
        """
        if self.reads_cached:
            return self.from_cache(wave)
        return self._masked(self.transform, wave, lengths)

    def cached(self, wave: Tensor, lengths: Tensor | None = None) -> Tensor:
        """What the cache stores for ``wave: [B, T]``, masked as :meth:`forward` masks.

        Raises:
            ConfigError: when ``wave`` is not 2-D.
        """
        return self._masked(self.cached_transform, wave, lengths)

    def from_cache(self, feats: Tensor, frame_lengths: Tensor | None = None) -> Tensor:
        """:meth:`after_cache` of cached ``feats: [B, C, F, frames]`` valid up to
        ``frame_lengths: [B]`` (all frames when None); frames past them come out zero.

        Raises:
            ConfigError: when ``feats`` is not 4-D.
        """
        if feats.dim() != 4:
            raise ConfigError(
                "feats", f"expected cached [B, C, F, frames] features, got {tuple(feats.shape)}"
            )
        frames = feats.shape[-1]
        if frame_lengths is None:
            frame_lengths = torch.full((feats.shape[0],), frames, device=feats.device)
        frame_lengths = frame_lengths.to(device=feats.device, dtype=torch.int64)
        out = self.after_cache(feats, frame_lengths)
        if not any_padded(frame_lengths, frames):
            return out
        return out * length_mask(frame_lengths, out.shape[-1])[:, None, None, :].to(out.dtype)

    def _masked(
        self, stage: Callable[[Tensor, Tensor], Tensor], wave: Tensor, lengths: Tensor | None
    ) -> Tensor:
        """``stage(wave, lengths)`` with samples and frames past each row's length zeroed."""
        if wave.dim() != 2:
            raise ConfigError("wave", f"expected a [B, T] batch, got shape {tuple(wave.shape)}")
        if lengths is None:
            return stage(wave, full_lengths(wave))
        lengths = lengths.to(device=wave.device, dtype=torch.int64)
        if not any_padded(lengths, wave.shape[-1]):
            # no row is padded: masking would be two full passes over the batch for nothing
            return stage(wave, lengths)
        wave = wave * length_mask(lengths, wave.shape[-1]).to(wave.dtype)
        feats = stage(wave, lengths)  # [B, C, F, frames]
        valid = length_mask(self.output_lengths(lengths), feats.shape[-1])
        return feats * valid[:, None, None, :].to(feats.dtype)

    @torch.no_grad()
    def output_shape(self, num_samples: int) -> tuple[int, int, int]:
        """``(C, F, frames)`` of the features of one ``num_samples``-long input."""
        probe = torch.zeros(1, num_samples, device=self._device())
        return tuple(self(probe).shape[1:])  # type: ignore[return-value]

    def _device(self) -> torch.device:
        for tensor in [*self.parameters(), *self.buffers()]:
            return tensor.device
        return torch.device("cpu")


@contextlib.contextmanager
def reading_cached(frontend: FrontEnd) -> Iterator[FrontEnd]:
    """While the block runs, ``frontend(x)`` takes cached features and applies only the steps
    after the cache, so the model that owns it trains on cached features unchanged (its forward
    hooks, such as feature masking, still see the front-end's output)."""
    frontend.reads_cached = True
    try:
        yield frontend
    finally:
        frontend.reads_cached = False


class FramedFrontEnd(FrontEnd):
    """A front-end whose frames are centred every ``hop_length`` samples (``1 + T // hop`` frames)."""

    hop_length: int

    @property
    def frame_hop(self) -> int | None:
        return self.hop_length

    def output_lengths(self, lengths: Tensor) -> Tensor:
        return 1 + torch.div(lengths, self.hop_length, rounding_mode="floor")
