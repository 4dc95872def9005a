"""Fourier front-ends: ``spectrogram`` (power, log power), ``stft`` (magnitude, phase), ``fft``."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import FramedFrontEnd, FrontEnd, require
from spoofscope.features.stft import ShortTimeFourier

#: floor under a power before taking its logarithm (librosa.power_to_db's ``amin``)
AMIN = 1e-10


def power_to_db(power: Tensor, amin: float = AMIN) -> Tensor:
    """``10 * log10(max(power, amin))``, as ``librosa.power_to_db(ref=1.0, top_db=None)``."""
    return 10.0 * torch.log10(torch.clamp(power, min=amin))


#: the STFT parameters every spectral front-end takes (see :class:`ShortTimeFourier`)
STFT_DEFAULTS: dict[str, Any] = {
    "n_fft": 512,
    "hop_length": 160,
    "win_length": 400,
    "window": "hann",
    "pad_mode": "constant",
}


def bins_up_to(fmax: float | None, n_fft: int, sample_rate: int) -> int:
    """How many STFT bins lie at or below ``fmax`` (all ``n_fft // 2 + 1`` when None).

    Telephone audio stored at 16 kHz has nothing above 4 kHz: without the cut, half the bins of a
    model's input would be empty.

    Raises:
        ConfigError: ``fmax`` is not in ``(0, sample_rate / 2]``.
    """
    nyquist = sample_rate / 2
    require(fmax is None or 0 < fmax <= nyquist, "fmax", f"must be in (0, {nyquist}]")
    return n_fft // 2 + 1 if fmax is None else int(fmax * n_fft / sample_rate) + 1


class SpectralFrontEnd(FramedFrontEnd):
    """A framed front-end computed from one :class:`ShortTimeFourier` (``self.stft``) built from
    the ``STFT_DEFAULTS`` keys of its parameters."""

    defaults: ClassVar[dict[str, Any]] = STFT_DEFAULTS

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        self.hop_length = self.params["hop_length"]
        self.stft = ShortTimeFourier(**{key: self.params[key] for key in STFT_DEFAULTS})


@FRONTENDS.register("spectrogram")
class Spectrogram(SpectralFrontEnd):
    """Power spectrogram ``|STFT|^2`` → ``[B, 1, n_fft // 2 + 1, frames]``, in dB when ``log``;
    with ``fmax`` only the bins up to that frequency.

    Equals ``librosa.power_to_db(np.abs(librosa.stft(...)) ** 2, ref=1, amin=1e-10, top_db=None)``
    for the same STFT parameters.
    """

    name = "spectrogram"
    defaults: ClassVar[dict[str, Any]] = {**STFT_DEFAULTS, "log": True, "fmax": None}

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        self.n_bins = bins_up_to(self.params["fmax"], self.params["n_fft"], sample_rate)

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        power = self.stft.power(wave)[:, : self.n_bins]  # [B, F, frames]
        return (power_to_db(power) if self.params["log"] else power)[:, None]


@FRONTENDS.register("stft")
class Stft(SpectralFrontEnd):
    """STFT magnitude ``[B, 1, F, frames]`` (``log``: ``log(magnitude + 1e-6)``), or with ``phase``
    magnitude and phase in radians ``[B, 2, F, frames]``."""

    name = "stft"
    defaults: ClassVar[dict[str, Any]] = {**STFT_DEFAULTS, "phase": False, "log": False}

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        real, imag = self.stft(wave)  # [B, F, frames] each
        magnitude = torch.sqrt(real * real + imag * imag)
        if self.params["log"]:
            magnitude = torch.log(magnitude + 1e-6)
        if not self.params["phase"]:
            return magnitude[:, None]
        return torch.stack([magnitude, torch.atan2(imag, real)], dim=1)


@FRONTENDS.register("fft")
class Fft(FrontEnd):
    """Whole-utterance magnitude spectrum → ``[B, 1, n_fft // 2 + 1, 1]``.

    Each row is transformed over its valid samples only (padding is zeroed, so it adds nothing), with
    an FFT of ``n_fft`` points (the batch length when None), and scaled by ``1 / length`` so rows of
    different durations are comparable. ``log`` gives ``log(magnitude + 1e-6)``.
    """

    name = "fft"
    defaults: ClassVar[dict[str, Any]] = {"n_fft": None, "log": True}

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        n_fft = self.params["n_fft"]
        require(n_fft is None or n_fft > 0, "n_fft", "must be > 0 or None")

    def cache_refusal(self) -> str | None:
        if self.params["n_fft"] is None:
            return (
                "n_fft: null sizes the FFT by the longest row of each batch, so a file's bins "
                "depend on its batch-mates; set n_fft to cache it"
            )
        return None

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        spec = torch.fft.rfft(wave, n=self.params["n_fft"] or wave.shape[-1])  # [B, F] complex
        pair = torch.view_as_real(spec)
        magnitude = torch.sqrt(pair[..., 0] ** 2 + pair[..., 1] ** 2)
        magnitude = magnitude / torch.clamp(lengths, min=1)[:, None].to(magnitude.dtype)
        if self.params["log"]:
            magnitude = torch.log(magnitude + 1e-6)
        return magnitude[:, None, :, None]

    def output_lengths(self, lengths: Tensor) -> Tensor:
        return torch.ones_like(lengths)
