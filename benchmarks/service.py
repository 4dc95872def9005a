"""Load on `spoofscope serve`: throughput, latency percentiles, errors, and the audit log's count.

Starts a server on 127.0.0.1 (``--workers`` inference threads, one torch thread each,
OMP_NUM_THREADS=1) with a fresh SQLite audit log, or drives ``--url`` of one already running;
sends ``--requests`` uploads of ``--seconds``-long speech-like WAVs (tests/fixtures/planted.py's
talkers) at ``--concurrency`` clients, and checks that every answered request id appears exactly
once in the audit log.

``--pools`` instead scores the same clips in-process on 2 threads and on 2 processes, each with
its own Detector and one torch thread, the choice ``serving/pool.py`` made. Measured on the
shared 2-core machine (other jobs running): threads 3.42 clips/s, processes 2.51 clips/s.

``--stages`` splits one 4-s upload's time on one thread and measures the server's CPU per request
(every thread) sent one at a time: 2 cores divided by it is the ceiling. Measured 2026-12-07 on the
2-core machine, one torch thread, default model, load average 1.4-1.8 (CPU ms per request):

===================  =====  =====
stage                torch   onnx
===================  =====  =====
decode                0.24   0.24
VAD                   6.2    5.7
channel               2.7    2.6
band check           11.1   11.6
model (2 windows)    81.4   51.6
result + JSON         0.05   0.05
audit commit (full)   0.4    0.4   (0.7 ms wall; 4-10 ms when the disk is busy; normal 0.3)
Detector.score       102.0  77.8
server, per request  103.0  84.0   ceiling 19.4 / 23.8 requests/s on 2 cores
===================  =====  =====

Under load (300 requests, 2 workers, the client on the same 2 cores): torch 14.2 req/s, p95 678
ms at 8 clients, 13.3 req/s, p95 196 ms at 2; onnx 18.0 req/s, p95 528 ms at 8, 16.5 req/s, p95
175 ms at 2; 0 errors, every answer audited once. ``--audit-sync normal`` gave 17.9 req/s against
full's 18.0 (same p95): the fsync waits on the audit thread, not on a core.

Since then the band check is one batched FFT over disjoint frames: 2.5 ms per 4-s clip measured
alone (21 ms for scipy's welch in the same process), so the ceilings above rise by about 9 ms a
request, to roughly 21 / 27 requests/s; the load figures have not been measured again. At 8
clients, p95 <= 300 ms and >= 20 requests/s cannot both hold: by Little's law 8 requests in
flight at 20 requests/s wait 400 ms on average, so the p95 goal needs at most ~5 clients.

Usage: ``python benchmarks/service.py [--requests 500] [--concurrency 8] [--workers 2]
[--backend onnx] [--audit-sync normal] [--stages]``.
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


def _timed(fn, rounds: int) -> dict:
    """Median CPU (this thread) and wall milliseconds of ``fn()`` over ``rounds`` calls, after one
    warm-up call. CPU time is what bounds throughput on a busy shared machine; wall time there
    also counts the time other processes held the core."""
    fn()
    cpu, wall = [], []
    for _ in range(rounds):
        c, w = time.thread_time(), time.perf_counter()
        fn()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return {
        "cpu_ms": round(statistics.median(cpu) * 1000, 2),
        "wall_ms": round(statistics.median(wall) * 1000, 2),
    }


def stages(data: bytes, backend: str, rounds: int) -> dict:
    """One 4-s upload's service time on one thread, split as the service spends it: decode, VAD,
    channel, band check, model, result and JSON, audit commit at each durability level; then
    Detector.score from bytes and as the service calls it (from a private file)."""
    import torch

    torch.set_num_threads(1)
    from spoofscope.audio.io import load
    from spoofscope.audio.vad import speech_activity
    from spoofscope.inference.detector import Detector
    from spoofscope.inference.timeline import input_warnings
    from spoofscope.inference.windows import window_starts
    from spoofscope.serving.results import result_fields
    from spoofscope.serving.schemas import ModelRef, ScoreResult
    from spoofscope.serving.scoring import score_as_file
    from spoofscope.serving.uploads import Upload

    det = Detector.load("default", backend=backend)
    wave = load(data, sr=det.sample_rate)
    samples = np.asarray(wave)
    coded = det._apply_channel(samples)
    excerpts = [coded[s : s + det.window] for s in window_starts(len(coded), det.window, det.hop)]
    detection = det.score(data)

    def respond() -> bytes:  # what FastAPI does with a returned ScoreResult
        result = ScoreResult(
            request_id="0" * 32,
            filename="bench.wav",
            sha256="0" * 64,
            model=ModelRef(id="default", version="0" * 16),
            processing_ms=1.0,
            **result_fields(detection),
        )
        checked = ScoreResult.model_validate(result.model_dump())
        return json.dumps(checked.model_dump(mode="json")).encode()

    out = {
        "decode": _timed(lambda: load(data, sr=det.sample_rate), rounds),
        "vad": _timed(lambda: speech_activity(samples, det.sample_rate), rounds),
        "channel": _timed(lambda: det._apply_channel(samples), rounds),
        "band_check": _timed(
            lambda: input_warnings(samples, det.sample_rate, wave.source_sr, det.model_band), rounds
        ),
        f"model ({len(excerpts)} windows)": _timed(lambda: det.score_excerpts(excerpts), rounds),
        "result_and_json": _timed(respond, rounds),
    }
    for level in ("full", "normal"):
        out[f"audit_commit_{level}"] = _audit_commit(level, rounds)
    out["detector_score_bytes"] = _timed(lambda: det.score(data), rounds)
    upload = Upload("bench.wav", data)
    out["detector_score_as_service"] = _timed(lambda: score_as_file(det, upload, 600.0), rounds)
    return out


def _audit_commit(level: str, rounds: int) -> dict:
    """One row committed to a fresh SQLite audit log beside the repository (the disk a server's
    default ``--db`` lives on), as the service commits each request's row."""
    import datetime as dt
    import uuid

    from spoofscope.serving.audit import RequestRecord

    def row() -> RequestRecord:
        return RequestRecord(
            id=uuid.uuid4().hex,
            received_at=dt.datetime.now(dt.UTC),
            client="127.0.0.1",
            filename="bench.wav",
            sha256="0" * 64,
            size_bytes=128_044,
            status=200,
            model_id="default",
            model_version="0" * 16,
            processing_ms=140.0,
            duration_s=4.0,
            score=-1.2,
            p_spoof=0.3,
            verdict="bonafide",
        )

    (ROOT / ".cache").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as tmp:
        log = AuditLog(f"sqlite:///{tmp}/audit.db", synchronous=level)
        try:
            return _timed(lambda: log.record([row()]), rounds)
        finally:
            log.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_at_a_time(server: ServerProcess, data: list[bytes], requests: int) -> dict:
    """Requests sent one after another: the latency of a request alone, and the CPU the server
    process spends on each (every thread: event loop, worker, audit writer), whose inverse times
    the cores is the most a server can answer per second."""
    load(server.url, data, 4, 1)  # warm the connection path
    before = _cpu_seconds(server.proc.pid)
    report = load(server.url, data, requests, 1)
    cpu_ms = (_cpu_seconds(server.proc.pid) - before) / requests * 1000
    return {
        "latency_p50_ms": report["p50_ms"],
        "server_cpu_ms_per_request": round(cpu_ms, 1),
        "ceiling_rps_on_2_cores": round(2000 / cpu_ms, 1),
        "errors": report["errors"],
    }


def uptime() -> str:
    """The load averages, stated with every figure: the machine is shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--url", help="a running server (its audit log is not checked)")
    ap.add_argument("--pools", action="store_true", help="compare thread and process pools")
    ap.add_argument("--backend", default="torch", help="torch or onnx (the server's --backend)")
    ap.add_argument("--audit-sync", default="full", help="full or normal (the server's option)")
    ap.add_argument(
        "--stages", action="store_true", help="split one request's time; a request alone"
    )
    ap.add_argument("--rounds", type=int, default=30, help="rounds per stage with --stages")
    args = ap.parse_args()
    data = clips(16, args.seconds)
    if args.pools:
        compare_pools(data * 2)
        return
    if args.stages:
        print(json.dumps({"load_avg": uptime(), "backend": args.backend}))
        for name, figures in stages(data[0], args.backend, args.rounds).items():
            print(json.dumps({"stage": name, **figures}))
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
    (ROOT / ".cache").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as tmp:
        db = f"sqlite:///{tmp}/audit.db"
        argv = ["--db", db, "--workers", str(args.workers), "--rate-per-minute", "0"]
        argv += ["--backend", args.backend, "--audit-sync", args.audit_sync]
        with ServerProcess(argv) as server:
            if args.stages:
                alone = one_at_a_time(server, data, max(8, args.rounds))
                print(json.dumps({"stage": "service, one request at a time", **alone}))
                return
            load(server.url, data, 2 * args.workers, args.workers)  # warm the connections
            start_load = uptime()
            report = load(server.url, data, args.requests, args.concurrency)
        audit = AuditLog(db)
        counts = Counter(r["id"] for r in audit.requests())
        audit.close()
        ids = report.pop("ids")
        report["audited_exactly_once"] = all(counts[i] == 1 for i in ids)
        report["audit_rows"] = sum(counts.values())
        report |= {"backend": args.backend, "audit_sync": args.audit_sync, "workers": args.workers}
        report |= {"load_avg_before": start_load, "load_avg_after": uptime()}
        print(json.dumps(report))


if __name__ == "__main__":
    main()
