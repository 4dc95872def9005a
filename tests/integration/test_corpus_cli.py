"""`spoofscope corpus check|stats` end to end on layout-faithful fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.corpora import DEFECTS, build_asvspoof2019, build_in_the_wild
from tests.integration.cli_runner import run_cli


@pytest.fixture(scope="module")
def la_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("la")
    build_asvspoof2019(root, "LA")
    return root


def test_stats_json_has_the_documented_keys(la_root: Path) -> None:
    result = run_cli(
        "corpus", "stats", "--corpus", "asvspoof2019-la", "--root", str(la_root), "--json"
    )
    assert result.code == 0, result.err
    splits = json.loads(result.out)["splits"]
    assert list(splits) == ["train", "dev", "eval"]
    assert splits["eval"] == {"bonafide": 2, "spoof": 3, "speakers": 2,
                              "attacks": {"A07": 1, "A16": 1, "A19": 1}}  # fmt: skip


def test_stats_split_and_durations_use_the_cache(
    la_root: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("SPOOFSCOPE_CACHE", str(tmp_path))
    args = ("corpus", "stats", "-c", "asvspoof2019-la", "-r", str(la_root), "--split", "dev",
            "--durations", "--json")  # fmt: skip
    result = run_cli(*args)
    assert result.code == 0, result.err
    dev = json.loads(result.out)["splits"]
    assert list(dev) == ["dev"]
    assert dev["dev"]["duration_total_s"] == pytest.approx(0.3 + 0.4 + 0.5 + 0.6 + 0.7)
    assert len(json.loads((tmp_path / "durations.json").read_text())) == 5


def test_stats_table_output(la_root: Path) -> None:
    result = run_cli("corpus", "stats", "--corpus", "asvspoof2019-la", "--root", str(la_root))
    assert result.code == 0 and "A07:1" in result.out and "eval" in result.out


def test_check_reports_defects_with_lines_and_strict_fails(tmp_path: Path) -> None:
    expected = build_in_the_wild(tmp_path, defects=DEFECTS)
    args = ("corpus", "check", "--corpus", "in-the-wild", "--root", str(tmp_path))
    report = run_cli(*args, "--json")
    assert report.code == 0
    findings = {f["kind"]: f for f in json.loads(report.out)["findings"]}
    file, line = expected.defects["malformed"]
    assert findings["malformed_line"]["where"][0].startswith(f"{file}:{line}")
    file, line = expected.defects["unknown_label"]
    assert findings["unknown_label"]["where"][0].startswith(f"{file}:{line}")
    assert findings["duplicate_id"]["ids"] == ["0"]
    assert findings["missing_audio"]["ids"] == ["1"]
    assert findings["count_mismatch"]["count"] > 0
    strict = run_cli(*args, "--strict")
    assert strict.code == 1 and "malformed_line" in strict.out


def test_check_of_clean_tree_passes_strict_without_counts(la_root: Path) -> None:
    result = run_cli("corpus", "check", "-c", "asvspoof2019-la", "-r", str(la_root),
                     "--strict", "--skip-counts")  # fmt: skip
    assert result.code == 0 and "no findings" in result.out


def test_unknown_corpus_and_missing_root_are_one_line_errors(tmp_path: Path) -> None:
    result = run_cli("corpus", "check", "--corpus", "asvspoof2099", "--root", str(tmp_path))
    assert result.code == 2 and "unknown corpus" in result.err and "asvspoof2019-la" in result.err
    result = run_cli("corpus", "stats", "--corpus", "wavefake", "--root", str(tmp_path / "no"))
    assert result.code == 2 and result.err.startswith("error:") and "does not exist" in result.err
