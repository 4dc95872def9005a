"""``spoofscope score`` throughput against calling ``Detector.score`` in a Python loop, paired.

Generates ``--files`` four-second 16 kHz WAV files (real speech from ``shared/reference`` where
it is found, tiled, else a voiced synthetic signal). Each round times, in an order that rotates
between rounds (L 1 2, 1 2 L, 2 L 1, ...) so that load from other work on a shared machine falls
on every side alike:

* ``loop``: what a user would otherwise write, in this process on one torch thread: load the
  Detector, then ``detector.score(path)`` per file;
* ``workers 1`` and ``workers 2``: :func:`spoofscope.inference.batch.score_files` (the command's
  library call) with the local engine, one torch thread per worker, writing a TSV.

Every side's time includes loading the model (and, for the engine, starting its spawned
workers), so the ratios are what a user sees end to end. Each round gives one ratio per engine
side over the loop; the table prints files/s (median of rounds) and the ratios' median and
min-max. One torch thread per process throughout (OMP_NUM_THREADS=1, set before torch loads).

    python benchmarks/scoring.py --files 2000 --rounds 3

Measured 2026-12-07 on the idle 2-core machine (load average ~1), 2000 files, 2 rounds, the
shipped default: loop 12.19 files/s; workers 1 9.56 files/s, 0.78x the loop (0.76-0.81): 45 s more
than the loop's 164 s, of which the spawned worker's start-up is about 14 s (the rest, passing
files and results between processes and the journal, is not split here); workers 2 18.04
files/s, 1.48x (1.48-1.48).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch: its pool is sized at import

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
SECONDS = 4.0


def _speech(seconds_total: float) -> np.ndarray:
    """Real speech when the reference inputs are at hand, else harmonics under a syllable beat."""
    shared = Path(
        os.environ.get("SPOOFSCOPE_SHARED", Path(__file__).resolve().parents[2] / "shared")
    )
    inputs = shared / "reference" / "aasist" / "inputs.npy"
    n = int(seconds_total * SR)
    if inputs.is_file():
        talk = np.load(inputs).reshape(-1).astype(np.float32)
        return np.resize(talk, n)
    t = np.arange(n) / SR
    wave = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 10))
    return (0.2 * wave * (0.55 - 0.45 * np.cos(2 * np.pi * 3 * t))).astype(np.float32)


def make_files(folder: Path, count: int) -> list[Path]:
    length = int(SECONDS * SR)
    speech = _speech(SECONDS * min(count, 50) + SECONDS)
    paths = []
    for i in range(count):
        start = (i % 50) * length + (i * 997) % SR  # a different cut per file
        path = folder / f"call_{i:05d}.wav"
        sf.write(path, speech[start : start + length], SR)
        paths.append(path)
    return paths


def time_loop(model: str, paths: list[Path]) -> float:
    from spoofscope.inference.detector import Detector

    started = time.perf_counter()
    detector = Detector.load(model)
    for path in paths:
        detector.score(path)
    return time.perf_counter() - started


def time_engine(model: str, folder: Path, out: Path, workers: int) -> float:
    from spoofscope.inference.batch import score_files

    out.unlink(missing_ok=True)
    started = time.perf_counter()
    summary = score_files([folder], out, model=model, workers=workers)
    seconds = time.perf_counter() - started
    if summary.failed:
        raise SystemExit(f"{summary.failed} file(s) failed; see {out}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="spoofscope-bench-"))
    try:
        folder = work / "calls"
        folder.mkdir()
        paths = make_files(folder, args.files)
        sides = ["loop", "workers 1", "workers 2"]
        seconds: dict[str, list[float]] = {s: [] for s in sides}
        for r in range(args.rounds):
            for side in sides[r % 3 :] + sides[: r % 3]:
                if side == "loop":
                    took = time_loop(args.model, paths)
                else:
                    took = time_engine(args.model, folder, work / "s.tsv", int(side[-1]))
                seconds[side].append(took)
                print(f"round {r + 1} {side:>9}: {args.files / took:7.2f} files/s", flush=True)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"\n{args.files} files of {SECONDS:g} s, model {args.model}, {args.rounds} rounds, "
              f"{cores} cores, 1 torch thread per process")  # fmt: skip
        print(f"{'side':>10} {'files/s':>8} {'x loop (median, min-max)':>26}")
        for side in sides:
            rate = statistics.median(args.files / s for s in seconds[side])
            ratios = [lo / s for lo, s in zip(seconds["loop"], seconds[side], strict=True)]
            spread = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            print(f"{side:>10} {rate:8.2f} {spread:>26}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
