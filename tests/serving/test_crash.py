"""SIGKILL during a burst of requests: every acknowledged request is in the audit log, whole."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from spoofscope.serving.audit import AuditLog
from spoofscope.serving.launch import ServerProcess
from tests.serving.conftest import speech_wav


def post(url: str, data: bytes) -> dict | None:
    request = urllib.request.Request(
        url + "/v1/score?filename=burst.wav", data=data, headers={"Content-Type": "audio/wav"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except (OSError, urllib.error.URLError, ValueError):
        return None  # the server died under this request: it was never acknowledged


@pytest.mark.parametrize(("sync", "pragma"), [("full", 2), ("normal", 1)])
def test_sigkill_mid_burst_loses_no_acknowledged_request(
    tmp_path: Path, sync: str, pragma: int
) -> None:
    """Both durability levels keep every acknowledged row through SIGKILL: ``normal`` gives up
    only power-loss durability (a commit is in the OS's cache, which a killed process leaves)."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    args = ["--db", url, "--workers", "2", "--rate-per-minute", "0", "--audit-sync", sync]
    clip = speech_wav(2.0, seed=4)
    acked: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    server = ServerProcess(args, log=tmp_path / "server.log").start()

    def client() -> None:
        while not enough.is_set():
            body = post(server.url, clip)
            if body is None:
                return
            with lock:
                acked.append(body["request_id"])
                if len(acked) >= 8:
                    enough.set()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(120), "the server answered fewer than 8 requests in 2 minutes"
    server.kill()  # while the other clients' requests are in flight
    for t in threads:
        t.join(60)
    audit = AuditLog(url, synchronous=sync)
    with audit.engine.connect() as connection:
        assert connection.execute(text("PRAGMA synchronous")).scalar() == pragma
    rows = {r["id"]: r for r in audit.requests()}
    assert set(acked) <= set(rows)
    for row in rows.values():  # a row is whole or absent
        assert row["status"] == 200 and row["score"] is not None and row["verdict"] is not None
        assert row["sha256"] and row["model_version"] and row["duration_s"] == 2.0
    with audit.engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    audit.close()
    with ServerProcess(args, log=tmp_path / "server.log") as again:  # restarts on the same log
        after = post(again.url, clip)
    assert after is not None
    audit = AuditLog(url)
    assert set(rows) | {after["request_id"]} == {r["id"] for r in audit.requests()}
    audit.close()
