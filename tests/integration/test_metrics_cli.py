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
    shipped = {"default", "aasist-19la", "aasist-l-19la", "lcnn-localspoof-benchmark"}
    assert set(data["pretrained"]) == shipped
    from spoofscope.inference.resolve import checkpoint_dir

    for name in shipped:  # every listed name resolves to a checkpoint in the package
        assert (checkpoint_dir(name) / "model.safetensors").is_file()
