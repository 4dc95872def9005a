"""``phasegram``: a log power spectrogram stacked with the STFT phase's time and frequency derivatives.

Magnitude front-ends (LFCC, log-mel) discard the phase, yet vocoders replace it: WORLD and LPC
resynthesis excite a minimum-phase filter with artificial pulses, Griffin-Lim invents a phase that
only approximately fits its magnitude. Leading ASVspoof 2015 systems, whose attacks were
mostly vocoders, read the phase this way: instantaneous frequency (Patel & Patil, "Combining
evidences from mel cepstral, cochlear filter cepstral and instantaneous frequency features",
Interspeech 2015) and group delay / baseband phase difference (Xiao et al., "Spoofing speech
detection using high dimensional magnitude and phase features", Interspeech 2015). The raw phase is uniformly distributed and
meaningless alone; its derivatives are not:

- **time derivative** (baseband phase difference): the phase advance of bin ``k`` from one frame to
  the next, less the advance ``2 pi k hop / n_fft`` of a sinusoid at the bin's own centre, i.e. the
  instantaneous frequency's deviation from the bin centre;
- **frequency derivative** (a wrapped group delay): the phase step from bin ``k - 1`` to ``k``
  within a frame, referenced to the frame centre, where a pulse at the centre gives zero.

Each derivative is a wrapped angle, so it enters as its cosine and sine (no wrap discontinuity),
computed in real arithmetic from products ``X * conj(X')`` normalised to unit length. Bins with no
energy give (0, 0), so silence and padding stay zero. The log power channel tells the model where
the phase is worth reading. Output: ``[B, 1 + 2 * len(derivatives), F, frames]``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import require
from spoofscope.features.spectral import AMIN, STFT_DEFAULTS, SpectralFrontEnd, bins_up_to

DERIVATIVES = ("time", "frequency")


def unit_phasor(real: Tensor, imag: Tensor) -> tuple[Tensor, Tensor]:
    """``(cos, sin)`` of the angle of ``real + j imag``; ``(0, 0)`` where the length is below AMIN."""
    length = torch.sqrt(real * real + imag * imag)
    scale = 1.0 / torch.clamp(length, min=AMIN) * (length > AMIN).to(real.dtype)
    return real * scale, imag * scale


def conj_product(a_re: Tensor, a_im: Tensor, b_re: Tensor, b_im: Tensor) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts of ``a * conj(b)``: its angle is ``angle(a) - angle(b)``."""
    return a_re * b_re + a_im * b_im, a_im * b_re - a_re * b_im


@FRONTENDS.register("phasegram")
class Phasegram(SpectralFrontEnd):
    """Log10 power spectrogram plus cos/sin of the phase derivatives → ``[B, C, F, frames]``.

    Channel 0 is ``log10(max(|X|^2, 1e-10))``; then, for each entry of ``derivatives`` in order,
    the cosine and sine of that phase derivative (see the module docstring). ``fmax`` keeps the
    bins at or below it (telephone audio stored at 16 kHz has nothing above 4 kHz). The first
    frame's time derivative and the first bin's frequency derivative have no predecessor and are
    zero.
    """

    name = "phasegram"
    defaults: ClassVar[dict[str, Any]] = {
        **STFT_DEFAULTS,
        "win_length": 320,
        "fmax": None,
        "derivatives": list(DERIVATIVES),
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        p = self.params
        derivatives = list(p["derivatives"])
        unknown = [d for d in derivatives if d not in DERIVATIVES]
        require(
            not unknown and len(set(derivatives)) == len(derivatives),
            "derivatives",
            f"a list of distinct names from {list(DERIVATIVES)}, got {derivatives}",
        )
        self.params["derivatives"] = derivatives
        n_fft = p["n_fft"]
        self.n_bins = bins_up_to(p["fmax"], n_fft, sample_rate)
        # a sinusoid centred on bin k advances by 2 pi k hop / n_fft per frame: rotating the
        # frame-to-frame product back by that angle leaves the deviation from the bin centre
        advance = 2 * math.pi * torch.arange(self.n_bins, dtype=torch.float64) * p["hop_length"]
        advance = advance / n_fft
        self.register_buffer("advance_cos", torch.cos(advance).float()[:, None], persistent=False)
        self.register_buffer("advance_sin", torch.sin(advance).float()[:, None], persistent=False)

    def _time_derivative(self, re: Tensor, im: Tensor) -> tuple[Tensor, Tensor]:
        pad = (1, 0)  # frame 0 meets a silent frame -1, so its product is 0
        prev_re = torch.nn.functional.pad(re[..., :-1], pad)
        prev_im = torch.nn.functional.pad(im[..., :-1], pad)
        d_re, d_im = conj_product(re, im, prev_re, prev_im)
        # multiply by exp(-j advance)
        c, s = self.advance_cos, self.advance_sin
        return unit_phasor(d_re * c + d_im * s, d_im * c - d_re * s)

    @staticmethod
    def _frequency_derivative(re: Tensor, im: Tensor) -> tuple[Tensor, Tensor]:
        pad = (0, 0, 1, 0)  # bin 0 meets a silent bin -1
        below_re = torch.nn.functional.pad(re[:, :-1], pad)
        below_im = torch.nn.functional.pad(im[:, :-1], pad)
        d_re, d_im = conj_product(re, im, below_re, below_im)
        # frames are computed with n = 0 at their start: a pulse at the centre (n_fft / 2) steps
        # by -pi per bin; negating references the derivative to the centre
        return unit_phasor(-d_re, -d_im)

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        re, im = self.stft(wave)  # [B, F, frames] each
        re, im = re[:, : self.n_bins], im[:, : self.n_bins]
        channels = [torch.log10(torch.clamp(re * re + im * im, min=AMIN))]
        for derivative in self.params["derivatives"]:
            channels.extend(getattr(self, f"_{derivative}_derivative")(re, im))
        return torch.stack(channels, dim=1)
