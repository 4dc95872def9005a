"""L13: non-iterative phase reconstruction (PGHI) from a bona fide recording's magnitude spectrogram.

Phase Gradient Heap Integration (Průša, Balazs and Søndergaard, IEEE/ACM TASLP 2017) rebuilds
the STFT phase from the magnitude alone. For a Gaussian window the phase gradient follows from
the gradient of the log-magnitude, so the phase is integrated outward from the loudest cells,
always continuing from the loudest one reached so far. It is the phase-reconstruction family of
copy-synthesis, like L07 (Griffin-Lim), but it makes no iterations and starts from no random
phase, so its artefacts are its own: L13 is seen in training under protocol v3 while L07 stays
unseen. Three files in four start from a mel spectrogram (the input of a neural vocoder), the
fourth from the full linear magnitude; either is floored at 80 dB below its peak.

The phase convention here is the window-centred one (each frame's phase measured at its centre);
:func:`pghi_phase` converts to librosa's, which measures it at the frame's first sample.
"""

from __future__ import annotations

import functools
import heapq
from typing import Any

import numpy as np

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack, Requirement

WORK_SR = 16000

#: Variance (in samples², for exp(-π t² / λ)) of the Gaussian closest to a Hann window of length
#: L is 0.25645 L² (Průša et al. 2017, Table I); the phase-gradient relations assume a Gaussian.
HANN_LAMBDA = 0.25645

#: Cells quieter than this (relative to the loudest) carry no usable gradient and get a random
#: phase, as in the paper (its tolerance 10^-5 of the maximum magnitude is -100 dB).
TOLERANCE_DB = -100.0


def _integrate(
    logmag: np.ndarray, tgrad: np.ndarray, fgrad: np.ndarray, floor: float, noise: np.ndarray
) -> np.ndarray:
    """Heap integration of the phase gradients; every argument is [F, N] but ``floor``.

    ``tgrad`` is the phase advance in radians from one frame to the next and ``fgrad`` from one
    bin to the next; cells with ``logmag < floor`` take their phase from ``noise``. Written for
    numba (:func:`_compiled`): plain loops, one heap of (-log-magnitude, bin, frame).
    """
    n_bins, n_frames = logmag.shape
    phase = noise.copy()
    done = logmag < floor
    step_bin = (0, 0, 1, -1)
    step_frame = (1, -1, 0, 0)
    heap = [(0.0, 0, 0)]
    heap.pop()
    for seed in np.argsort(-logmag.ravel()):
        m0, n0 = seed // n_frames, seed % n_frames
        if done[m0, n0]:
            continue
        # A fresh island of sound starts at zero phase: its absolute phase cannot be known.
        done[m0, n0] = True
        phase[m0, n0] = 0.0
        heapq.heappush(heap, (-logmag[m0, n0], m0, n0))
        while heap:
            _, m, n = heapq.heappop(heap)
            for k in range(4):
                dm, dn = step_bin[k], step_frame[k]
                mm, nn = m + dm, n + dn
                if mm < 0 or mm >= n_bins or nn < 0 or nn >= n_frames or done[mm, nn]:
                    continue
                # The trapezoid rule between the two cells' gradients.
                if dn != 0:
                    step = dn * 0.5 * (tgrad[m, n] + tgrad[mm, nn])
                else:
                    step = dm * 0.5 * (fgrad[m, n] + fgrad[mm, nn])
                phase[mm, nn] = phase[m, n] + step
                done[mm, nn] = True
                heapq.heappush(heap, (-logmag[mm, nn], mm, nn))
    return phase


@functools.cache
def _compiled() -> Any:
    """:func:`_integrate` compiled by numba (librosa's dependency): 15x faster than Python here."""
    import numba

    return numba.njit(cache=False)(_integrate)


def pghi_phase(magnitude: np.ndarray, n_fft: int, hop: int, rng: np.random.Generator) -> np.ndarray:
    """The STFT phase [F, N] PGHI gives ``magnitude`` [F = n_fft // 2 + 1, N].

    The STFT is librosa's (a Hann window of ``n_fft`` samples, centred frames ``hop`` apart);
    the result is in its phase convention, so ``librosa.istft(magnitude * exp(1j * phase))``
    resynthesises. ``rng`` draws the phase of the near-silent cells.
    """
    n_bins = magnitude.shape[0]
    if n_bins != n_fft // 2 + 1:
        raise ValueError(f"magnitude has {n_bins} bins; an n_fft of {n_fft} gives {n_fft // 2 + 1}")
    lam = HANN_LAMBDA * n_fft**2
    # One dtype and layout, so numba compiles one specialisation per process.
    logmag = np.ascontiguousarray(np.log(np.maximum(magnitude.astype(np.float64), 1e-30)))
    floor = logmag.max() + TOLERANCE_DB / 20.0 * np.log(10.0)
    d_bin = np.gradient(logmag, axis=0) if n_bins > 1 else np.zeros_like(logmag)
    d_frame = np.gradient(logmag, axis=1) if logmag.shape[1] > 1 else np.zeros_like(logmag)
    bins = np.arange(n_bins, dtype=np.float64)[:, None]
    # Gaussian-window STFT, centred reference: d(phase)/dt = (M / λ) ds/dm + 2π m / M per
    # sample, and d(phase)/d(bin) = -(λ / (a M)) ds/dn, with s the log-magnitude, M = n_fft and
    # a = hop.
    tgrad = hop * (n_fft / lam * d_bin + 2.0 * np.pi * bins / n_fft)
    fgrad = -lam / (hop * n_fft) * d_frame
    noise = rng.uniform(-np.pi, np.pi, size=logmag.shape)
    phase = _compiled()(logmag, tgrad, fgrad, floor, noise)
    # librosa measures a frame's phase at its first sample, n_fft / 2 before its centre, which
    # multiplies bin m by (-1)^m.
    return phase + np.pi * bins


@ATTACKS.register("L13")
class PghiAttack(ConversionAttack):
    """Magnitude spectrogram (mel or linear) → PGHI phase → inverse STFT."""

    id = "L13"
    title = "PGHI phase reconstruction"
    synthesizer = "pghi"
    requires = (Requirement("librosa", "pip", "librosa"),)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        n_fft = int(rng.choice([512, 1024]))
        return {
            "n_fft": n_fft,
            # Its gradients come from neighbouring frames, so frames overlap 4x or 8x.
            "hop": n_fft // int(rng.choice([4, 8])),
            "n_mels": int(rng.choice([0, 64, 80, 128])),  # 0: the linear magnitude itself
            "gender": source_gender,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        import librosa

        x = resample(wave.astype(np.float32), sr, WORK_SR) if sr != WORK_SR else wave
        n_fft, hop, n_mels = settings["n_fft"], settings["hop"], settings["n_mels"]
        mag = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop))
        if n_mels:
            mel = librosa.feature.melspectrogram(
                S=mag**2, sr=WORK_SR, n_fft=n_fft, n_mels=n_mels, fmax=WORK_SR / 2
            )
            mag = librosa.feature.inverse.mel_to_stft(mel, sr=WORK_SR, n_fft=n_fft, power=2.0)
        # A vocoder's input holds 80 dB of range, as L07's does.
        mag = np.maximum(mag, mag.max() * 10 ** (-80.0 / 20.0))
        # After that floor no cell is below PGHI's tolerance, so no phase is drawn at random.
        phase = pghi_phase(mag, n_fft, hop, np.random.default_rng(0))
        y = librosa.istft(mag * np.exp(1j * phase), hop_length=hop, n_fft=n_fft, length=len(x))
        return y.astype(np.float32), WORK_SR
