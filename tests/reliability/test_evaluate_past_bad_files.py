"""``evaluate`` scores every readable file, lists the others, and counts skipped protocol lines.

It used to stop at the first bad audio file and write nothing, and to drop malformed protocol
lines without a word (31 of 32 files scored, exit 0).
"""

from __future__ import annotations

import json
import shutil

import pytest

from spoofscope.cli.app import main
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe
from tests.unit.training.tiny_corpus import build_la

PROTOCOL = "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.eval.trl.txt"


@pytest.fixture(scope="module")
def run_and_root(tmp_path_factory):
    root = build_la(tmp_path_factory.mktemp("la"), seconds=0.25)
    run = tmp_path_factory.mktemp("run") / "run"
    Trainer(recipe(root, "train.epochs=1"), run, progress=False).fit()
    return run, root


def _damaged_copy(root, tmp_path):
    copy = tmp_path / "la"
    shutil.copytree(root, copy)
    flacs = sorted((copy / "LA" / "ASVspoof2019_LA_eval" / "flac").glob("*.flac"))
    flacs[0].write_text("not audio at all\n")  # a text file under a .flac name
    flacs[1].write_bytes(flacs[1].read_bytes()[:60])  # cut inside its header
    with (copy / PROTOCOL).open("a") as fh:
        fh.write("LA_0079 LA_E_9999999 -\n")  # a line with too few fields
    return copy, {flacs[0].stem, flacs[1].stem}


def test_bad_files_are_listed_the_rest_scored_and_the_exit_is_1(run_and_root, tmp_path, capsys):
    run, root = run_and_root
    copy, bad = _damaged_copy(root, tmp_path)
    out = tmp_path / "eval"
    rc = main(["evaluate", "--model", str(run), "--corpus", "asvspoof2019-la",
               "--root", str(copy), "--split", "eval", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 1
    assert "2 file(s) could not be scored" in err and "1 protocol line(s) left out" in err
    failures = (out / "failures.tsv").read_text().splitlines()
    assert failures[0] == "utt_id\tpath\treason"
    assert {row.split("\t")[0] for row in failures[1:]} == bad
    assert all(row.split("\t")[2] for row in failures[1:])  # each with its reason
    scored = read_scores(out / "scores.tsv")
    assert len(scored.utt_id) == 16 - 2 and not bad & set(scored.utt_id)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["failed_files"] == 2 and metrics["skipped_lines"] == 1
    assert metrics["n_files"] == 14 and (out / "report.html").is_file()


def test_a_clean_split_reports_nothing_left_out(run_and_root, tmp_path, capsys):
    run, root = run_and_root
    out = tmp_path / "eval"
    rc = main(["evaluate", "--model", str(run), "--corpus", "asvspoof2019-la",
               "--root", str(root), "--split", "eval", "--out", str(out)])  # fmt: skip
    assert rc == 0 and "warning" not in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["failed_files"] == 0 and metrics["skipped_lines"] == 0
    assert (out / "failures.tsv").read_text() == "utt_id\tpath\treason\n"
