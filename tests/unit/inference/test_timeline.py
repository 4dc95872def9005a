"""The Detector's timeline, aggregates, voice-activity verdicts and context warnings."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope.errors import ConfigError, EmptyAudioError
from spoofscope.inference.detector import UNCALIBRATED, Detector
from spoofscope.inference.timeline import effective_band, input_warnings
from spoofscope.models import MODELS

SR = 16000
CROP = 16000  # one-second windows: a few seconds of talk give a readable timeline


class LevelProbe(torch.nn.Module):
    """Scores each window by its loudness in dB: a timeline whose shape the test can predict."""

    def score(self, wave: torch.Tensor) -> torch.Tensor:
        return 10 * torch.log10(wave.pow(2).mean(dim=-1) + 1e-10)


def _card(channel: str | None = None, calibrated: bool = True) -> dict:
    card = MODELS.get("lcnn")().card()
    card["input"].update(crop_samples=CROP, channel=channel)
    card["threshold"] = -30.0
    if calibrated:
        card["calibration"] = {"kind": "platt", "a": 1.0, "b": 30.0}
    return card


@pytest.fixture(scope="module")
def talk(reference_dir) -> np.ndarray:
    """ASVspoof 2019 LA speech, rows 3-5 of the AASIST reference inputs, end to end (12 s)."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[3:].reshape(-1).astype(np.float32)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(LevelProbe(), _card())


def test_the_timeline_has_one_segment_per_window_in_seconds(detector, talk):
    result = detector.score(talk[: int(3.5 * SR)], sr=SR)
    assert [(s.start_s, s.end_s) for s in result.timeline] == [(0, 1), (1, 2), (2, 3), (2.5, 3.5)]
    assert all(s.p_spoof == pytest.approx(detector.p_spoof(s.score)) for s in result.timeline)
    assert result.score == pytest.approx(np.mean(result.window_scores))
    assert result.aggregate == "mean"


def test_hop_and_window_are_the_users_to_choose(talk):
    det = Detector(LevelProbe(), _card(), window_s=2.0, hop_s=0.5)
    result = det.score(talk[: 4 * SR], sr=SR)
    assert [s.start_s for s in result.timeline] == [0, 0.5, 1.0, 1.5, 2.0]
    assert {s.end_s - s.start_s for s in result.timeline} == {2.0}
    # a 2-s window of a model with a 1-s crop is scored as a 2-s recording: its crops, averaged
    first = det.score_excerpts([talk[: 2 * SR]])[0]
    halves = det.score_excerpts([talk[:SR], talk[SR : 2 * SR]]).mean()
    assert first == pytest.approx(halves)


def test_non_speech_windows_are_marked_and_the_suspicious_span_is_speech(detector, talk):
    gap = np.zeros(3 * SR, np.float32)
    quiet = 0.02 * talk[: 2 * SR]  # speech, 34 dB down: the probe's most suspicious window
    result = detector.score(np.concatenate([talk[: 2 * SR], gap, quiet]), sr=SR)
    speech = [s.speech for s in result.timeline]
    # the window just after the talk may hold the detector's hangover; the next two are silence
    assert speech[:2] == [True, True] and speech[3:5] == [False, False] and speech[5:] == [True] * 2
    assert result.suspicious is not None and result.suspicious.speech
    assert result.suspicious.start_s >= 5.0  # not the silent windows, which score lower still
    assert result.speech_seconds is not None and 2.0 < result.speech_seconds < 5.0


@pytest.mark.parametrize(
    ("aggregate", "top_k", "expected"),
    [("min", 3, np.min), ("top-k", 2, lambda s: np.sort(s)[:2].mean())],
)
def test_aggregates_other_than_the_mean(talk, aggregate, top_k, expected):
    det = Detector(LevelProbe(), _card(), aggregate=aggregate, top_k=top_k)
    gains = np.resize(np.repeat(np.float32([1.0, 0.1, 0.5, 1.0]), 3 * SR), talk.size)
    result = det.score(talk * gains, sr=SR)
    assert result.score == pytest.approx(expected(np.array(result.window_scores)))
    assert result.aggregate == ("min" if aggregate == "min" else "top-2")


def test_a_bad_aggregate_is_a_config_error():
    with pytest.raises(ConfigError, match="aggregate"):
        Detector(LevelProbe(), _card(), aggregate="median")
    with pytest.raises(ConfigError, match="hop_s"):
        Detector(LevelProbe(), _card(), hop_s=0)


def _tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize(
    ("signal", "verdict"),
    [
        (np.zeros(2 * SR, np.float32), "no-speech"),
        (_tone(300, 2.0), "no-speech"),
        (_tone(300, 0.05), "too-short"),
    ],
    ids=["silence", "tone", "50ms-tone"],
)
def test_silence_and_tones_get_no_confident_verdict(detector, signal, verdict):
    result = detector.score(signal, sr=SR)
    assert result.verdict == verdict and np.isfinite(result.score)


def test_speech_gets_a_verdict(detector, talk):
    assert detector.score(talk, sr=SR).verdict in {"bonafide", "spoof", "uncertain"}


def test_without_the_check_silence_is_scored_as_before(talk):
    det = Detector(LevelProbe(), _card(), vad=False)
    result = det.score(np.zeros(2 * SR, np.float32), sr=SR)
    assert result.verdict == "spoof" and result.speech_seconds is None
    assert {s.speech for s in result.timeline} == {None}


def test_an_uncalibrated_model_says_so(talk):
    result = Detector(LevelProbe(), _card(calibrated=False)).score(talk, sr=SR)
    assert not result.calibrated and UNCALIBRATED in result.warnings


def test_an_8khz_call_into_a_wideband_model_is_warned_about(tmp_path, talk):
    path = tmp_path / "call.wav"
    sf.write(path, talk[::2], 8000)
    wide = Detector(LevelProbe(), _card()).score(path)
    assert any(w.startswith("low-rate:") and "8000 Hz" in w for w in wide.warnings)
    # the same call into a model trained behind the telephone band is its home ground
    narrow = Detector(LevelProbe(), _card(channel="telephone")).score(path)
    assert narrow.warnings == []


def test_band_limited_content_at_16khz_is_warned_about(talk):
    from spoofscope.audio.channel import apply_codec

    # The LA rows are Asterisk prompts, 8 kHz recordings resampled: band-limited already.
    assert effective_band(talk, SR) < 4000
    wide = (0.1 * np.random.default_rng(1).standard_normal(4 * SR)).astype(np.float32)
    banded = apply_codec(wide, SR, "telephone")
    assert effective_band(wide, SR) > 7000 and effective_band(banded, SR) < 4500
    assert input_warnings(wide, SR, SR, 8000.0) == []
    (warning,) = input_warnings(banded, SR, SR, 8000.0)
    assert warning.startswith("band-limited:")


def test_a_batch_scores_as_one_at_a_time_and_keeps_bad_items_in_place(detector, talk, tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    items = [talk[: 3 * SR], empty, talk[SR : 5 * SR]]
    out = detector.score_batch(items, sr=SR)
    assert isinstance(out[1], EmptyAudioError)
    for got, item in zip([out[0], out[2]], [items[0], items[2]], strict=True):
        alone = detector.score(item, sr=SR)
        assert got.window_scores == pytest.approx(alone.window_scores, abs=1e-5)
        assert got.verdict == alone.verdict


def test_the_onnx_backend_gives_the_torch_verdicts(talk):
    pytest.importorskip("onnxruntime")
    torch_det = Detector.load("default")
    onnx_det = Detector.load("default", backend="onnx")
    for clip in (talk[: 3 * SR], talk[4 * SR :]):
        a, b = torch_det.score(clip, sr=SR), onnx_det.score(clip, sr=SR)
        assert a.verdict == b.verdict
        # the default's phase front-end differs by up to 3e-4 between the two runtimes
        assert a.window_scores == pytest.approx(b.window_scores, rel=1e-3, abs=1e-4)
    with pytest.raises(ConfigError, match="backend"):
        Detector.load("default", backend="tensorrt")
