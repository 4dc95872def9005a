"""What a running service is configured with, validated before anything starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from spoofscope.errors import ConfigError


class Settings(BaseModel):
    """The service's configuration (``spoofscope serve`` options, or built in code for tests).

    Attributes:
        model: model spec (``default``, a pretrained name, a checkpoint or run directory).
        token: bearer token every API request must carry; None leaves the API open.
        max_upload_bytes: the largest request body accepted (413 above it).
        max_seconds: the longest recording scored (the CLI's ``--max-seconds``).
        workers: inference threads, each with its own model; None: one per core.
        db_url: SQLAlchemy URL of the audit database.
        keep_suspicious: folder where recordings judged ``spoof`` or ``uncertain`` are kept
            (None: no audio is ever written).
        rate_per_minute: requests a client may make per minute (0: no limit).
        burst: requests a client may make at once before the rate applies.
        request_timeout_s: seconds a recording may take to score before the request gets 504.
        max_batch_files: most files in one ``/v1/score/batch`` request.
        cors_origins: origins allowed to call the API from a browser (empty: CORS off).
        backend: what runs the model: ``torch``, or ``onnx`` (ONNX Runtime).
        audit_sync: SQLite's ``synchronous`` for the audit log: ``full`` (a returned commit
            survives power loss) or ``normal`` (it survives the server being killed, not the
            machine losing power); see :mod:`spoofscope.serving.audit` for the cost of each.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = "default"
    token: str | None = None
    max_upload_bytes: int = Field(50 * 2**20, gt=0)
    max_seconds: float = Field(600.0, gt=0)
    workers: int | None = Field(None, ge=1)
    db_url: str = "sqlite:///spoofscope-audit.db"
    keep_suspicious: Path | None = None
    rate_per_minute: float = Field(600.0, ge=0)
    burst: int = Field(20, ge=1)
    request_timeout_s: float = Field(60.0, gt=0)
    max_batch_files: int = Field(16, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    backend: str = "torch"
    audit_sync: Literal["full", "normal"] = "full"

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        from spoofscope.inference.detector import BACKENDS

        if value not in BACKENDS:
            raise ValueError(f"unknown backend {value!r}; choose one of {', '.join(BACKENDS)}")
        return value

    @field_validator("token")
    @classmethod
    def _token_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("the token is empty")
        return value.strip() if value is not None else None

    @property
    def worker_count(self) -> int:
        """Inference workers: as many as asked, else one per core this process may use."""
        if self.workers:
            return self.workers
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )


def read_token(path: Path) -> str:
    """The bearer token stored in ``path`` (its first line, surrounding blanks removed).

    Raises:
        ConfigError: the file cannot be read or holds no token.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read the token file ({exc})") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise ConfigError(str(path), "the token file is empty")
    return token
