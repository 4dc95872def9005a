"""``spoofscope score``: files and folders in, one row per file out, in input order.

One run over a folder of real calls with a corrupt file in it is shared by most tests; the
formats are rendered from its rows and read back with the project's own score-file reader.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from spoofscope.audio.files import find_audio
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.inference.detector import Detector
from spoofscope.inference.score_output import (
    OUTPUT_FORMATS,
    ScoredFile,
    journal_path,
    read_journal,
    write_output,
)
from tests.fixtures.scoring import tiny_checkpoint, write_calls
from tests.integration.cli_runner import run_cli

CALLS = 9


@pytest.fixture(scope="module")
def calls(tmp_path_factory, reference_dir) -> Path:
    folder = tmp_path_factory.mktemp("calls")
    write_calls(folder, reference_dir, CALLS)
    (folder / "LA_E_9999999.flac").write_text("not audio at all\n")  # text under a .flac name
    (folder / "notes.txt").write_text("call log\n")  # not audio by its name: not a file to score
    return folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return tiny_checkpoint(tmp_path_factory.mktemp("model") / "lcnn-tiny")


@pytest.fixture(scope="module")
def run(calls, checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "scores.jsonl"
    res = run_cli("score", str(calls), "--recursive", "--model", str(checkpoint),
                  "--out", str(out), "--workers", "2")  # fmt: skip
    return res, out, [json.loads(line) for line in out.read_text().splitlines()]


def test_a_corrupt_file_is_a_row_with_its_reason_and_exit_1(run, calls):
    res, out, rows = run
    assert res.code == 1
    assert res.out.startswith(f"{CALLS} scored, 1 failed")
    (bad,) = [r for r in rows if r["error"]]
    assert bad["path"] == str(calls / "LA_E_9999999.flac") and bad["score"] is None
    assert "not" in bad["error"] and "\n" not in bad["error"]
    assert not journal_path(out).exists(), "the journal goes once the output is complete"


def test_rows_come_in_input_order_with_the_detectors_scores(run, calls, checkpoint):
    _, _, rows = run
    expected = [str(f.path) for f in find_audio([calls], recursive=True)]
    assert [r["path"] for r in rows] == expected and len(rows) == CALLS + 1
    assert rows[-1]["utt_id"] == "LA_0031/LA_E_1000154", "ids keep the folder below PATHS"
    detector = Detector.load(checkpoint)
    for row in rows:
        if not row["error"]:
            assert row["score"] == detector.score(row["path"]).score
            assert row["verdict"] == detector.score(row["path"]).verdict


def test_find_audio_sorts_folders_and_keeps_named_files(calls):
    top = find_audio([calls])
    assert [f.name for f in top] == sorted(f.name for f in top) and len(top) == CALLS - 2 + 1
    named = find_audio([calls / "notes.txt", calls, calls / "LA_E_1000147.wav"])
    assert named[0].name == "notes.txt", "a file named explicitly is scored whatever its name"
    assert [f.name for f in named].count("LA_E_1000147.wav") == 1


def _rows(run) -> list[ScoredFile]:
    _, _, rows = run
    fields = {k for k in rows[0] if k not in ("utt_id", "path", "error")}
    return [
        ScoredFile(
            r["path"], r["utt_id"].split("/")[-1], None if r["error"] else {k: r[k] for k in fields},
            r["error"] or None,
        )
        for r in rows
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["asvspoof2021", "asvspoof5"])
def test_official_formats_read_back_with_every_score(run, tmp_path, fmt):
    rows = _rows(run)
    out = tmp_path / "scores.txt"
    written = write_output(out, OUTPUT_FORMATS.get(fmt), rows)
    scored = [r for r in rows if r.detection]
    back = read_scores(out)
    assert back.utt_id == [r.utt_id for r in scored]
    np.testing.assert_array_equal(back.score, [r.detection["score"] for r in scored])
    failures = written[1].read_text().splitlines()
    assert failures[0] == "utt_id\tpath\terror" and failures[1].startswith("LA_E_9999999\t")


def test_the_2019_format_has_the_four_columns_of_the_2019_scripts(run, tmp_path):
    rows = _rows(run)
    out = write_output(tmp_path / "cm.txt", OUTPUT_FORMATS.get("asvspoof2019"), rows)[0]
    lines = out.read_text().splitlines()
    assert lines[0] == f"LA_E_1000147 - - {rows[0].detection['score']!r}"
    assert len(lines) == CALLS and all(len(line.split()) == 4 for line in lines)


def test_tsv_and_csv_hold_the_same_cells(run, tmp_path):
    rows = _rows(run)
    spoofscope = OUTPUT_FORMATS.get("spoofscope")
    tsv = write_output(tmp_path / "s.tsv", spoofscope, rows)[0]
    csv_path = write_output(tmp_path / "s.csv", spoofscope, rows)[0]
    tsv_cells = [line.split("\t") for line in tsv.read_text().splitlines()]
    with open(csv_path, newline="") as fh:
        assert list(csv.reader(fh)) == tsv_cells
    header = tsv_cells[0]
    assert header[:3] == ["utt_id", "path", "score"] and header[-1] == "error"
    timeline = json.loads(tsv_cells[1][header.index("timeline")])
    assert timeline == rows[0].detection["timeline"], "lists are compact JSON in a cell"


def _cli(*args: str):
    return run_cli("score", *args)


def test_usage_errors_are_one_line_and_exit_2(calls, checkpoint, tmp_path):
    empty, other = tmp_path / "empty", tmp_path / "other"
    empty.mkdir()
    other.mkdir()
    (other / "LA_E_1000147.flac").write_bytes((calls / "LA_E_1000147.wav").read_bytes())
    cases = [
        ((str(empty), "--out", str(tmp_path / "a.tsv")), "no audio files"),
        ((str(calls), "--out", str(tmp_path / "a.txt")), ".tsv, .csv, .jsonl"),
        ((str(calls), "--out", str(tmp_path / "a.tsv"), "--format", "asvspoof2077"), "score format"),
        ((str(calls), str(other), "--format", "asvspoof5", "--out", str(tmp_path / "a.txt")),
         "share the id"),
        ((str(calls), "--model", str(tmp_path / "nothing"), "--out", str(tmp_path / "a.tsv")),
         "no such checkpoint"),
        ((str(calls), "--engine", "slurm", "--model", str(checkpoint), "--out",
          str(tmp_path / "b.tsv")), "unknown engine"),
    ]  # fmt: skip
    for args, message in cases:
        res = _cli(*args)
        assert res.code == 2 and message in res.err and len(res.err.splitlines()) == 1, args
    assert not (tmp_path / "b.tsv.partial").exists(), "a refused run leaves no journal"


def test_an_existing_output_needs_resume(calls, checkpoint, run):
    _, out, _ = run
    res = _cli(str(calls), "-r", "--model", str(checkpoint), "--out", str(out))
    assert res.code == 2 and "--resume" in res.err
    res = _cli(str(calls), "-r", "--model", str(checkpoint), "--out", str(out), "--resume")
    assert res.code == 2 and "finished run" in res.err


def test_a_journal_of_another_model_is_refused(calls, tmp_path, checkpoint):
    out = tmp_path / "scores.tsv"
    journal_path(out).write_text('{"spoofscope-score-journal":1,"model_digest":"0ff1ce",'
                                 '"format":"spoofscope","max_seconds":600.0}\n')  # fmt: skip
    res = _cli(str(calls), "--model", str(checkpoint), "--out", str(out), "--resume")
    assert res.code == 2 and "model_digest='0ff1ce'" in res.err


def test_a_torn_last_line_is_dropped_and_that_file_scored_again(run, calls, checkpoint, tmp_path):
    _, full, _ = run
    out = tmp_path / "scores.jsonl"
    rows = _rows(run)
    from spoofscope.inference.batch import model_digest
    from spoofscope.inference.score_output import Journal

    settings = {"model_digest": model_digest(checkpoint), "format": "spoofscope",
                "max_seconds": 600.0}  # fmt: skip
    full_rows = [json.loads(line) for line in full.read_text().splitlines()]
    with Journal(journal_path(out), settings) as log:
        for row, whole in zip(rows[:4], full_rows[:4], strict=True):
            log.append(ScoredFile(row.path, whole["utt_id"], row.detection, row.error))
    with open(journal_path(out), "a") as fh:
        fh.write(ScoredFile(rows[4].path, "LA_E_1000151", rows[4].detection).to_json()[:50])
    assert len(read_journal(journal_path(out), settings)) == 4
    res = _cli(str(calls), "-r", "--model", str(checkpoint), "--out", str(out), "--resume",
               "--workers", "1")  # fmt: skip
    assert res.code == 1 and "(4 from the interrupted run)" in res.out
    assert out.read_bytes() == full.read_bytes()


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_the_ray_engine_writes_what_the_local_engine_writes(run, calls, checkpoint, tmp_path):
    import ray

    _, full, _ = run
    out = tmp_path / "scores.jsonl"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        res = _cli(str(calls), "-r", "--model", str(checkpoint), "--out", str(out),
                   "--engine", "ray", "--workers", "2")  # fmt: skip
    finally:
        ray.shutdown()
    assert res.code == 1 and out.read_bytes() == full.read_bytes()
