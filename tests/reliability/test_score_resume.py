"""A ``spoofscope score`` run killed with SIGKILL mid-way and resumed writes the file an
uninterrupted run writes: no file lost, none scored twice, rows in input order.

The run is a real process killed while it works, not a simulated crash: its journal is read
for whole lines while it runs, and the kill lands once some rows are there and others not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spoofscope.inference.score_output import journal_path
from tests.fixtures.scoring import tiny_checkpoint, write_calls

CALLS = 40
KILL_AFTER = 5  # rows in the journal


def _score(*args: str, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "spoofscope.cli.app", "score", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _rows(journal: Path) -> int:
    return journal.read_bytes().count(b"\n") - 1 if journal.exists() else 0


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, reference_dir):
    folder = tmp_path_factory.mktemp("calls")
    write_calls(folder, reference_dir, CALLS, seconds=2.0)
    (folder / "LA_E_0000001.wav").write_bytes(b"RIFF\x00\x00")  # a header cut short
    return folder, tiny_checkpoint(tmp_path_factory.mktemp("model") / "lcnn-tiny")


def test_a_killed_run_resumed_writes_what_an_uninterrupted_run_writes(inputs, tmp_path):
    folder, model = inputs
    args = (str(folder), "--recursive", "--model", str(model), "--workers", "1")
    whole = tmp_path / "whole.tsv"
    done = _score(*args, "--out", str(whole))
    killed_out = tmp_path / "killed.tsv"
    # a session of its own, so the kill can reach the workers it leaves behind too
    victim = _score(*args, "--out", str(killed_out), start_new_session=True)
    journal = journal_path(killed_out)
    deadline = time.monotonic() + 240
    while _rows(journal) < KILL_AFTER and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    with contextlib.suppress(ProcessLookupError):  # its spawned worker, orphaned by the kill
        os.killpg(victim.pid, signal.SIGKILL)
    assert done.wait(timeout=300) == 1, done.stderr.read().decode()
    kept = _rows(journal)
    assert KILL_AFTER <= kept < CALLS + 1, "the kill landed mid-way"
    assert not killed_out.exists(), "the output appears only complete"

    resumed = _score(*args, "--out", str(killed_out), "--resume")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 1, err.decode()
    assert f"{CALLS} scored, 1 failed ({kept} from the interrupted run)" in out.decode()
    assert killed_out.read_bytes() == whole.read_bytes()
    assert not journal.exists()
