"""The installed `spoofscope` script re-executes itself once under the malloc settings.

Run as a user runs it, the console script in a fresh process, with GLIBC_TUNABLES unset; and as
torchrun and the demo run it, ``python -m spoofscope.cli.launch``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spoofscope.allocator import OPT_OUT, runs_on_glibc

SCRIPT = Path(sys.executable).parent / "spoofscope"
pytestmark = pytest.mark.skipif(not SCRIPT.is_file(), reason="needs the installed console script")


def _run(*args: str, command: tuple[str, ...] = (str(SCRIPT),), **env: str):
    base = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", OPT_OUT)}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=120, env={**base, **env}
    )


@pytest.mark.skipif(not runs_on_glibc(), reason="glibc reads the tunables")
@pytest.mark.parametrize(
    "command",
    [(str(SCRIPT),), (sys.executable, "-m", "spoofscope.cli.launch")],
    ids=["script", "module"],
)
def test_the_cli_runs_under_the_tunables(command):
    res = _run("info", "--json", command=command)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["allocator"] == (
        "glibc malloc, mmap_threshold 1073741824, trim_threshold 4294967296"
    )


def test_the_opt_out_keeps_the_system_settings():
    res = _run("info", "--json", **{OPT_OUT: "1"})
    assert res.returncode == 0, res.stderr
    assert "mmap_threshold" not in json.loads(res.stdout)["allocator"]


def test_exit_codes_and_one_line_errors_pass_through_the_launcher(tmp_path):
    res = _run("metrics", str(tmp_path / "missing.tsv"))
    assert res.returncode == 2
    assert res.stderr.startswith("error: ") and len(res.stderr.strip().splitlines()) == 1
