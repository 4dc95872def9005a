"""RawBoost: data boosting on the raw waveform (Tak, Kamble, Patino, Todisco & Evans, "RawBoost: a
raw data boosting and augmentation method applied to automatic speaker verification
anti-spoofing", ICASSP 2022, arXiv:2111.04433).

Three algorithms, each a model of a nuisance a countermeasure meets outside the lab:

1. **Linear and non-linear convolutive noise** (:func:`convolutive_noise`): the signal and its
   powers ``x², x³, …, x^N_f`` (the non-linear terms of a Hammerstein-like channel) each pass a
   random multi-band notch filter and are summed; higher orders are attenuated by a random bias.
2. **Impulsive signal-dependent additive noise** (:func:`impulsive_noise`): a random ``P`` percent
   (at most) of the samples get a perturbation proportional to their own value (clipping, bad
   quantisation).
3. **Stationary signal-independent additive noise** (:func:`coloured_noise`): white Gaussian noise
   coloured by a random notch filter, added at a random SNR.

The paper's code combines them by id (:data:`ALGORITHMS`): 1, 2, 3 alone; 4 = 1+2+3, 5 = 1+2,
6 = 1+3, 7 = 2+3 in series; 8 = 1 and 2 in parallel (the two outputs summed). Parameters keep the
paper's names and defaults (:class:`RawBoostParams`; Table 1 of the paper and its released
``main.py`` arguments).

Two deliberate differences from the released code, both to keep the augmentation well defined at
any sample rate and inside ``[-1, 1]``: band edges are clipped to ``(0, sr/2)`` and a band that
falls entirely above Nyquist (possible at 8 kHz, since ``maxF`` defaults to 8 kHz) is dropped
instead of producing an invalid filter; and the output of algorithm 3 is peak-normalised when it
exceeds 1, like the other two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from spoofscope.errors import ConfigError

# Below sr/2 by this much so firwin accepts a band edge at Nyquist (Hz).
_NYQUIST_GUARD = 1e-3


@dataclass(frozen=True)
class RawBoostParams:
    """RawBoost hyper-parameters with the paper's names and default values.

    Attributes:
        nBands: notch bands per multi-band filter.
        minF, maxF: range of band centre frequencies (Hz).
        minBW, maxBW: range of band widths (Hz).
        minCoeff, maxCoeff: range of FIR filter orders (made odd).
        minG, maxG: range of the filter gain (dB).
        minBiasLinNonLin, maxBiasLinNonLin: extra attenuation (dB) of the non-linear terms.
        N_f: number of terms in the non-linear series (1 = linear only).
        P: maximum percentage of samples hit by impulsive noise.
        g_sd: gain of the impulsive noise relative to the sample it hits.
        SNRmin, SNRmax: range of the SNR (dB) of the stationary coloured noise.
    """

    nBands: int = 5
    minF: float = 20.0
    maxF: float = 8000.0
    minBW: float = 100.0
    maxBW: float = 1000.0
    minCoeff: int = 10
    maxCoeff: int = 100
    minG: float = 0.0
    maxG: float = 0.0
    minBiasLinNonLin: float = 5.0
    maxBiasLinNonLin: float = 20.0
    N_f: int = 5
    P: float = 10.0
    g_sd: float = 2.0
    SNRmin: float = 10.0
    SNRmax: float = 40.0

    def __post_init__(self) -> None:
        for lo, hi in (
            ("minF", "maxF"),
            ("minBW", "maxBW"),
            ("minCoeff", "maxCoeff"),
            ("minG", "maxG"),
            ("minBiasLinNonLin", "maxBiasLinNonLin"),
            ("SNRmin", "SNRmax"),
        ):
            if getattr(self, lo) > getattr(self, hi):
                raise ConfigError(f"rawboost.{lo}", f"must not exceed {hi}")
        for name in ("nBands", "minCoeff", "N_f"):
            if getattr(self, name) < 1:
                raise ConfigError(f"rawboost.{name}", "must be at least 1")
        if not 0 <= self.P <= 100:
            raise ConfigError("rawboost.P", f"is a percentage in [0, 100], got {self.P}")
        if self.minF <= 0 or self.minBW <= 0:
            raise ConfigError("rawboost.minF/minBW", "must be positive")


def peak_limit(x: np.ndarray) -> np.ndarray:
    """Scale ``x`` down to a peak of 1 when it exceeds 1; leave it as is otherwise."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x / peak if peak > 1.0 else x


def notch_filter(
    rng: np.random.Generator, sr: int, params: RawBoostParams, gain_db: tuple[float, float]
) -> np.ndarray:
    """Design a random multi-band notch FIR filter.

    ``nBands`` band-stop filters (Hamming-windowed, odd order in ``[minCoeff, maxCoeff]``, centre in
    ``[minF, maxF]``, width in ``[minBW, maxBW]``) are cascaded (their taps convolved), and the
    cascade is scaled so its largest magnitude response equals a gain drawn from ``gain_db``.

    Args:
        rng: the random source.
        sr: sample rate in Hz.
        params: the ranges above.
        gain_db: (low, high) range of the peak gain in dB (either order).

    Returns:
        The filter taps ``[L]`` (odd length, linear phase).
    """
    nyquist = sr / 2.0
    taps = np.ones(1)
    for _ in range(params.nBands):
        centre = rng.uniform(params.minF, params.maxF)
        width = rng.uniform(params.minBW, params.maxBW)
        order = int(rng.integers(params.minCoeff, params.maxCoeff, endpoint=True))
        order += 1 - order % 2  # band-stop FIRs need an odd number of taps
        low = max(centre - width / 2.0, _NYQUIST_GUARD)
        high = min(centre + width / 2.0, nyquist - _NYQUIST_GUARD)
        if low >= high:
            continue  # the band lies above Nyquist at this sample rate
        band = signal.firwin(order, [low, high], pass_zero="bandstop", window="hamming", fs=sr)
        taps = np.convolve(taps, band)
    gain = rng.uniform(min(gain_db), max(gain_db))
    _, response = signal.freqz(taps, worN=512, fs=sr)
    return taps * (10.0 ** (gain / 20.0) / np.max(np.abs(response)))


def _filter(x: np.ndarray, taps: np.ndarray) -> np.ndarray:
    # A linear-phase filter of odd length delays by (L - 1) / 2 samples; "same" mode removes
    # exactly that delay, so augmented and clean waveforms stay aligned.
    if len(taps) == 1:
        return x * taps[0]
    return signal.oaconvolve(x, taps, mode="same")


def convolutive_noise(
    x: np.ndarray, rng: np.random.Generator, sr: int, params: RawBoostParams
) -> np.ndarray:
    """Algorithm 1: linear and non-linear convolutive noise.

    ``y = Σ_{k=1..N_f} h_k * x^k``, each ``h_k`` a fresh :func:`notch_filter`; orders above 1 get
    their gain range lowered by ``[minBiasLinNonLin, maxBiasLinNonLin]`` dB. The result has its mean
    removed and is peak-limited to 1.

    Args:
        x: waveform ``[T]`` (float64).
        rng: the random source.
        sr: sample rate in Hz.
        params: RawBoost parameters.

    Returns:
        The processed waveform ``[T]``.
    """
    y = np.zeros_like(x)
    linear_gain = (params.minG, params.maxG)
    nonlinear_gain = (params.minG - params.minBiasLinNonLin, params.maxG - params.maxBiasLinNonLin)
    power = np.ones_like(x)
    for order in range(1, params.N_f + 1):
        power = power * x  # x**order by repeated products: np.power is ~10x slower here
        gain = linear_gain if order == 1 else nonlinear_gain
        y += _filter(power, notch_filter(rng, sr, params, gain))
    return peak_limit(y - y.mean())


def impulsive_noise(
    x: np.ndarray, rng: np.random.Generator, sr: int, params: RawBoostParams
) -> np.ndarray:
    """Algorithm 2: impulsive signal-dependent additive noise.

    A share ``β ~ U(0, P)`` percent of the samples, chosen at random, become
    ``x[t] + g_sd · x[t] · r`` with ``r`` the product of two ``U(-1, 1)`` draws; then peak-limited.
    ``sr`` is unused (kept so every algorithm has one signature).
    """
    y = x.copy()
    share = rng.uniform(0.0, params.P) / 100.0
    hit = rng.choice(len(x), size=int(len(x) * share), replace=False)
    r = rng.uniform(-1.0, 1.0, len(hit)) * rng.uniform(-1.0, 1.0, len(hit))
    y[hit] += params.g_sd * x[hit] * r
    return peak_limit(y)


def coloured_noise(
    x: np.ndarray, rng: np.random.Generator, sr: int, params: RawBoostParams
) -> np.ndarray:
    """Algorithm 3: stationary signal-independent additive noise.

    White Gaussian noise through a random :func:`notch_filter` (gain ``[minG, maxG]``), scaled to an
    SNR drawn from ``[SNRmin, SNRmax]`` dB against ``x``, added, then peak-limited. A silent ``x``
    stays silent (its SNR is undefined).
    """
    taps = notch_filter(rng, sr, params, (params.minG, params.maxG))
    noise = _filter(rng.standard_normal(len(x)), taps)
    snr = rng.uniform(params.SNRmin, params.SNRmax)
    # Energies by sum of squares, not np.linalg.norm: its BLAS call is needlessly slow when the
    # BLAS thread pool competes with DataLoader workers.
    noise_energy = float(np.sum(noise * noise))
    if noise_energy == 0.0:
        return x.copy()
    noise *= np.sqrt(float(np.sum(x * x)) / noise_energy) / 10.0 ** (snr / 20.0)
    return peak_limit(x + noise)


Algorithm = Callable[[np.ndarray, np.random.Generator, int, RawBoostParams], np.ndarray]


@dataclass(frozen=True)
class Combination:
    """A RawBoost configuration: algorithms applied in series, or in parallel and summed."""

    stages: tuple[Algorithm, ...]
    parallel: bool = False

    def __call__(
        self, x: np.ndarray, rng: np.random.Generator, sr: int, params: RawBoostParams
    ) -> np.ndarray:
        if self.parallel:
            return peak_limit(sum(stage(x, rng, sr, params) for stage in self.stages))
        for stage in self.stages:
            x = stage(x, rng, sr, params)
        return x


#: the ids of the paper's code: 1-3 single algorithms, 4-7 series, 8 = 1 ‖ 2 in parallel.
ALGORITHMS: dict[int, Combination] = {
    1: Combination((convolutive_noise,)),
    2: Combination((impulsive_noise,)),
    3: Combination((coloured_noise,)),
    4: Combination((convolutive_noise, impulsive_noise, coloured_noise)),
    5: Combination((convolutive_noise, impulsive_noise)),
    6: Combination((convolutive_noise, coloured_noise)),
    7: Combination((impulsive_noise, coloured_noise)),
    8: Combination((convolutive_noise, impulsive_noise), parallel=True),
}
