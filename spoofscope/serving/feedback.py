"""Feedback into training data: the recordings people corrected, as a ``folder`` corpus.

``spoofscope feedback export`` writes ``real/<request id>.<ext>`` for recordings feedback calls
bona fide and ``fake/<request id>.<ext>`` for spoofs (the layout of
:mod:`spoofscope.corpora.folder`, every file in its ``eval`` split), plus ``feedback.tsv`` with
each clip's score, verdict and model version. Only clips kept by ``--keep-suspicious`` have
audio to export; feedback on any other request is counted and listed as left out.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from spoofscope.errors import ConfigError
from spoofscope.serving.audit import AuditLog

#: feedback label → the folder name the folder recipe reads as that key
LABEL_FOLDERS = {"bonafide": "real", "spoof": "fake"}
MANIFEST = "feedback.tsv"
MANIFEST_COLUMNS = (
    "request_id", "path", "label", "verdict", "score", "p_spoof", "model_version", "sha256"
)  # fmt: skip


@dataclass
class ExportSummary:
    """What an export wrote and what it left out (request id → why)."""

    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABEL_FOLDERS, 0))
    left_out: dict[str, str] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def export_feedback(db_url: str, out: Path) -> ExportSummary:
    """Write the newest feedback on each request, with its kept clip, as a folder corpus in ``out``.

    A clip whose bytes no longer match the SHA-256 its audit row holds is left out: the label
    was given to the recording that was scored, not to whatever is at that path now.

    Raises:
        ConfigError: ``out`` exists and is not empty, or the database cannot be opened.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(str(out), "already exists and is not empty; choose a new folder")
    audit = AuditLog(db_url)
    try:
        rows = audit.feedback()
    finally:
        audit.close()
    summary = ExportSummary()
    manifest: list[dict[str, object]] = []
    for row in rows:
        kept = Path(row["kept_path"]) if row["kept_path"] else None
        if kept is None:
            summary.left_out[row["id"]] = "no clip kept (the server ran without --keep-suspicious)"
            continue
        if not kept.is_file():
            summary.left_out[row["id"]] = "its kept clip is gone"
            continue
        if _sha256(kept) != row["sha256"]:
            summary.left_out[row["id"]] = "its kept clip differs from the recording scored"
            continue
        rel = Path(LABEL_FOLDERS[row["label"]]) / (row["id"] + kept.suffix)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, out / rel)
        summary.written[row["label"]] += 1
        manifest.append({**{c: row.get(c) for c in MANIFEST_COLUMNS}, "request_id": row["id"],
                         "path": rel.as_posix()})  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    with (out / MANIFEST).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, MANIFEST_COLUMNS, delimiter="\t")
        writer.writeheader()
        writer.writerows(manifest)
    return summary
