"""The model benchmark runs in quick mode and prints one row per model with the ratio columns."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.mark.slow
def test_quick_benchmark_prints_rows_and_fast_ratio(capsys):
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "models.py"
    spec = importlib.util.spec_from_file_location("bench_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick", "--models", "aasist-l,paper-cnn"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == {"aasist-l", "paper-cnn"}
    assert rows["paper-cnn"].split()[1] == "1,617"
    assert "b1 fast/plain" in rows["aasist-l"] and "b2 fast/plain" in rows["aasist-l"]
    assert "fast/plain" not in rows["paper-cnn"]
