"""The cosine Siamese (seeds/002) scores by its cosine, and evaluation sweeps thresholds on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spoofscope.evaluation.evaluate import EvalOptions, evaluate, threshold_sweep
from spoofscope.models.base import read_card
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe
from tests.unit.training.test_enrolment import SIAMESE


@pytest.fixture(scope="module")
def cosine_run(tiny_la, tmp_path_factory):
    run = tmp_path_factory.mktemp("cosine") / "run"
    Trainer(
        recipe(tiny_la, "train.epochs=1", *SIAMESE["siamese-cosine"]), run, progress=False
    ).fit()
    return run


def test_cosine_scores_are_similarities_and_evaluate_writes_the_sweep(
    cosine_run, tiny_la, tmp_path
):
    assert read_card(cosine_run / "best").score_kind == "similarity"
    metrics = evaluate(
        cosine_run, "asvspoof2019-la", tiny_la, "eval", tmp_path / "eval", EvalOptions()
    )
    written = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    sweep = written["threshold_sweep"]
    assert [r["threshold"] for r in sweep] == pytest.approx([0.1 * i for i in range(1, 10)])
    assert {"accuracy", "precision", "recall", "f1"} <= set(sweep[0])
    assert metrics["threshold_sweep"] == sweep
    scores = np.array(
        [
            float(line.split("\t")[-1])
            for line in (tmp_path / "eval" / "scores.tsv").read_text().splitlines()[1:]
        ]
    )
    assert scores.min() >= -1.0 - 1e-6 and scores.max() <= 1.0 + 1e-6  # raw cosines
    assert "Threshold sweep on similarity scores" in (tmp_path / "eval" / "report.html").read_text()


def test_logit_models_get_no_sweep(tiny_la, tmp_path):
    run = tmp_path / "run"
    Trainer(recipe(tiny_la, "train.epochs=1"), run, progress=False).fit()
    assert read_card(run / "best").score_kind == "logit-gap"
    metrics = evaluate(run, "asvspoof2019-la", tiny_la, "eval", tmp_path / "eval", EvalOptions())
    assert "threshold_sweep" not in metrics


def test_sweep_precision_recall_and_f1_of_bona_fide():
    rows = threshold_sweep(
        np.array([0.15, 0.55, 0.85, 0.95]), ["spoof", "bonafide", "bonafide", "spoof"]
    )
    at = {round(r["threshold"], 1): r for r in rows}
    # at 0.5: three accepted (one spoof), two of two bona fide found
    assert at[0.5]["precision"] == pytest.approx(2 / 3) and at[0.5]["recall"] == 1.0
    assert at[0.5]["f1"] == pytest.approx(0.8)
    # at 0.9 only the spoof at 0.95 is accepted: precision 0, recall 0, F1 undefined
    assert at[0.9]["precision"] == 0.0 and at[0.9]["recall"] == 0.0 and at[0.9]["f1"] is None
