"""Load on `spoofscope serve`: throughput, latency percentiles, errors, and the audit log's count.

Starts a server on 127.0.0.1 (``--workers`` inference threads, one torch thread each,
OMP_NUM_THREADS=1) with a fresh SQLite audit log, or drives ``--url`` of one already running;
sends ``--requests`` uploads of ``--seconds``-long speech-like WAVs (tests/fixtures/planted.py's
talkers) at ``--concurrency`` clients, and checks that every answered request id appears exactly
once in the audit log.

``--pools`` instead scores the same clips in-process on 2 threads and on 2 processes, each with
its own Detector and one torch thread, the choice ``serving/pool.py`` made. Measured on the
shared 2-core machine (other jobs running): threads 3.42 clips/s, processes 2.51 clips/s.

Usage: ``python benchmarks/service.py [--requests 500] [--concurrency 8] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import soundfile as sf

from spoofscope.serving.audit import AuditLog
from spoofscope.serving.launch import ServerProcess

ROOT = Path(__file__).resolve().parents[1]


def clips(n: int, seconds: float) -> list[bytes]:
    spec = importlib.util.spec_from_file_location("planted", ROOT / "tests/fixtures/planted.py")
    planted = importlib.util.module_from_spec(spec)
    sys.modules["planted"] = planted  # dataclasses look their module up while it loads
    spec.loader.exec_module(planted)
    out = []
    for i in range(n):
        wave = 0.08 * planted.speech(np.random.default_rng(i), planted.TALKERS[i % 10], seconds)
        buf = io.BytesIO()
        sf.write(buf, wave.astype(np.float32), planted.SR, format="WAV", subtype="PCM_16")
        out.append(buf.getvalue())
    return out


def post(url: str, data: bytes) -> tuple[float, int, str | None]:
    request = urllib.request.Request(
        url + "/v1/score?filename=bench.wav", data=data, headers={"Content-Type": "audio/wav"}
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.load(response)
            return time.perf_counter() - start, response.status, body["request_id"]
    except urllib.error.HTTPError as exc:
        return time.perf_counter() - start, exc.code, None
    except OSError:
        return time.perf_counter() - start, 0, None


def load(url: str, data: list[bytes], requests: int, concurrency: int) -> dict:
    results: list[tuple[float, int, str | None]] = []
    lock = threading.Lock()
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for r in pool.map(lambda i: post(url, data[i % len(data)]), range(requests)):
            with lock:
                results.append(r)
    wall = time.perf_counter() - start
    lat = sorted(r[0] for r in results if r[1] == 200)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")  # noqa: E731
    return {
        "requests": requests,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(lat) / wall, 2),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "errors": sum(1 for r in results if r[1] != 200),
        "statuses": dict(Counter(r[1] for r in results)),
        "ids": [r[2] for r in results if r[2]],
    }


_detector = None


def _score(data: bytes) -> float:
    global _detector
    if _detector is None:
        import torch

        torch.set_num_threads(1)
        from spoofscope.inference.detector import Detector

        _detector = Detector.load("default")
    return _detector.score(data).score


def compare_pools(data: list[bytes]) -> None:
    import multiprocessing as mp

    import torch

    torch.set_num_threads(1)
    from spoofscope.inference.detector import Detector

    local = threading.local()

    def in_thread(b: bytes) -> float:
        if not hasattr(local, "d"):
            local.d = Detector.load("default")
        return local.d.score(b).score

    for kind, ex, fn in (
        ("threads", ThreadPoolExecutor(2), in_thread),
        ("processes", ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")), _score),
    ):
        list(ex.map(fn, data[:4]))  # warm-up: every worker loads its model
        t = time.perf_counter()
        list(ex.map(fn, data))
        print(f"{kind}: {len(data) / (time.perf_counter() - t):.2f} clips/s")
        ex.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--url", help="a running server (its audit log is not checked)")
    ap.add_argument("--pools", action="store_true", help="compare thread and process pools")
    args = ap.parse_args()
    data = clips(16, args.seconds)
    if args.pools:
        compare_pools(data * 2)
        return
    if args.url:
        print(
            json.dumps(
                {
                    k: v
                    for k, v in load(args.url, data, args.requests, args.concurrency).items()
                    if k != "ids"
                }
            )
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/audit.db"
        argv = ["--db", db, "--workers", str(args.workers), "--rate-per-minute", "0"]
        with ServerProcess(argv) as server:
            load(server.url, data, 2 * args.workers, args.workers)  # warm the connections
            report = load(server.url, data, args.requests, args.concurrency)
        audit = AuditLog(db)
        counts = Counter(r["id"] for r in audit.requests())
        audit.close()
        ids = report.pop("ids")
        report["audited_exactly_once"] = all(counts[i] == 1 for i in ids)
        report["audit_rows"] = sum(counts.values())
        print(json.dumps(report))


if __name__ == "__main__":
    main()
