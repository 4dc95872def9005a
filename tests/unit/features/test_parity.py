"""Front-ends against librosa, and LFCC against a plain numpy reference of the ASVspoof definition.

Tolerances: log-mel and MFCC within 1e-3 absolute and the spectrogram within 5e-3 dB of librosa's
float32 result (values span about 100 units, so this is float32 rounding); constant-Q magnitudes are compared
with librosa.cqt(sparsity=0): relative Frobenius error under 2 %, and the top octave (which
librosa computes at the full rate, without its per-octave resampling) within 0.5 % per value plus
1e-3 of the peak.
"""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import scipy.fft
import torch

from spoofscope.features import build_frontend
from tests.unit.features.conftest import SR, speech_like

STFT = dict(n_fft=512, hop_length=160, win_length=400)


@pytest.fixture(scope="module")
def wave() -> np.ndarray:
    return speech_like(1.5, seed=11, f0=123.0)


def run(name: str, wave: np.ndarray, **params: object) -> np.ndarray:
    with torch.no_grad():
        return build_frontend(name, **params)(torch.from_numpy(wave)[None])[0, 0].numpy()


def test_spectrogram_matches_librosa_power_in_db(wave: np.ndarray) -> None:
    power = np.abs(librosa.stft(wave, **STFT)) ** 2
    expected = librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=None)
    np.testing.assert_allclose(run("spectrogram", wave, **STFT), expected, atol=5e-3, rtol=0)


def test_linear_spectrogram_matches_librosa_power(wave: np.ndarray) -> None:
    power = np.abs(librosa.stft(wave, **STFT)) ** 2
    got = run("spectrogram", wave, log=False, **STFT)
    np.testing.assert_allclose(got, power, rtol=1e-4, atol=1e-4 * power.max())


def test_spectrogram_fmax_keeps_the_bins_up_to_it(wave: np.ndarray) -> None:
    full = run("spectrogram", wave, **STFT)
    band = run("spectrogram", wave, fmax=4000.0, **STFT)
    assert band.shape == (129, full.shape[1])  # bins 0..128 are 0..4000 Hz at 31.25 Hz each
    np.testing.assert_array_equal(band, full[:129])


def test_logmel_matches_librosa_melspectrogram(wave: np.ndarray) -> None:
    mel = librosa.feature.melspectrogram(y=wave, sr=SR, n_mels=64, fmin=20.0, fmax=7600.0, **STFT)
    got = run("logmel", wave, n_mels=64, fmin=20.0, fmax=7600.0, **STFT)
    np.testing.assert_allclose(got, np.log(mel + 1e-6), atol=1e-3, rtol=0)


@pytest.mark.parametrize("lifter", [0.0, 22.0])
def test_mfcc_matches_librosa_mfcc(wave: np.ndarray, lifter: float) -> None:
    mel = librosa.feature.melspectrogram(y=wave, sr=SR, n_mels=40, **STFT)
    expected = librosa.feature.mfcc(
        S=librosa.power_to_db(mel, top_db=None), n_mfcc=13, lifter=lifter
    )
    got = run("mfcc", wave, n_mels=40, n_mfcc=13, lifter=lifter, **STFT)
    np.testing.assert_allclose(got, expected, atol=1e-3, rtol=0)


@pytest.mark.slow
def test_cqt_magnitudes_match_librosa_cqt(wave: np.ndarray) -> None:
    expected = np.abs(librosa.cqt(wave, sr=SR, hop_length=256, sparsity=0.0))
    got = run("cqt", wave, hop_length=256, log=False)
    assert got.shape == expected.shape == (84, 1 + len(wave) // 256)
    inner = slice(8, -8)  # librosa's per-octave resampling differs from exact at the edges
    rel = np.linalg.norm(got[:, inner] - expected[:, inner]) / np.linalg.norm(expected[:, inner])
    assert rel < 0.02
    top = slice(72, 84)
    peak = float(expected.max())
    np.testing.assert_allclose(got[top, inner], expected[top, inner], rtol=5e-3, atol=1e-3 * peak)


def numpy_lfcc(wave: np.ndarray) -> np.ndarray:
    """ASVspoof 2021 LFCC, written out: pre-emphasis 0.97, 320-sample Hamming frames every 160
    samples (centred, zero-padded), 512-point power spectrum, 20 linear triangular filters over
    0..8 kHz, log10, orthonormal DCT-II keeping 20, deltas (x[t+1] - x[t-1]) / 2 with repeated
    edges, delta-deltas of the deltas → [60, frames]."""
    x = np.append(wave[:1], wave[1:] - 0.97 * wave[:-1]).astype(np.float64)
    n_fft, hop, win = 512, 160, 320
    window = np.zeros(n_fft)
    offset = (n_fft - win) // 2
    window[offset : offset + win] = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(win) / win)
    padded = np.pad(x, n_fft // 2)
    frames = 1 + len(x) // hop
    spec = np.stack(
        [np.fft.rfft(padded[t * hop : t * hop + n_fft] * window) for t in range(frames)]
    )
    power = np.abs(spec.T) ** 2  # [257, frames]
    freqs = np.arange(n_fft // 2 + 1) * SR / n_fft
    edges = np.linspace(0, SR / 2, 22)
    bank = np.zeros((20, freqs.size))
    for i in range(20):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        for j, f in enumerate(freqs):
            if lo <= f <= mid:
                bank[i, j] = (f - lo) / (mid - lo)
            elif mid < f <= hi:
                bank[i, j] = (hi - f) / (hi - mid)
    energies = np.log10(np.maximum(bank @ power, np.finfo(np.float32).eps))
    static = scipy.fft.dct(energies, type=2, norm="ortho", axis=0)[:20]

    def delta(c: np.ndarray) -> np.ndarray:
        ext = np.concatenate([c[:, :1], c, c[:, -1:]], axis=1)
        return (ext[:, 2:] - ext[:, :-2]) / 2

    return np.concatenate([static, delta(static), delta(delta(static))])


def test_lfcc_matches_numpy_reference_of_the_asvspoof_definition(wave: np.ndarray) -> None:
    got = run("lfcc", wave)
    expected = numpy_lfcc(wave)
    assert got.shape == expected.shape == (60, 1 + len(wave) // 160)
    np.testing.assert_allclose(got, expected, atol=2e-3, rtol=0)
