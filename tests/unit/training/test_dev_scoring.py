"""A run's threshold is the Detector's: dev is scored as ``evaluate`` and the Detector score.

Training used to score dev on the first crop while the Detector averages windows, so the
threshold and calibration in a user's card sat on another scale than the Detector's scores.
"""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.evaluation.evaluate import EvalOptions, evaluate
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.inference.detector import Detector
from spoofscope.models.base import read_card
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe
from tests.unit.training.tiny_corpus import build_la


@pytest.fixture(scope="module")
def long_la(tmp_path_factory):
    """Recordings of 0.6 s against a 0.25 s crop: each is scored as four windows."""
    return build_la(tmp_path_factory.mktemp("la-long"), seconds=0.6)


@pytest.fixture(scope="module")
def run(long_la, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run"
    Trainer(recipe(long_la, "train.epochs=8", "optim.lr=0.003"), out, progress=False).fit()
    return out


def test_card_threshold_is_the_eer_threshold_of_evaluate_on_dev(run, long_la, tmp_path):
    card = read_card(run / "best")
    assert card.training["dev_eer"] <= 0.3  # a model that learned: its scores spread
    metrics = evaluate(
        run, "asvspoof2019-la", long_la, "dev", tmp_path / "dev", EvalOptions.for_model(run)
    )
    assert metrics["data"]["crop"] == "windows"
    assert card.threshold == pytest.approx(metrics["threshold"], abs=1e-5)
    assert card.training["dev_eer"] == pytest.approx(metrics["eer"], abs=1e-9)
    # the dev scores the run wrote are evaluate's scores, file by file
    written, scored = (
        read_scores(run / "dev_scores.tsv"),
        read_scores(tmp_path / "dev" / "scores.tsv"),
    )
    assert written.utt_id == scored.utt_id
    assert np.allclose(written.score, scored.score, atol=1e-5)


def test_detector_scores_a_dev_file_as_the_run_did(run, long_la):
    detector = Detector.load(run, uncertain_band=0.0)
    written = read_scores(run / "dev_scores.tsv")
    from spoofscope.corpora.splits import prepare

    paths = {u.utt_id: u.path for u in prepare("asvspoof2019-la", long_la)}
    for utt, score in list(zip(written.utt_id, written.score, strict=True))[:4]:
        result = detector.score(paths[utt])
        # 0.6 s in 0.25 s windows end to end, the last end-aligned: 0, 0.25 and 0.35 s
        assert len(result.window_scores) == 3
        assert result.score == pytest.approx(score, abs=1e-5)
