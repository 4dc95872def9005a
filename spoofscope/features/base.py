"""The front-end contract: a ``torch.nn.Module`` from a padded waveform batch to a 4-D feature map.

Every front-end takes ``wave: [B, T]`` float32 plus optional ``lengths: [B]`` (valid samples per row)
and returns ``feats: [B, C, F, frames]``. Samples beyond a row's length are zeroed before the
transform, so a row of a padded batch gives, on its valid frames, exactly what the row alone gives;
frames beyond :meth:`FrontEnd.output_lengths` are zeroed after it, so padding never leaks values.
"""

from __future__ import annotations

import abc
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

    @abc.abstractmethod
    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        """Features of a zero-padded batch: ``wave: [B, T]`` → ``[B, C, F, frames]``."""

    @abc.abstractmethod
    def output_lengths(self, lengths: Tensor) -> Tensor:
        """Valid frames per row, ``[B]`` int64, for ``lengths: [B]`` valid samples per row."""

    def forward(self, wave: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Features of ``wave: [B, T]`` (rows valid up to ``lengths: [B]``) → ``[B, C, F, frames]``.

        Raises:
            ConfigError: when ``wave`` is not 2-D.
        """
        if wave.dim() != 2:
            raise ConfigError("wave", f"expected a [B, T] batch, got shape {tuple(wave.shape)}")
        if lengths is None:
            return self.transform(wave, full_lengths(wave))
        lengths = lengths.to(device=wave.device, dtype=torch.int64)
        if not any_padded(lengths, wave.shape[-1]):
            # no row is padded: masking would be two full passes over the batch for nothing
            return self.transform(wave, lengths)
        wave = wave * length_mask(lengths, wave.shape[-1]).to(wave.dtype)
        feats = self.transform(wave, lengths)  # [B, C, F, frames]
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


class FramedFrontEnd(FrontEnd):
    """A front-end whose frames are centred every ``hop_length`` samples (``1 + T // hop`` frames)."""

    hop_length: int

    def output_lengths(self, lengths: Tensor) -> Tensor:
        return 1 + torch.div(lengths, self.hop_length, rounding_mode="floor")
