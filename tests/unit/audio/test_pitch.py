"""Median F0: a voice's fundamental, also after a telephone band has filtered it out."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.audio.channel import apply_codec
from spoofscope.audio.pitch import median_f0

SR = 16000


def voice(f0: float, seconds: float = 1.5) -> np.ndarray:
    """A glottal-like pulse train at ``f0`` (harmonics falling 6 dB/octave) with silence around."""
    t = np.arange(int(seconds * SR)) / SR
    harmonics = np.arange(1, int(4000 // f0))
    x = (np.sin(2 * np.pi * f0 * np.outer(t, harmonics)) / harmonics).sum(axis=1)
    x = 0.1 * x / np.abs(x).max()
    return np.concatenate([np.zeros(SR // 4), x, np.zeros(SR // 4)]).astype(np.float32)


@pytest.mark.parametrize("f0", [95.0, 120.0, 210.0, 320.0])
def test_fundamental_of_a_full_band_voice(f0: float) -> None:
    assert median_f0(voice(f0), SR) == pytest.approx(f0, rel=0.03)


@pytest.mark.parametrize("f0", [95.0, 120.0, 150.0])
def test_fundamental_survives_the_telephone_band(f0: float) -> None:
    # 300-3400 Hz removes the fundamental (and the 2nd harmonic of the lowest); the period stays
    phone = apply_codec(voice(f0), SR, "telephone")
    assert median_f0(phone, SR) == pytest.approx(f0, rel=0.03)


def test_an_input_shorter_than_a_frame_gives_zero() -> None:
    assert median_f0(np.zeros(100, dtype=np.float32), SR) == 0.0
