"""The front-end benchmark runs at a small size and prints a ratio for every feature."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "features.py"


@pytest.mark.slow
def test_benchmark_prints_one_ratio_per_feature(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("features_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ratios, bounds = {}, {}
    for line in lines:
        match = re.match(
            r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x(?:\s+([\d.]+)\s+([\d.]+)x)?$", line
        )
        if match:
            ratios[match.group(1)] = float(match.group(4))
            if match.group(6):
                bounds[match.group(1)] = float(match.group(6))
    assert set(ratios) == {"mfcc", "logmel", "lfcc", "cqcc"}
    assert set(bounds) == {"mfcc", "logmel", "lfcc"}  # the FFT floor of every framed feature
    assert all(ratio > 0 for ratio in (*ratios.values(), *bounds.values()))
