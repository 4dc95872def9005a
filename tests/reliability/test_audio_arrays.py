"""Arrays, tensors, loaded waveforms and files go through one validation, with the same limits and errors.

Before, ``Detector.score(array, sr=...)`` skipped every check the loader makes: ``sr=1`` resampled
by 16000x (past 9 GB on a long array), a NaN array scored ``spoof, p_spoof 1.0`` where the same
samples in a file raise NonFiniteAudioError, an empty array raised ZeroDivisionError, int16 / bool /
complex arrays were scored unscaled, and the loader's own ``Waveform`` raised AttributeError.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope import errors
from spoofscope.audio.io import from_array, load
from spoofscope.inference.detector import Detector
from spoofscope.models import MODELS

SR = 16000


@pytest.fixture(scope="module")
def speech(reference_dir: Path) -> np.ndarray:
    """4 s of an ASVspoof 2019 LA utterance at 16 kHz (the official AASIST test input)."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[3]


@pytest.fixture(scope="module")
def detector() -> Detector:
    torch.manual_seed(0)
    model = MODELS.get("lcnn")()
    return Detector(model, model.card())


@pytest.mark.parametrize("sr", [1, 0, -16000, 10**9])
def test_a_sample_rate_out_of_range_is_refused_before_any_resampling(detector, speech, sr):
    # sr=1 on 1000 samples used to allocate 16 million output samples (64 MB) before scoring;
    # on a minute-long array that is the 9 GB of the report.
    tracemalloc.start()
    try:
        with pytest.raises(errors.SampleRateError, match=f"rate {sr} Hz is outside"):
            detector.score(speech[:1000], sr=sr)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # refused up front: well under a megabyte


def test_a_fractional_sample_rate_is_refused(detector, speech):
    with pytest.raises(errors.SampleRateError, match="whole number"):
        detector.score(speech, sr=16000.5)


def test_a_nan_array_raises_as_the_same_samples_in_a_file_do(detector, speech, tmp_path):
    bad = speech.copy()
    bad[1234] = np.nan
    path = tmp_path / "LA_E_1000147.wav"
    sf.write(path, bad, SR, subtype="FLOAT")
    with pytest.raises(errors.NonFiniteAudioError) as from_file:
        detector.score(path)
    with pytest.raises(errors.NonFiniteAudioError) as from_memory:
        detector.score(bad, sr=SR)
    assert from_memory.value.why == from_file.value.why == "1 samples are NaN or infinite"
    assert from_memory.value.what == "<array>"


def test_an_infinite_float64_tensor_is_non_finite_audio(detector, speech):
    wave = torch.from_numpy(speech.astype(np.float64))
    wave[[10, 20]] = float("inf")
    with pytest.raises(errors.NonFiniteAudioError, match="2 samples"):
        detector.score(wave, sr=SR)


@pytest.mark.parametrize(
    "empty",
    [np.zeros(0, np.float32), np.zeros((2, 0), np.float32), torch.zeros(0)],
    ids=["mono", "stereo", "tensor"],
)
def test_an_empty_array_is_empty_audio(detector, empty):
    with pytest.raises(errors.EmptyAudioError, match="zero samples"):
        detector.score(empty, sr=SR)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_32", "PCM_U8"])
def test_integer_pcm_arrays_are_scaled_as_the_same_pcm_file_is(speech, tmp_path, subtype):
    path = tmp_path / "call.wav"
    sf.write(path, speech, SR, subtype=subtype)
    raw, _ = sf.read(path, dtype="int16" if subtype != "PCM_32" else "int32")
    if subtype == "PCM_U8":  # unsigned 8-bit PCM as a capture card hands it over: offset 128
        raw = (raw.astype(np.int32) // 256 + 128).astype(np.uint8)
    np.testing.assert_array_equal(from_array(raw, SR), load(path))


def test_an_int16_array_scores_as_its_float_samples(detector, speech):
    pcm = np.round(speech * 32767).astype(np.int16)
    as_int = detector.score(pcm, sr=SR)
    as_float = detector.score(pcm / np.float32(32768), sr=SR)
    assert as_int.window_scores == pytest.approx(as_float.window_scores, abs=1e-6)


@pytest.mark.parametrize(
    ("samples", "dtype"),
    [
        (np.ones(SR, dtype=bool), "bool"),
        (np.ones(SR, dtype=np.complex64), "complex64"),
        (np.array([0.1] * SR, dtype=object), "object"),
        (np.arange(SR), "int64"),  # a Python list of ints: no PCM full scale to divide by
    ],
)
def test_arrays_that_are_not_pcm_are_refused(detector, samples, dtype):
    with pytest.raises(errors.NotAudioError, match=f"samples of dtype {dtype} are not audio"):
        detector.score(samples, sr=SR)


def test_a_loaded_waveform_scores_as_its_file_does(detector, speech, tmp_path):
    path = tmp_path / "tel.wav"
    sf.write(path, speech[::2], 8000, subtype="PCM_16")  # an 8 kHz telephone recording
    from_file = detector.score(path)
    resampled = detector.score(load(path, sr=SR))
    at_its_own_rate = detector.score(load(path, sr=None))
    assert resampled.window_scores == from_file.window_scores
    assert at_its_own_rate.window_scores == from_file.window_scores
    assert resampled.source == at_its_own_rate.source == str(path)


def test_a_tensor_that_requires_grad_scores_as_its_array(detector, speech):
    tensor = torch.from_numpy(speech.copy()).requires_grad_(True)
    assert detector.score(tensor, sr=SR).score == detector.score(speech, sr=SR).score


def test_arrays_and_files_share_the_maximum_duration(detector, tmp_path):
    eleven_minutes = np.zeros(8000 * 660, dtype=np.int16)
    path = tmp_path / "voicemail.wav"
    sf.write(path, eleven_minutes, 8000, subtype="PCM_16")
    with pytest.raises(errors.AudioTooLongError) as from_file:
        load(path)
    with pytest.raises(errors.AudioTooLongError) as from_memory:
        detector.score(eleven_minutes, sr=8000)
    assert (
        from_memory.value.why == from_file.value.why == ("660.0 s is longer than the maximum 600 s")
    )
