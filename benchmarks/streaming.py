"""Streaming: hop latency and memory over a long stream, with the shipped default.

    python benchmarks/streaming.py                    # 60 minutes of audio, hop 0.5 s
    python benchmarks/streaming.py --minutes 5 --hop 0.25

Feeds a call (ASVspoof 2019 LA speech from shared/reference, tiled) to a StreamingDetector in
250-ms chunks as fast as it scores, on one torch thread, and prints:

- the latency of each update (from the arrival of the chunk that completed its window to the
  update): median, p95 and max, against the goal p95 <= 30 ms;
- the resident memory (VmRSS) after 1 minute of audio and at the end, and the peak (VmHWM): the
  stream's state must not grow with its length (the goal: flat memory over an hour).

Latency here is compute only: a stream fed in real time would wait for audio between hops, so on
a machine shared with other work the figures are an upper bound of what a call would see.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]


def _status(field: str) -> float:
    """A VmRSS-style field of /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--hop", type=float, default=0.5)
    parser.add_argument("--chunk-ms", type=float, default=250.0)
    parser.add_argument("--model", default="default")
    parser.add_argument("--backend", default="torch", help="torch or onnx (ONNX Runtime)")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    from spoofscope.inference.detector import Detector
    from spoofscope.inference.streaming import StreamingDetector

    talk = np.load(Path(args.shared) / "reference" / "aasist" / "inputs.npy")[3:].reshape(-1)
    detector = Detector.load(args.model, backend=args.backend, hop_s=args.hop)
    stream = StreamingDetector(detector, rate=16000)
    chunk = int(16000 * args.chunk_ms / 1000)
    total = int(args.minutes * 60 * 16000)
    latencies, rss_1min = [], None
    started = time.perf_counter()
    for fed in range(0, total, chunk):
        start = fed % (talk.size - chunk)
        latencies += [u.latency_ms for u in stream.feed(talk[start : start + chunk])]
        if rss_1min is None and fed >= 60 * 16000:
            rss_1min = _status("VmRSS")
    latencies += [u.latency_ms for u in stream.close()]
    wall = time.perf_counter() - started
    lat = np.asarray(latencies)
    print(f"threads per process: 1, model {args.model} ({args.backend}), hop {args.hop} s, "
          f"chunks {args.chunk_ms:.0f} ms, {args.minutes:g} min of audio in {wall:.0f} s "
          f"(real-time factor {wall / (args.minutes * 60):.4f})")  # fmt: skip
    print(f"updates {lat.size}: latency median {np.median(lat):.1f} ms, "
          f"p95 {np.percentile(lat, 95):.1f} ms (goal <= 30), max {lat.max():.1f} ms")  # fmt: skip
    print(f"memory: VmRSS {rss_1min:.0f} MiB after 1 min, {_status('VmRSS'):.0f} MiB at "
          f"{args.minutes:g} min; peak VmHWM {_status('VmHWM'):.0f} MiB")  # fmt: skip
    print(f"load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(main())
