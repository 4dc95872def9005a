"""A tiny ablation end to end: trained on the local engine and on a local Ray instance, the
same seeds give the same table; a restarted study trains nothing; compact reuses the baseline."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from spoofscope.studies.plan import EngineChoice
from spoofscope.studies.study import Ablation, Statistics, run_ablation, run_compact

STATS = Statistics(resamples=200)


def _table(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open() as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def local_study(tiny_la_recipe: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    spec = Ablation(str(tiny_la_recipe), out, coefficients="1-2", mode="lofo", seeds=1)
    run_ablation(spec, EngineChoice("local", workers=1), STATS)
    return out


def test_every_run_is_a_normal_run_directory_scored_on_eval_and_dev(local_study):
    from spoofscope.models.base import load_checkpoint

    for name in ("all", "drop-01", "drop-02"):
        run = local_study / "runs" / name / "seed-7"
        assert (run / "summary.json").is_file() and (run / "config.yaml").is_file()
        assert load_checkpoint(run / "best").arch == "paper-cnn"
        for role in ("eval", "dev"):
            figures = json.loads((run / "study" / f"{role}.json").read_text())
            assert 0.0 <= figures["eer"] <= 1.0 and figures["threshold_source"] == "dev"
            assert (run / "study" / f"{role}.tsv").read_text().startswith("utt_id")
    kept = json.loads((local_study / "runs" / "drop-01" / "seed-7" / "best" / "card.json")
                      .read_text())["input"]["frontend"]["source_params"]["keep"]  # fmt: skip
    assert kept == [2]


def test_the_table_report_and_interventions(local_study):
    rows = {r["variant"]: r for r in _table(local_study)}
    assert set(rows) == {"all", "drop-01", "drop-02"}
    assert rows["all"]["baseline"] == "True" and rows["all"]["delta_eer"] == ""
    for name in ("drop-01", "drop-02"):
        row = rows[name]
        assert float(row["ci_low"]) <= float(row["delta_eer"]) <= float(row["ci_high"])
        assert "bootstrap" in row["test"]  # one seed: the bootstrap p-value is used, and named
        assert row["occlusion_delta_eer"] != "" and row["permutation_delta_eer"] != ""
    page = (local_study / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 2 and "http" not in page
    analysis = json.loads((local_study / "analysis.json").read_text())
    assert sorted(analysis["ranking"]) == [1, 2]
    assert analysis["correction"] == "holm"


def test_a_restarted_study_trains_nothing(local_study, tiny_la_recipe):
    said: list[str] = []
    spec = Ablation(str(tiny_la_recipe), local_study, coefficients="1-2", mode="lofo", seeds=1)
    before = _table(local_study)
    # no engine is started for finished runs: an engine name that does not exist proves it
    run_ablation(spec, EngineChoice("no-such-engine"), STATS, said.append)
    assert said[-1] == "3 variant(s) × seeds = 3 run(s): 3 done and reused, 0 to train or finish"
    assert _table(local_study) == before


def test_ray_gives_the_local_table(local_study, tiny_la_recipe, tmp_path):
    pytest.importorskip("ray")
    spec = Ablation(str(tiny_la_recipe), tmp_path, coefficients="1-2", mode="lofo", seeds=1)
    run_ablation(spec, EngineChoice("ray", workers=1), STATS)
    assert _table(tmp_path) == _table(local_study)


def test_compact_reuses_the_baseline_and_times_each_model(local_study):
    result = run_compact(local_study, [2, 1], EngineChoice("local", workers=1), STATS, rounds=5)
    points = {p["k"]: p for p in result.extra["points"]}
    assert points[2]["variant"] == "all"  # the ablation's baseline run, not retrained
    assert points[1]["kept"] == [json.loads((local_study / "analysis.json").read_text())
                                 ["ranking"][0]]  # fmt: skip
    assert all(p["median_ms"] > 0 and p["q1_ms"] <= p["median_ms"] <= p["q3_ms"]
               for p in points.values())  # fmt: skip
    assert points[1]["parameters"] == points[2]["parameters"]  # same CNN, smaller input
    assert "Compact models" in (local_study / "report.html").read_text()


def test_dev_is_scored_once_and_equals_the_detector_path(local_study):
    """The study's dev scores are the trainer's best-epoch dev pass, which scoring dev again
    the Detector's way reproduces; a dev_scores.tsv that is not the best checkpoint's is not used."""
    from spoofscope.evaluation.evaluate import EvalOptions, load_split, score_manifest
    from spoofscope.evaluation.scorefile import read_scores, write_scores
    from spoofscope.inference.resolve import load_model
    from spoofscope.studies.runs import trainer_dev_scores
    from spoofscope.training.config import load_config

    run = local_study / "runs" / "all" / "seed-7"
    cfg = load_config(run / "config.yaml")
    model, card = load_model(run)
    opts = EvalOptions.for_model(run, max_files=None)
    dev, _ = load_split(cfg.data.corpus, cfg.data.root, cfg.data.dev_split, cfg.data.max_dev_files)
    study_dev = read_scores(run / "study" / "dev.tsv")
    assert study_dev.score.tolist() == read_scores(run / "dev_scores.tsv").score.tolist()
    detector, _ = score_manifest(model, card, dev, opts)
    assert list(detector.utt_id) == list(study_dev.utt_id)
    assert max(abs(a - b) for a, b in zip(detector.score, study_dev.score, strict=True)) < 1e-5
    # an older best epoch's scores (another threshold) are refused, and dev is scored
    stale = run.parent / "stale"
    stale.mkdir()
    (stale / "dev_scores.tsv").write_text((run / "dev_scores.tsv").read_text())
    older = read_scores(stale / "dev_scores.tsv")
    older.score = older.score + 1.0  # the same ranking, another threshold
    write_scores(stale / "dev_scores.tsv", older)
    assert trainer_dev_scores(cfg, stale, card, opts, dev) is None
    assert trainer_dev_scores(cfg, run, card, opts, dev) is not None
    windows_first = EvalOptions(crop="first")
    assert trainer_dev_scores(cfg, run, card, windows_first, dev) is None
