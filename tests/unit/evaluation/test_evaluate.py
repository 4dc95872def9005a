"""`evaluate`: scores, metrics.json, plots and report.html from a trained run on an eval-only tree."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from spoofscope.errors import CheckpointError, ConfigError, UnknownNameError
from spoofscope.evaluation.evaluate import EvalOptions, evaluate, threshold_sweep
from spoofscope.evaluation.metrics import compute_eer
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.inference.resolve import load_model as resolve_model
from spoofscope.models.base import read_card
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe
from tests.unit.training.tiny_corpus import build_la


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny-spectral run (3 epochs) on a full tree, and a separate eval-only tree."""
    base = tmp_path_factory.mktemp("eval")
    full = build_la(base / "full", seconds=0.25)
    Trainer(recipe(full, "train.epochs=3"), base / "run", progress=False).fit()
    eval_only = build_la(base / "eval_only", seconds=0.25, splits=("eval",), seed=5)
    return base / "run", eval_only


def test_eval_only_tree_gives_scores_metrics_plots_and_report(trained, tmp_path):
    run, eval_root = trained
    out = tmp_path / "out"
    metrics = evaluate(run, "asvspoof2019-la", eval_root, "eval", out, EvalOptions(crop="first"))
    scores = read_scores(out / "scores.tsv")
    assert len(scores) == 16 and metrics["n_files"] == 16
    bona = scores.score[np.asarray(scores.key) == "bonafide"]
    spoof = scores.score[np.asarray(scores.key) == "spoof"]
    assert metrics["eer"] == pytest.approx(compute_eer(bona, spoof).eer)
    assert metrics["eer_percent"] == pytest.approx(100 * metrics["eer"])
    assert set(metrics["per_attack"]) == {"A01", "A02"}
    per_speaker = metrics["per_speaker"]
    assert set(per_speaker) == set(scores.speaker)
    assert sum(v["n_bonafide"] for v in per_speaker.values()) == 8
    rejected = sum(v["bonafide_rejected"] * v["n_bonafide"] for v in per_speaker.values())
    assert rejected == pytest.approx(np.sum(bona < metrics["threshold"]))
    for unit in ("trial", "speaker"):  # the tiny tree has several speakers
        ci = metrics["eer_ci"][unit]
        assert ci["unit"] == unit and ci["estimate"] == pytest.approx(metrics["eer"])
        assert 0.0 <= ci["low"] <= ci["high"] <= 1.0
    assert metrics["min_tdcf"] is not None and metrics["min_tdcf"] >= 0  # ASV scores are shipped
    card = read_card(run / "best")
    assert metrics["threshold_source"] == "dev"
    assert metrics["report_threshold"] == pytest.approx(card.threshold)
    report = metrics["classification_report"]
    assert report["bonafide"]["support"] == 8 and report["spoof"]["support"] == 8
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk["eer"] == pytest.approx(metrics["eer"])
    for name in ("det.png", "roc.png", "attacks.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    page = (out / "report.html").read_text()
    assert len(re.findall(r"src=\"data:image/png;base64,", page)) == 4  # + training curves
    assert "EER 95% interval, speakers" in page
    assert "A01" in page and "Classification report at the dev-calibrated threshold" in page
    assert "Errors per speaker at the EER threshold" in page and scores.speaker[0] in page
    assert "tiny-spectral" in page
    # the tiny tree's files are all 0.25 s long: one band, every trial in it
    (band,) = metrics["per_duration"]
    assert band["band"] == "0-1 s" and (band["n_bonafide"], band["n_spoof"]) == (8, 8)
    assert band["eer"] == pytest.approx(metrics["eer"])
    assert "Errors by recording length at the EER threshold" in page
    # nor do they hold a second of speech; the tree names no bona fide source
    (short,) = metrics["short_speech"]
    assert short["band"] == "0-1 s" and short["n_bonafide"] + short["n_spoof"] == 16
    assert "per_source" not in metrics and "Below and above 1 s of speech" in page


def test_max_files_scores_a_stratified_subset(trained, tmp_path):
    run, eval_root = trained
    metrics = evaluate(run / "best", "asvspoof2019-la", eval_root, "eval", tmp_path,
                       EvalOptions(max_files=6))  # fmt: skip
    assert metrics["n_bonafide"] == 3 and metrics["n_spoof"] == 3


def test_full_utterance_scoring_matches_first_crop_for_short_files(trained, tmp_path):
    run, eval_root = trained
    first = evaluate(run, "asvspoof2019-la", eval_root, "eval", tmp_path / "a",
                     EvalOptions(crop="first", crop_samples=4000))  # fmt: skip
    full = evaluate(run, "asvspoof2019-la", eval_root, "eval", tmp_path / "b",
                    EvalOptions(crop="full"))  # fmt: skip
    # 0.25 s files are exactly the 4000-sample crop, so both scorings see the same samples.
    a = read_scores(tmp_path / "a/scores.tsv").score
    b = read_scores(tmp_path / "b/scores.tsv").score
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert first["eer"] == pytest.approx(full["eer"])


def test_windows_scoring_is_what_the_detector_gives_with_the_card_channel(trained, tmp_path):
    import shutil

    from spoofscope.inference.detector import Detector

    run, _ = trained
    ckpt = tmp_path / "ckpt"
    shutil.copytree(run / "best", ckpt)
    card = json.loads((ckpt / "card.json").read_text())
    crop = card["input"]["crop_samples"]
    card["input"]["channel"] = "telephone"  # a LocalSpoof model's input contract
    (ckpt / "card.json").write_text(json.dumps(card))
    # 0.6 s files are several windows of the tiny model's crop, the last aligned to the end
    root = build_la(tmp_path / "long", seconds=0.6, splits=("eval",), seed=7)
    assert int(0.6 * 16000) > 2 * crop
    metrics = evaluate(ckpt, "asvspoof2019-la", root, "eval", tmp_path / "w",
                       EvalOptions(crop="windows"))  # fmt: skip
    assert metrics["data"]["crop"] == "windows"
    assert metrics["data"]["input_channel"] == "telephone"
    scores = read_scores(tmp_path / "w/scores.tsv")
    detector = Detector.load(ckpt)
    flacs = {p.stem: p for p in root.rglob("*.flac")}
    direct = np.array([detector.score(flacs[u]).score for u in scores.utt_id])
    np.testing.assert_allclose(scores.score, direct, rtol=1e-5, atol=1e-5)
    # the card's channel reached the model: without it the same windows score differently
    card["input"]["channel"] = None
    (ckpt / "card.json").write_text(json.dumps(card))
    evaluate(ckpt, "asvspoof2019-la", root, "eval", tmp_path / "n", EvalOptions(crop="windows"))
    assert not np.allclose(read_scores(tmp_path / "n/scores.tsv").score, scores.score, atol=1e-4)
    with pytest.raises(ConfigError, match="windows"):
        evaluate(ckpt, "asvspoof2019-la", root, "eval", tmp_path / "x", EvalOptions(crop="all"))


def test_resolve_model_finds_run_dirs_and_rejects_other_paths(trained, tmp_path):
    run, _ = trained
    model, card = resolve_model(run)
    assert card.architecture == "tiny-spectral" and not model.training
    with pytest.raises(CheckpointError, match="neither a checkpoint"):
        resolve_model(tmp_path)


def test_threshold_sweep_counts_accepts_per_class():
    rows = threshold_sweep(np.array([0.15, 0.55, 0.85, 0.95]),
                           ["spoof", "spoof", "bonafide", "bonafide"])  # fmt: skip
    by_t = {r["threshold"]: r for r in rows}
    assert [r["threshold"] for r in rows] == pytest.approx([0.1 * i for i in range(1, 10)])
    assert by_t[0.1]["accuracy"] == 0.5 and by_t[0.1]["spoof_recall"] == 0.0
    assert by_t[0.6]["accuracy"] == 1.0
    assert by_t[0.9]["bonafide_recall"] == 0.5


def test_channel_condition_codes_every_file_before_scoring(trained, tmp_path):
    run, eval_root = trained
    clean = evaluate(run, "asvspoof2019-la", eval_root, "eval", tmp_path / "clean", EvalOptions())
    coded = evaluate(run, "asvspoof2019-la", eval_root, "eval", tmp_path / "gsm",
                     EvalOptions(channel="gsm"))  # fmt: skip
    assert coded["data"]["channel"] == "gsm" and clean["data"]["channel"] == "clean"
    a = read_scores(tmp_path / "clean" / "scores.tsv").score
    b = read_scores(tmp_path / "gsm" / "scores.tsv").score
    assert a.shape == b.shape and not np.allclose(a, b)  # the codec changed what the model saw
    with pytest.raises(UnknownNameError, match="codec"):
        evaluate(run, "asvspoof2019-la", eval_root, "eval", tmp_path / "x",
                 EvalOptions(channel="g729"))  # fmt: skip


def test_accuracy_benchmark_tabulates_models_by_channel(trained, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "benchmarks" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    run, eval_root = trained
    argv = ["--models", str(run), "--channels", "clean,alaw", "--corpus", "asvspoof2019-la",
            "--root", str(eval_root), "--out", str(tmp_path), "--crop", "first"]  # fmt: skip
    bench.main(argv)
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith(f"| {run}")]
    assert [r.split(" | ")[1] for r in rows] == ["clean", "alaw"]
    clean = json.loads(
        (tmp_path / str(run).replace("/", "_") / "clean" / "metrics.json").read_text()
    )
    assert f"| {clean['eer_percent']:.2f} |" in rows[0]
    assert (tmp_path / "table.md").read_text().count("\n") == 4


def test_cli_evaluates_the_shipped_default_model_on_an_eval_only_tree(trained, tmp_path):
    from tests.integration.cli_runner import run_cli

    _, eval_root = trained
    out = tmp_path / "out"
    res = run_cli("evaluate", "--model", "default", "--corpus", "asvspoof2019-la",
                  "--root", str(eval_root), "--split", "eval", "--out", str(out))  # fmt: skip
    assert res.code == 0, res.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= metrics["eer"] <= 1.0 and metrics["eer_percent"] == pytest.approx(
        100 * metrics["eer"]
    )
    assert metrics["n_files"] == 16 and set(metrics["per_attack"]) == {"A01", "A02"}
