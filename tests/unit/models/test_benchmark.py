"""The model benchmark runs in quick mode and prints one row per model with the ratio columns."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "models.py"
    spec = importlib.util.spec_from_file_location("bench_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(capsys, skip: int) -> dict[str, str]:
    lines = capsys.readouterr().out.strip().splitlines()
    return {line.split()[0]: line for line in lines[skip:]}


@pytest.mark.slow
def test_quick_benchmark_prints_rows_and_fast_ratio(bench, capsys):
    assert bench.main(["--quick", "--models", "aasist-l,paper-cnn"]) == 0
    rows = _rows(capsys, skip=2)
    assert set(rows) == {"aasist-l", "paper-cnn"}
    assert rows["paper-cnn"].split()[1] == "1,617"
    assert "b1 fast/plain" in rows["aasist-l"] and "b2 fast/plain" in rows["aasist-l"]
    assert "fast/plain" not in rows["paper-cnn"]


@pytest.mark.slow
def test_quick_training_benchmark_compares_the_mfm_backward(bench, capsys):
    assert bench.main(["--quick", "--train", "--models", "lcnn,paper-cnn"]) == 0
    rows = _rows(capsys, skip=1)
    assert set(rows) == {"lcnn", "paper-cnn"}
    assert "MFM grad fast/plain" in rows["lcnn"] and "MFM" not in rows["paper-cnn"]


@pytest.mark.slow
def test_quick_training_benchmark_prices_recipes_against_the_first(bench, capsys):
    configs = Path(__file__).resolve().parents[3] / "configs"
    recipes = [
        configs / "default" / "lcnn-localspoof-shipped.yaml",
        configs / "experiments" / "lcnn-localspoof-shipped-hop256.yaml",
    ]
    assert bench.main(["--quick", "--train", "--recipes", ",".join(map(str, recipes))]) == 0
    rows = _rows(capsys, skip=1)
    assert set(rows) == set(map(str, recipes))
    assert rows[str(recipes[0])].endswith("1.00x the first")
    assert float(rows[str(recipes[1])].split()[1]) > 0
