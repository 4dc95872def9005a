"""Filterbanks over STFT bins (mel, linear triangular) and the ``logmel`` front-end."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import require
from spoofscope.features.spectral import STFT_DEFAULTS, SpectralFrontEnd


def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None
) -> Tensor:
    """Slaney-normalised mel filters ``[n_mels, n_fft // 2 + 1]``, identical to ``librosa.filters.mel``.

    librosa is used at construction only; the forward pass is a plain matmul.
    """
    import librosa

    nyquist = sample_rate / 2
    require(0 <= fmin < (fmax or nyquist) <= nyquist, "fmax", f"need 0 <= fmin < fmax <= {nyquist}")
    weights = librosa.filters.mel(
        sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, norm="slaney"
    )
    return torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))


def linear_filterbank(
    sample_rate: int, n_fft: int, n_filters: int, fmin: float = 0.0, fmax: float | None = None
) -> Tensor:
    """Triangular filters with linearly spaced edges → ``[n_filters, n_fft // 2 + 1]``, peak 1.

    ``n_filters + 2`` equally spaced edges cover ``[fmin, fmax]``; filter ``i`` rises from edge ``i``
    to ``i + 1`` and falls to ``i + 2``, evaluated at the FFT bin frequencies. This is the linear
    filterbank of the ASVspoof LFCC baselines (Sahidullah et al., Interspeech 2015).
    """
    fmax = sample_rate / 2 if fmax is None else fmax
    require(0 <= fmin < fmax <= sample_rate / 2, "fmax", "need 0 <= fmin < fmax <= sr / 2")
    require(n_filters > 0, "n_filters", "must be > 0")
    edges = np.linspace(fmin, fmax, n_filters + 2)
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    return torch.from_numpy(weights.astype(np.float32))


@FRONTENDS.register("logmel")
class LogMel(SpectralFrontEnd):
    """Log mel power spectrogram ``log(mel + log_offset)`` → ``[B, 1, n_mels, frames]``.

    ``mel`` equals ``librosa.feature.melspectrogram(power=2.0, norm="slaney", htk=False)`` with the
    same STFT parameters, ``n_mels``, ``fmin`` and ``fmax`` (None = Nyquist).
    """

    name = "logmel"
    defaults: ClassVar[dict[str, Any]] = {
        **STFT_DEFAULTS,
        "n_mels": 80,
        "fmin": 0.0,
        "fmax": None,
        "log_offset": 1e-6,
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        p = self.params
        require(p["log_offset"] > 0, "log_offset", "must be > 0")
        fbank = mel_filterbank(sample_rate, p["n_fft"], p["n_mels"], p["fmin"], p["fmax"])
        self.register_buffer("fbank", fbank, persistent=False)  # [n_mels, F]

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        mel = torch.matmul(self.stft.power_frames(wave), self.fbank.T)  # [B, frames, n_mels]
        return torch.log(mel + self.params["log_offset"]).transpose(1, 2)[:, None]
