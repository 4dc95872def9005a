"""The Detector API and the `detect` command, on the shipped AASIST-L weights and a small model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope import Detector
from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models import MODELS
from tests.integration.cli_runner import run_cli


@pytest.fixture(scope="module")
def aasist_l() -> Detector:
    return Detector.load("aasist-l-19la")


def test_shipped_aasist_l_scores_equal_the_official_logits(aasist_l, reference_dir):
    """A 64600-sample input is one window, so the score is the official logit difference."""
    inputs = np.load(reference_dir / "aasist" / "inputs.npy")
    logits = json.loads((reference_dir / "aasist" / "outputs.json").read_text())["models"][
        "AASIST-L"
    ]["output_logits_batch6"]
    for row in (0, 3, 5):
        got = aasist_l.score(inputs[row], sr=16000)
        assert got.window_scores == pytest.approx([logits[row][1] - logits[row][0]], abs=1e-4)
        assert got.duration == pytest.approx(64600 / 16000)


def test_files_are_loaded_resampled_and_windowed(aasist_l, reference_dir, tmp_path):
    wave = np.load(reference_dir / "aasist" / "inputs.npy")[3]
    path = tmp_path / "call.wav"
    sf.write(path, np.concatenate([wave, wave])[::2], 8000)  # 8 kHz telephone file, 8 s
    det = aasist_l.score(path)
    assert det.source == str(path) and len(det.window_scores) == 2  # 0-4, 4-8 s
    assert det.score == pytest.approx(np.mean(det.window_scores))
    assert det.verdict in {"bonafide", "spoof", "uncertain"}
    assert 0.0 <= det.p_spoof <= 1.0


def test_arrays_need_their_sample_rate(aasist_l):
    with pytest.raises(ConfigError, match="sample rate"):
        aasist_l.score(np.zeros(16000, dtype=np.float32))


def _detector(threshold: float, calibration: dict | None, band: float = 0.1) -> Detector:
    model = MODELS.get("lcnn")()
    card = model.card()
    card.update(threshold=threshold, calibration=calibration)
    return Detector(model, card, uncertain_band=band)


def test_calibration_maps_scores_to_p_spoof_and_verdicts():
    det = _detector(threshold=0.5, calibration={"a": 2.0, "b": -1.0})
    assert det.calibrated
    assert det.p_spoof(0.5) == pytest.approx(0.5)
    assert det.p_spoof(3.0) < 0.01 and det.p_spoof(-3.0) > 0.99
    assert det.verdict(3.0) == "bonafide" and det.verdict(-3.0) == "spoof"
    assert det.verdict(0.55) == "uncertain"  # p_spoof 0.475: inside the 0.1 band
    assert _detector(0.5, {"a": 2.0, "b": -1.0}, band=0.0).verdict(0.55) == "bonafide"


def test_without_calibration_p_spoof_is_centred_on_the_threshold():
    det = _detector(threshold=-1.0, calibration=None)
    assert not det.calibrated and det.p_spoof(-1.0) == pytest.approx(0.5)


def test_band_must_leave_room_for_a_verdict():
    with pytest.raises(ConfigError, match="uncertain_band"):
        _detector(0.0, None, band=0.5)


def test_unknown_model_spec_names_the_choices():
    with pytest.raises(CheckpointError, match="aasist-19la"):
        Detector.load("no-such-model")


def test_detect_cli_goes_on_past_a_bad_file(reference_dir, tmp_path):
    good = tmp_path / "hello.wav"
    sf.write(good, np.load(reference_dir / "aasist" / "inputs.npy")[5], 16000)
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    res = run_cli("detect", "--model", "aasist-l-19la", str(good), str(bad))
    assert res.code == 1
    assert res.out.splitlines()[0].split()[0] in {"bonafide", "spoof", "uncertain"}
    assert "1 scored, 1 failed" in res.out
    assert res.err.strip().startswith("error: ") and "notes.wav" in res.err

    res = run_cli("detect", "--model", "aasist-l-19la", "--json", str(good))
    data = json.loads(res.out)
    assert res.code == 0 and data["results"][0]["source"] == str(good) and data["failed"] == []


def test_detect_cli_unknown_model_is_one_error_line(tmp_path):
    res = run_cli("detect", "--model", "nope", str(tmp_path / "x.wav"))
    assert res.code == 2 and res.err.count("\n") == 1 and res.err.startswith("error: nope:")


def test_a_card_channel_is_applied_before_scoring(reference_dir):
    """A wideband input and its telephone-band version score the same when the card says the
    model expects the telephone channel."""
    from spoofscope.audio.channel import apply_codec

    torch.manual_seed(0)  # random weights: an unseeded draw made the comparison flaky
    model = MODELS.get("lcnn")()
    card = model.card()
    card["input"]["channel"] = "telephone"
    det = Detector(model, card)
    wave = np.load(reference_dir / "aasist" / "inputs.npy")[0]
    narrow = apply_codec(wave, 16000, "telephone")
    banded = det.score(wave, sr=16000).score
    card["input"]["channel"] = None
    plain = Detector(model, card)
    # an untrained model's scores move little: compare the two gaps rather than a fixed size
    same = abs(banded - det.score(narrow, sr=16000).score)
    other = abs(banded - plain.score(wave, sr=16000).score)
    assert same < other / 2


def test_the_shipped_default_model_loads_and_scores():
    det = Detector.load("default")
    assert det.card.architecture == "score-fusion" and det.channel == "telephone"
    members = det.card.provenance["members"]
    assert det.calibrated and len(members) == len(det.card.config["members"]) == 2
    assert all(m["recipe"].startswith("configs/default/") and m["reproduce"] for m in members)
    result = det.score(np.zeros(4000, dtype=np.float32) + 0.01, sr=8000)
    # a constant is no speech: the verdict says so, and the score is still given
    assert result.verdict == "no-speech" and 0 <= result.p_spoof <= 1


# --- the block path: the same windows, and the same channel, as the whole recording -------------


@pytest.mark.parametrize("hop", [2000, 4000, 1300])
@pytest.mark.parametrize("block", [1, 999, 4000, 13_000])
@pytest.mark.parametrize("length", [1, 3999, 4000, 4001, 6000, 10_000, 22_345])
def test_streamed_windows_are_the_windows_of_the_whole_recording(block, length, hop):
    from spoofscope.inference.detector import stream_windows
    from spoofscope.inference.windows import repeat_pad, window_starts, windows

    wave = np.random.default_rng(length).standard_normal(length).astype(np.float32)
    blocks = (wave[s : s + block] for s in range(0, length, block))
    starts, streamed = zip(*stream_windows(blocks, 4000, hop), strict=True)
    assert list(starts) == window_starts(length, 4000, hop)
    padded = np.stack([repeat_pad(w, 4000) for w in streamed])
    np.testing.assert_array_equal(padded, windows(wave, 4000, hop))


@pytest.mark.parametrize("seconds", [2.0, 9.5])  # one piece and its margin; several pieces
def test_the_channel_in_pieces_is_the_channel_of_the_whole_recording(reference_dir, seconds):
    from spoofscope.audio.channel import apply_codec
    from spoofscope.inference.detector import _channel_in_pieces

    talk = np.resize(
        np.load(reference_dir / "aasist" / "inputs.npy").reshape(-1), int(seconds * 16000)
    )
    blocks = (talk[s : s + 5000] for s in range(0, talk.size, 5000))
    pieces = np.concatenate(list(_channel_in_pieces(blocks, 16000, "telephone", seconds=2)))
    whole = apply_codec(talk, 16000, "telephone")
    assert pieces.shape == whole.shape
    np.testing.assert_allclose(pieces, whole, atol=1e-6)
