"""Every error the CLI prints is one stderr line, however long and however narrow the terminal.

Scripts read stderr line by line (``grep '^error:'``). Rich wrapped error lines at the terminal
width (COLUMNS), so a long path in `detect` came out as many lines, and a message holding a line
break (a root pasted from ``$(ls -d ...)`` with two matches) came out as two.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: a folder chain as deep as an unpacked release inside a dated archive: ~300 characters of path
DEEP = ("ASVspoof2021_DF_eval_part00",) + ("recordings_of_the_second_session",) * 8


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a 40-column terminal, as a user would run it."""
    env = {**os.environ, "COLUMNS": "40", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "spoofscope.cli.app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_detect_prints_a_long_unreadable_path_on_one_line(tmp_path: Path) -> None:
    bad = tmp_path.joinpath(*DEEP, "DF_E_2000011.wav")
    bad.parent.mkdir(parents=True)
    bad.write_text("DF_E_2000011 bonafide\n")  # a text file named .wav
    assert len(str(bad)) > 300
    result = _cli("detect", str(bad))
    assert result.returncode == 1
    assert result.stderr == f"error: {bad}: not an audio file in any supported format\n"


def test_the_error_boundary_prints_a_long_path_on_one_line(tmp_path: Path) -> None:
    missing = tmp_path.joinpath(*DEEP, "scores.tsv")
    result = _cli("metrics", str(missing))
    assert result.returncode == 2
    assert result.stderr == f"error: {missing}: no such file\n"


def test_an_error_message_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    roots = f"{tmp_path}/ASVspoof2019_LA\n{tmp_path}/ASVspoof2019_PA"  # "$(ls -d ...)", 2 matches
    result = _cli("corpus", "check", "--corpus", "asvspoof2019-la", "--root", roots)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path}/ASVspoof2019_LA {tmp_path}/ASVspoof2019_PA: corpus root does not exist\n"
    )
