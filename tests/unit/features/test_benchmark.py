"""The front-end benchmark runs at a small size and prints paired ratios, the sweep and the epoch."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "features.py"
RATIO = r"([\d.]+)x \[([\d.]+)-([\d.]+)\]"


@pytest.mark.slow
def test_benchmark_prints_paired_ratios_with_their_spread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location("features_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "4", "--rounds", "2", "--features", "mfcc", "cqcc"]) == 0
    out = capsys.readouterr().out
    assert "torch threads 1, OMP_NUM_THREADS=1" in out
    rows = {}
    for line in out.splitlines():
        match = re.match(rf"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+{RATIO}(?:\s+{RATIO}\s+(\d+)%)?$", line)
        if match:
            rows[match.group(1)] = match.groups()
    assert set(rows) == {"mfcc", "cqcc"}
    for name, groups in rows.items():
        median, q25, q75 = map(float, groups[3:6])
        assert 0 < q25 <= median <= q75, name
    assert rows["mfcc"][6] is not None and rows["cqcc"][6] is None  # only framed FFTs have a floor
    sweep = re.search(r"by batch size \(median of \d+\): (.*)$", out, re.M)
    assert sweep and [int(c.split(":")[0]) for c in sweep.group(1).split("  ")] == [*module.SWEEP]
    epoch = re.search(r"feature loading [\d.]+ s \(([\d.]+)%\) \+ training step", out)
    assert epoch and 0 <= float(epoch.group(1)) <= 100
