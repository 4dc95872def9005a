"""A recording too short to judge gets the verdict ``too-short``, not a confident guess.

Before, 0.1 s of speech was repeat-padded to the model's crop and scored ``bonafide`` or ``spoof``
like a whole utterance, and a 1-sample 44.1 kHz file raised ZeroDivisionError (resampled to no
samples at all). Length only: whether the audio holds speech is a separate check.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope.inference.detector import TOO_SHORT_SECONDS, VERDICTS, Detector
from spoofscope.models import MODELS
from tests.integration.cli_runner import run_cli

SR = 16000


@pytest.fixture(scope="module")
def speech(reference_dir: Path) -> np.ndarray:
    """An ASVspoof 2019 LA utterance at 16 kHz (an official AASIST test input), from its first
    word on (its first 0.1 s is silence)."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[4][SR // 10 :]


@pytest.fixture(scope="module")
def detector() -> Detector:
    torch.manual_seed(0)
    model = MODELS.get("lcnn")()
    return Detector(model, model.card())


def test_a_tenth_of_a_second_is_too_short(detector, speech):
    result = detector.score(speech[: SR // 10], sr=SR)
    assert result.verdict == "too-short" and "too-short" in VERDICTS
    assert result.duration == pytest.approx(0.1)
    assert np.isfinite(result.score)  # still reported, for the record; not a verdict


@pytest.mark.parametrize(("sr", "subtype"), [(44100, "PCM_16"), (8000, "FLOAT"), (SR, "PCM_24")])
def test_a_one_sample_file_is_too_short_and_does_not_crash(detector, speech, tmp_path, sr, subtype):
    path = tmp_path / "click.wav"
    sf.write(path, speech[2000:2001], sr, subtype=subtype)
    result = detector.score(path)
    assert result.verdict == "too-short" and len(result.window_scores) == 1


def test_the_threshold_is_inclusive_of_a_full_length(detector, speech):
    at = int(TOO_SHORT_SECONDS * SR)
    assert detector.score(speech[: at - 1], sr=SR).verdict == "too-short"
    assert detector.score(speech[:at], sr=SR).verdict != "too-short"


def test_detect_prints_too_short_as_the_verdict(speech, tmp_path):
    path = tmp_path / "blip.wav"
    sf.write(path, speech[: SR // 20], SR, subtype="PCM_16")
    res = run_cli("detect", "--model", "aasist-l-19la", str(path))
    assert res.code == 0 and res.out.split()[0] == "too-short"
