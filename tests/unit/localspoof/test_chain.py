"""The common channel makes files from any source rate look alike in band, level and padding."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.audio.channel import frame_rms_db
from spoofscope.localspoof.chain import PAD_S, STORE_SR, TARGET_DBFS, telephone_chain


def voiced(sr: int, seconds: float = 1.0, f0: float = 140.0) -> np.ndarray:
    """A buzzy vowel-like signal: harmonics of f0 up to the Nyquist frequency, 0.3 s of silence around."""
    t = np.arange(int(seconds * sr)) / sr
    x = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, int(sr / 2 / f0)))
    pad = np.zeros(int(0.3 * sr))
    return np.concatenate([pad, 0.3 * x / np.max(np.abs(x)), pad]).astype(np.float32)


@pytest.mark.parametrize("sr", [8000, 22050, 48000])
def test_chain_output_is_16k_band_limited_padded_and_levelled(sr: int) -> None:
    y = telephone_chain(voiced(sr), sr, seed=0)
    assert y.dtype == np.float32
    assert len(y) / STORE_SR == pytest.approx(1.0 + 2 * PAD_S, abs=0.05)
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / STORE_SR)
    assert spec[freqs > 4000].sum() / spec.sum() < 1e-4  # nothing of the source's wide band left
    speech = y[int(PAD_S * STORE_SR) : -int(PAD_S * STORE_SR)]
    assert 20 * np.log10(np.sqrt(np.mean(speech**2))) == pytest.approx(TARGET_DBFS, abs=1.0)
    floor = frame_rms_db(y[: int(0.15 * STORE_SR)], STORE_SR)
    assert np.all(floor < TARGET_DBFS - 30) and np.all(floor > -90)  # a noise floor, not zeros


def test_chain_is_deterministic_for_a_seed() -> None:
    x = voiced(16000)
    assert np.array_equal(telephone_chain(x, 16000, 3), telephone_chain(x, 16000, 3))
    assert not np.array_equal(telephone_chain(x, 16000, 3), telephone_chain(x, 16000, 4))
