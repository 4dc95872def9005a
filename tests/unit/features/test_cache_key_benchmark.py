"""The cache-key benchmark runs at a small size and prints a ratio, with its spread, per key."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "cache_key.py"


@pytest.mark.slow
def test_benchmark_prints_both_ratios_for_every_set_and_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location("cache_key_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--files", "2", "--rounds", "2", "--blocks", "65536"]) == 0
    number = r"[\d.e+-]+"
    ratio = rf"({number})x \[{number}-{number}\] \({number}-{number}\)"
    rows = {}
    for line in capsys.readouterr().out.splitlines():
        match = re.match(
            rf"^(4 s FLAC|4 s WAV|10 min FLAC)\s+content 64 KiB\s+{ratio}\s+{ratio}$", line
        )
        if match:
            rows[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    assert set(rows) == {"4 s FLAC", "4 s WAV", "10 min FLAC"}
    assert all(
        over_stat > 0 and 0 < over_features < 1 for over_stat, over_features in rows.values()
    )
