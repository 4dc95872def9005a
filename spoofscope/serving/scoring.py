"""One recording from bytes to an audited verdict: score it on the pool, keep it if asked, and
build its audit row and its response (or its error)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spoofscope.corpora.recipe import AUDIO_EXTS
from spoofscope.errors import (
    AudioError,
    AudioTooLongError,
    AudioTooShortError,
    SampleRateError,
)
from spoofscope.inference.detector import Detection, Detector
from spoofscope.serving.audit import RequestRecord
from spoofscope.serving.metrics import ServiceMetrics
from spoofscope.serving.pool import ScoringPool
from spoofscope.serving.results import result_fields
from spoofscope.serving.schemas import BatchItemError, ModelRef, ScoreResult
from spoofscope.serving.settings import Settings
from spoofscope.serving.uploads import Upload

#: verdicts whose recording ``--keep-suspicious`` keeps
SUSPICIOUS = frozenset({"spoof", "uncertain"})
#: audio errors of a recording that decodes but is refused (422), the others cannot be decoded (400)
REFUSED = (AudioTooLongError, AudioTooShortError, SampleRateError)
#: a kept clip's extension by its first bytes, when the client's name has no audio extension
_MAGIC_EXT = (
    (b"RIFF", ".wav"),
    (b"RF64", ".wav"),
    (b"fLaC", ".flac"),
    (b"OggS", ".ogg"),
    (b"ID3", ".mp3"),
    (b"\xff\xfb", ".mp3"),
)


@dataclass
class Outcome:
    """What scoring one upload gave: its audit row, and its result or its error."""

    record: RequestRecord
    result: ScoreResult | None = None
    error: BatchItemError | None = None


def kept_name(request_id: str, upload: Upload) -> str:
    """File name of a kept clip: the request id, with the extension of its format."""
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in AUDIO_EXTS:
        found = (ext for magic, ext in _MAGIC_EXT if upload.data.startswith(magic))
        # a format the folder recipe does not read (WebM) keeps its bytes under .bin
        suffix = ".m4a" if upload.data[4:8] == b"ftyp" else next(found, ".bin")
    return request_id + suffix


def keep_clip(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` atomically and durably (the audit row naming it is
    committed after this returns, so a row never names a file that is not whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = folder / f".{name}.part"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def score_as_file(detector: Detector, upload: Upload, max_seconds: float) -> Detection:
    """Score ``upload`` from a private temporary file, as ``spoofscope detect`` scores a file.

    Bytes and files do not meet the same checks in :mod:`spoofscope.audio.io`: a WAV cut short
    is refused as truncated from a file and scored from bytes, and only a file over a minute is
    scored in blocks. A file gives the service the CLI's verdicts, errors and memory bound. The
    error names the client's file, never the temporary one.

    Raises:
        AudioError: as :meth:`Detector.score` does, its *what* the client's file name.
    """
    suffix = Path(upload.filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="spoofscope-upload-") as folder:
        path = Path(folder) / ("upload" + (suffix if suffix in AUDIO_EXTS else ""))
        path.write_bytes(upload.data)
        try:
            return detector.score(path, max_seconds=max_seconds)
        except AudioError as exc:
            why = (exc.why or "").replace(str(path), upload.filename).replace(folder, "")
            raise type(exc)(upload.filename, why) from None


class Scorer:
    """Scores uploads on a :class:`ScoringPool` under the service's settings."""

    def __init__(self, pool: ScoringPool, settings: Settings, metrics: ServiceMetrics) -> None:
        self.pool = pool
        self.settings = settings
        self.metrics = metrics
        self.model = ModelRef(id=pool.spec, version=pool.version)

    def _job(
        self, request_id: str, upload: Upload
    ) -> Callable[[Detector], tuple[dict[str, Any], str | None]]:
        """The pool job scoring ``upload``: it returns the result's fields and the kept clip."""
        keep = self.settings.keep_suspicious

        def job(detector: Detector) -> tuple[dict[str, Any], str | None]:
            detection = score_as_file(detector, upload, self.settings.max_seconds)
            kept = None
            if keep is not None and detection.verdict in SUSPICIOUS:
                kept = str(keep_clip(keep, kept_name(request_id, upload), upload.data))
            return result_fields(detection), kept

        return job

    async def score(self, upload: Upload, client: str, batch_id: str | None = None) -> Outcome:
        """Score one upload; an unusable recording is an error outcome, not an exception."""
        request_id = uuid.uuid4().hex
        received = dt.datetime.now(dt.UTC)
        digest = hashlib.sha256(upload.data).hexdigest()
        start = time.perf_counter()
        base: dict[str, Any] = {
            "id": request_id,
            "batch_id": batch_id,
            "received_at": received,
            "client": client[:255],
            "filename": upload.filename,
            "sha256": digest,
            "size_bytes": len(upload.data),
            "model_id": self.model.id,
            "model_version": self.model.version,
        }
        future = asyncio.wrap_future(self.pool.submit(self._job(request_id, upload)))
        try:
            fields, kept = await asyncio.wait_for(future, self.settings.request_timeout_s)
        except AudioError as exc:
            # the reason the CLI prints, against the client's name for the file (never a path
            # of the server's: the Detector was given bytes)
            status = 422 if isinstance(exc, REFUSED) else 400
            return self._failed(base, start, status, f"{upload.filename}: {exc.why}")
        except TimeoutError:
            limit = self.settings.request_timeout_s
            return self._failed(
                base, start, 504, f"{upload.filename}: not scored within {limit:g} s"
            )
        ms = (time.perf_counter() - start) * 1000
        self.metrics.inference.observe(ms / 1000)
        self.metrics.verdicts.labels(fields["verdict"]).inc()
        record = RequestRecord(
            **base,
            status=200,
            processing_ms=ms,
            duration_s=fields["duration"],
            score=fields["score"],
            p_spoof=fields["p_spoof"],
            verdict=fields["verdict"],
            kept_path=kept,
        )
        result = ScoreResult(
            request_id=request_id,
            filename=upload.filename,
            sha256=digest,
            model=self.model,
            processing_ms=ms,
            **fields,
        )
        return Outcome(record, result=result)

    def _failed(self, base: dict[str, Any], start: float, status: int, detail: str) -> Outcome:
        ms = (time.perf_counter() - start) * 1000
        record = RequestRecord(**base, status=status, processing_ms=ms, error=detail)
        error = BatchItemError(
            request_id=base["id"], filename=base["filename"], status=status, detail=detail
        )
        return Outcome(record, error=error)
