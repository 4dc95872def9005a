"""Audit log schema and feedback export: migrations match the tables, exports train as a folder corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from spoofscope.cli.app import main
from spoofscope.corpora.folder import FolderCorpus
from spoofscope.errors import ConfigError
from spoofscope.serving.audit import AuditLog, RequestRecord, metadata
from spoofscope.serving.feedback import export_feedback
from tests.serving.conftest import speech_wav


def record(
    request_id: str, data: bytes, kept: Path | None, verdict: str = "spoof"
) -> RequestRecord:
    return RequestRecord(
        id=request_id, received_at=dt.datetime.now(dt.UTC), client="10.0.0.7",
        filename="call.wav", sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
        status=200, model_id="default", model_version="0123456789abcdef", processing_ms=120.0,
        duration_s=3.0, score=-1.2, p_spoof=0.93, verdict=verdict,
        kept_path=str(kept) if kept else None,
    )  # fmt: skip


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    log = AuditLog(f"sqlite:///{tmp_path / 'audit.db'}")
    yield log
    log.close()


def test_migrations_build_the_tables_the_code_queries(audit: AuditLog) -> None:
    with audit.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_transaction_commits_all_rows_or_none(audit: AuditLog) -> None:
    audit.record([record("a" * 32, b"x", None)])
    with pytest.raises(IntegrityError):  # the second row's id is taken: the first is rolled back
        audit.record([record("b" * 32, b"y", None), record("a" * 32, b"z", None)])
    assert [r["id"] for r in audit.requests()] == ["a" * 32]


def test_export_writes_a_folder_corpus_of_the_latest_labels(
    audit: AuditLog, tmp_path: Path
) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    clips = {name: speech_wav(3.0, seed=i) for i, name in enumerate(("r1", "r2", "r3", "r4"))}
    for name, data in clips.items():
        (kept / f"{name}.wav").write_bytes(data)
    (kept / "r4.wav").write_bytes(clips["r1"])  # replaced after scoring: not what was labelled
    for name, data in clips.items():
        audit.record([record(name, data, kept / f"{name}.wav")])
    audit.record([record("r5", b"gone", None, verdict="bonafide")])
    audit.add_feedback("r1", "spoof", "analyst")
    audit.add_feedback("r1", "bonafide", "analyst", note="it was the caller after all")
    audit.add_feedback("r2", "spoof", "analyst")
    audit.add_feedback("r4", "spoof", "analyst")
    audit.add_feedback("r5", "spoof", "analyst")
    out = tmp_path / "corpus"
    summary = export_feedback(str(audit.engine.url), out)
    assert summary.written == {"bonafide": 1, "spoof": 1}
    assert set(summary.left_out) == {"r4", "r5"}
    manifest = FolderCorpus().prepare(out)
    assert {(u.utt_id, u.key) for u in manifest} == {("real/r1", "bonafide"), ("fake/r2", "spoof")}
    assert (out / "feedback.tsv").read_text().splitlines()[0].startswith("request_id\tpath\tlabel")
    with pytest.raises(ConfigError, match="not empty"):
        export_feedback(str(audit.engine.url), out)


def test_feedback_export_cli_exits_1_when_feedback_is_left_out(
    audit: AuditLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit.record([record("r9", b"gone", None)])
    audit.add_feedback("r9", "bonafide", "analyst")
    code = main(["feedback", "export", "--db", str(audit.engine.url), "--out", str(tmp_path / "o")])
    assert code == 1
    assert "left out r9: no clip kept" in capsys.readouterr().out
