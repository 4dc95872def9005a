"""L13, PGHI phase reconstruction: the phase it integrates is consistent with the magnitude it
came from (as Griffin-Lim's is after many iterations, and random phase is not), and the attack
keeps a voice's length and pitch while discarding its phase."""

from __future__ import annotations

import json

import librosa
import numpy as np
import pytest

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.pghi import pghi_phase
from tests.unit.localspoof.test_attacks import SR, median_f0, vowel


def gliding_vowel(seconds: float = 1.2) -> np.ndarray:
    """A vowel whose F0 glides from 110 to 180 Hz, with a syllable-rate amplitude envelope."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = 110.0 + 70.0 * t / seconds
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.cos(k * phase) / k * (1 + 4 * (abs(k * 140 - 700) < 200)) for k in range(1, 25))
    return (x * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) / 8).astype(np.float32)


def inconsistency_db(magnitude: np.ndarray, phase: np.ndarray, n_fft: int, hop: int) -> float:
    """Spectral convergence: how far the STFT of the resynthesis is from ``magnitude``, in dB."""
    y = librosa.istft(magnitude * np.exp(1j * phase), hop_length=hop, n_fft=n_fft)
    again = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))[:, : magnitude.shape[1]]
    err = np.linalg.norm(again - magnitude[:, : again.shape[1]])
    return float(20 * np.log10(err / np.linalg.norm(magnitude)))


@pytest.mark.parametrize(("n_fft", "hop"), ((512, 128), (1024, 128), (512, 64)))
def test_pghi_phase_is_consistent_with_its_magnitude(n_fft: int, hop: int) -> None:
    x = gliding_vowel()
    mag = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop))
    rng = np.random.default_rng(0)
    pghi = inconsistency_db(mag, pghi_phase(mag, n_fft, hop, rng), n_fft, hop)
    random = inconsistency_db(mag, rng.uniform(-np.pi, np.pi, mag.shape), n_fft, hop)
    assert pghi < -22.0 and random > -8.0, (pghi, random)
    # the frame-start convention matters: in the centred one the resynthesis falls apart
    centred = pghi_phase(mag, n_fft, hop, rng) - np.pi * np.arange(mag.shape[0])[:, None]
    assert inconsistency_db(mag, centred, n_fft, hop) > pghi + 10.0


def test_pghi_refuses_a_magnitude_of_another_fft_size() -> None:
    with pytest.raises(ValueError, match="513"):
        pghi_phase(np.ones((257, 10)), 1024, 256, np.random.default_rng(0))


def test_l13_plans_mel_and_linear_inputs_with_overlapping_frames() -> None:
    attack = ATTACKS.get("L13")()
    attack.check()
    rng = np.random.default_rng(2)
    plans = [attack.plan(rng, "female") for _ in range(100)]
    assert {p["n_mels"] for p in plans} == {0, 64, 80, 128}
    assert all(p["n_fft"] // p["hop"] in (4, 8) for p in plans)
    assert all(p["gender"] == "female" for p in plans)
    json.dumps(plans)
    again = [attack.plan(np.random.default_rng(2), "female")]
    assert again[0] == plans[0]


@pytest.mark.parametrize("n_mels", (0, 80))
def test_l13_keeps_length_and_pitch_but_not_the_waveform(n_mels: int) -> None:
    x = vowel(130.0, seconds=1.0)
    settings = {"n_fft": 512, "hop": 128, "n_mels": n_mels, "gender": "male"}
    y, sr = ATTACKS.get("L13")().convert(x, SR, settings)
    assert sr == SR and len(y) == len(x)
    assert median_f0(y) == pytest.approx(130.0, rel=0.05)
    # the magnitude is kept (closely for the linear input), the waveform is not
    mx, my = (np.abs(librosa.stft(v, n_fft=512, hop_length=128)) for v in (x, y))
    spectral_error = np.linalg.norm(my - mx) / np.linalg.norm(mx)
    assert spectral_error < (0.1 if n_mels == 0 else 0.45), spectral_error
    assert abs(np.corrcoef(x[1000:-1000], y[1000:-1000])[0, 1]) < 0.5
