"""What the feature cache's content key costs, against the stat-only key it replaced and the features.

Times, per file, on 4 s 16 kHz 16-bit files (FLAC and WAV) and on one 10-minute FLAC:

* ``stat``: the key spoofscope used before: resolve the path, stat it, SHA-256 of path, size and
  ``mtime_ns`` (all a cache hit cost; it serves stale features for a file replaced at the same
  size and time);
* ``content B``: :func:`spoofscope.features.cache.file_digest` with ``block=B`` (the whole file up
  to ``2 * B`` bytes, else path, size, time and the first and last ``B`` bytes);
* ``features``: what a miss costs instead: ``spoofscope.audio.load`` and 20-coefficient MFCC,
  in batches of 32 for 4 s files, one call for the 10-minute file.

Measured side by side in one run, paired and interleaved: each round times every method once over
the same files, in an order rotated from round to round, and gives its own ratios
``content / stat`` and ``content / features``; printed are the median, the interquartile range
and the min-max over the rounds. One thread: ``torch.set_num_threads(1)`` for the features, and
hashlib hashes on the calling thread. The files were just written, so reads come from the page
cache (on a cold disk a content key also pays for reading its bytes, which a miss reads anyway).
Last, the throughput of SHA-256 (the key's hash) against BLAKE2b, paired the same way.

    python benchmarks/cache_key.py --files 64 --rounds 15
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from spoofscope.audio import load
from spoofscope.features import build_frontend
from spoofscope.features.cache import HASH_BLOCK, file_digest
from spoofscope.features.extract import batch_features

SR = 16000
BATCH = 32
LONG_SECONDS = 600


def stat_key(path: Path) -> str:
    """The cache key before content hashing: path, size and modification time only."""
    resolved = path.resolve()
    stat = resolved.stat()
    return hashlib.sha256(f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()


def make_sets(folder: Path, n: int) -> dict[str, list[Path]]:
    """``{"4 s FLAC": [...], "4 s WAV": [...], "10 min FLAC": [one]}``, speech-like audio made by
    ``benchmarks/features.py`` (harmonics under a syllable-rate envelope, plus noise)."""
    spec = importlib.util.spec_from_file_location(
        "features_benchmark", Path(__file__).with_name("features.py")
    )
    features_benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(features_benchmark)
    wavs = features_benchmark.make_corpus(folder, max(n, int(LONG_SECONDS / 4)))
    waves = [sf.read(path, dtype="int16")[0] for path in wavs]
    flacs = []
    for path, wave in zip(wavs[:n], waves, strict=False):
        flacs.append(path.with_suffix(".flac"))
        sf.write(flacs[-1], wave, SR, subtype="PCM_16")
    long = folder / "ten_minutes.flac"
    sf.write(long, np.concatenate(waves)[: LONG_SECONDS * SR], SR, subtype="PCM_16")
    return {"4 s FLAC": flacs, "4 s WAV": wavs[:n], "10 min FLAC": [long]}


def feature_time(frontend: torch.nn.Module) -> Callable[[list[Path]], None]:
    def compute(paths: list[Path]) -> None:
        for first in range(0, len(paths), BATCH):
            batch_features(frontend, [load(path) for path in paths[first : first + BATCH]])

    return compute


def methods(
    blocks: list[int], frontend: torch.nn.Module
) -> dict[str, Callable[[list[Path]], None]]:
    """Name → a function doing that work for every file of a set."""
    table: dict[str, Callable[[list[Path]], None]] = {
        "stat": lambda paths: [stat_key(path) for path in paths] and None
    }
    for block in blocks:
        table[f"content {block // 1024} KiB"] = lambda paths, block=block: (
            [file_digest(path, block) for path in paths] and None
        )
    table["features"] = feature_time(frontend)
    return table


def rounds(
    paths: list[Path], table: dict[str, Callable[[list[Path]], None]], count: int
) -> dict[str, list[float]]:
    """Seconds per file of each method in each of ``count`` rounds; the order of the methods
    rotates every round, so none always runs first (cold) or right after the features (whose
    buffers push the files out of the CPU caches)."""
    names = list(table)
    for name in names:  # warm-up: file pages, torch plans, hashlib
        table[name](paths)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(count):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            table[name](paths)
            seconds[name].append((time.perf_counter() - start) / len(paths))
    return seconds


def hash_rates(rounds_: int, size: int = 2 * HASH_BLOCK) -> dict[str, list[float]]:
    """GB/s of SHA-256 (the key's hash) and BLAKE2b over ``size`` bytes, paired per round."""
    data = os.urandom(size)
    rates: dict[str, list[float]] = {"sha256": [], "blake2b": []}
    for r in range(rounds_):
        for name in list(rates)[r % 2 :] + list(rates)[: r % 2]:
            start = time.perf_counter()
            for _ in range(50):
                hashlib.new(name, data).digest()
            rates[name].append(50 * size / (time.perf_counter() - start) / 1e9)
    return rates


def spread(values: list[float]) -> str:
    """``median [q1-q3] (min-max)`` of per-round ratios."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return f"{median:.3g}x [{q1:.3g}-{q3:.3g}] ({min(values):.3g}-{max(values):.3g})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print per-file times, then the paired ratios with their spread."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=64, help="4 s files per format")
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (at least 2)")
    parser.add_argument(
        "--blocks",
        type=int,
        nargs="+",
        default=[16 * 1024, HASH_BLOCK, 256 * 1024],
        help="HASH_BLOCK values to compare, in bytes",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    frontend = build_frontend("mfcc").eval()
    table = methods(args.blocks, frontend)
    contents = [name for name in table if name.startswith("content")]
    with tempfile.TemporaryDirectory() as tmp:
        sets = make_sets(Path(tmp), args.files)
        print(
            f"torch threads {torch.get_num_threads()}, hashing on 1 thread, page cache warm; "
            f"{args.rounds} rounds, paired and interleaved; HASH_BLOCK {HASH_BLOCK // 1024} KiB"
        )
        measured = {}
        for label, paths in sets.items():
            size = statistics.mean(os.path.getsize(path) for path in paths)
            print(f"{label}: {len(paths)} files, mean {size:,.0f} B")
            measured[label] = rounds(paths, table, args.rounds)
    print(f"\n{'set':<12} {'method':<16} {'us/file, median':>16}")
    for label, seconds in measured.items():
        for name, values in seconds.items():
            print(f"{label:<12} {name:<16} {1e6 * statistics.median(values):>16.1f}")
    print(f"\n{'set':<12} {'key':<16} {'key / stat: median [IQR] (min-max)':<38} key / features")
    for label, seconds in measured.items():
        for name in contents:
            pairs = zip(seconds[name], seconds["stat"], seconds["features"], strict=True)
            over_stat, over_features = zip(*((c / s, c / f) for c, s, f in pairs), strict=True)
            print(f"{label:<12} {name:<16} {spread(over_stat):<38} {spread(over_features)}")
    rates = hash_rates(args.rounds)
    over = [a / b for a, b in zip(rates["sha256"], rates["blake2b"], strict=True)]
    print(
        f"\nhashing {2 * HASH_BLOCK // 1024} KiB: sha256 {statistics.median(rates['sha256']):.2f}"
        f" GB/s, blake2b {statistics.median(rates['blake2b']):.2f} GB/s; sha256 / blake2b speed"
        f" {spread(over)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
