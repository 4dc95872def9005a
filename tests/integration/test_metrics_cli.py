"""`spoofscope metrics` and `spoofscope info` as a user runs them."""

from __future__ import annotations

import json

import pytest

from tests.integration.cli_runner import run_cli


def test_metrics_json_on_reference_files(reference_dir):
    ref = json.loads((reference_dir / "metrics" / "reference.json").read_text())["sets"]["cm_main"]
    res = run_cli(
        "metrics",
        str(reference_dir / "metrics" / "cm_scores.txt"),
        "--asv-scores",
        str(reference_dir / "metrics" / "asv_scores.txt"),
        "--json",
    )
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["eer"] == pytest.approx(ref["eer"]["fraction"], abs=1e-12)
    assert data["eer_percent"] == pytest.approx(ref["eer"]["percent"], abs=1e-10)
    assert data["threshold"] == ref["eer"]["threshold"]
    assert data["min_tdcf"] == pytest.approx(ref["min_tdcf_2019"]["value"], abs=1e-12)
    assert data["per_attack"]["A05"] == pytest.approx(ref["per_attack_eer"]["A05"]["fraction"])


def test_metrics_text_report_has_every_section(reference_dir):
    res = run_cli("metrics", str(reference_dir / "metrics" / "cm_scores.txt"), "--threshold", "0")
    assert res.code == 0, res.err
    for needle in ("EER", "19.9000 %", "per-attack EER", "A06", "precision", "weighted avg"):
        assert needle in res.out
    assert "threshold 0" in res.out


@pytest.mark.parametrize(
    ("content", "why"),
    [("LA_1 - bonafide 1.0\nLA_2 A01 spoof x\n", "is not a number"), ("", "empty score file")],
)
def test_bad_score_files_print_one_error_line_and_exit_2(tmp_path, content, why):
    path = tmp_path / "scores.txt"
    path.write_text(content)
    res = run_cli("metrics", str(path))
    assert res.code == 2
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and why in lines[0]


def test_missing_score_file_exits_2(tmp_path):
    res = run_cli("metrics", str(tmp_path / "nope.txt"))
    assert res.code == 2
    assert res.err.strip() == f"error: {tmp_path / 'nope.txt'}: no such file"


def test_info_json_has_the_contract_keys():
    res = run_cli("info", "--json")
    assert res.code == 0
    data = json.loads(res.out)
    assert {"version", "frontends", "models", "corpora"} <= set(data)
    assert isinstance(data["frontends"], list) and isinstance(data["corpora"], list)
    for card in data["models"].values():
        assert card["params"] is None or card["params"] > 0
    shipped = {
        "default",
        "aasist-19la",
        "aasist-l-19la",
        "lcnn-localspoof-benchmark",
        "lcnn-localspoof-v2",
    }
    assert set(data["pretrained"]) == shipped
    from spoofscope.inference.resolve import checkpoint_dir

    for name in shipped:  # every listed name resolves to a checkpoint in the package
        assert (checkpoint_dir(name) / "model.safetensors").is_file()


def _score_file(path, scores, speakers=("S1", "S2", "S3")):
    lines = [
        f"U{i:04d}\t{speakers[i % len(speakers)]}\t{'-' if i % 2 else 'A01'}\t"
        f"{'bonafide' if i % 2 else 'spoof'}\t{s:.6f}"
        for i, s in enumerate(scores)
    ]
    path.write_text("utt_id\tspeaker\tattack\tkey\tscore\n" + "\n".join(lines) + "\n")
    return path


def test_compare_says_which_system_errs_less(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    labels = np.arange(600) % 2  # 1 = bona fide
    good = 3.0 * labels + rng.standard_normal(600)
    bad = good + 2.0 * rng.standard_normal(600)
    a, b = _score_file(tmp_path / "a.tsv", good), _score_file(tmp_path / "b.tsv", bad)
    res = run_cli("compare", str(a), str(b), "--json", "--resamples", "200")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["eer_a"] < data["eer_b"] and data["difference"]["high"] < 0
    assert data["p_value"] < 0.05 and data["difference"]["unit"] == "trial"
    text = run_cli("compare", str(b), str(a), "--by", "speaker", "--resamples", "200")
    assert text.code == 0, text.err
    assert "A - B +" in text.out and "by speaker" in text.out


def test_compare_refuses_files_that_score_different_trials(tmp_path):
    a = _score_file(tmp_path / "a.tsv", [0.1 * i for i in range(20)])
    b = _score_file(tmp_path / "b.tsv", [0.1 * i for i in range(19)])
    res = run_cli("compare", str(a), str(b))
    assert res.code == 2
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and "19 trials" in lines[0] and "19 shared" in lines[0]
