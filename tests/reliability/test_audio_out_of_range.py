"""Float audio far outside [-1, 1] is divided by its peak and flagged ``rescaled``.

Before, ``load`` returned such samples as they were, against its docstring, and at 1e19 the models'
front-ends overflowed: ``detect`` printed ``score +nan`` and exited 0. Float WAVs written at
integer scale (values in the thousands) are the common case; a gain stage run wild the rare one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.audio.io import AudioQualityWarning, from_array, load

SR = 16000


@pytest.fixture(scope="module")
def speech(reference_dir: Path) -> np.ndarray:
    """4 s of an ASVspoof 2019 LA utterance at 16 kHz (the official AASIST test input)."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[0]


@pytest.mark.parametrize("gain", [32768.0, 1e19], ids=["int16-scale", "overflowing"])
def test_a_float_wav_far_outside_full_scale_is_rescaled_and_flagged(speech, tmp_path, gain):
    path = tmp_path / "LA_E_2834763.wav"
    sf.write(path, speech * np.float32(gain), SR, subtype="FLOAT")
    with pytest.warns(AudioQualityWarning, match="rescaled"):
        wave = load(path)
    assert "rescaled" in wave.quality
    assert float(np.abs(wave).max()) == pytest.approx(1.0)
    np.testing.assert_allclose(wave, speech / np.abs(speech).max(), atol=1e-6)


def test_a_stereo_float_array_is_rescaled_by_the_peak_of_both_channels(speech):
    both = np.stack([speech * 4.0, speech * 8.0])  # [C, T]; a mix bus 18 dB too hot
    with pytest.warns(AudioQualityWarning, match="<array>: rescaled"):
        wave = from_array(both, SR, mono=False)
    assert "rescaled" in wave.quality and wave.shape == both.shape
    np.testing.assert_allclose(wave[0], both[0] / np.abs(both).max(), atol=1e-6)


def test_float_audio_within_full_scale_is_returned_untouched(speech, tmp_path):
    path = tmp_path / "in_range.wav"
    sf.write(path, speech, SR, subtype="FLOAT")
    wave = load(path)
    assert "rescaled" not in wave.quality
    np.testing.assert_array_equal(wave, speech)
