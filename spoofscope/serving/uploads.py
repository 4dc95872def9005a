"""Reading recordings out of a request: a multipart form's files, or the raw body.

The body has already been limited in size by :class:`~spoofscope.serving.limits.BodyLimit`;
a multipart file past Starlette's 1 MB in-memory threshold is spooled to a temporary file while
it streams in, so the limit, not the upload, bounds memory until the recording is decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

#: raw-body media types taken as audio (besides ``audio/*``); no type at all counts as octet-stream
RAW_TYPES = ("application/octet-stream",)
MULTIPART = "multipart/form-data"
#: the form fields a recording may come in
FILE_FIELDS = ("file", "files")
#: what an upload without a name (a raw body) is called in results and errors
DEFAULT_NAME = "upload"


@dataclass(frozen=True)
class Upload:
    """One recording from a request: the name the client gave it and its bytes."""

    filename: str
    data: bytes


def safe_name(name: str | None) -> str:
    """The client's file name without any folder, control character or excess length: it goes
    into responses, error lines and the audit log, and must never look like a server path."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or DEFAULT_NAME


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported(kind: str, allowed: str) -> HTTPException:
    shown = kind or "none"
    return HTTPException(415, f"content type {shown}: not accepted here; send {allowed}")


async def read_uploads(request: Request, *, raw_allowed: bool, max_files: int) -> list[Upload]:
    """The recordings a request carries.

    Raises:
        HTTPException: 415 for a media type that is neither multipart nor (where allowed) audio;
            422 for a form without a file, or with more than ``max_files``.
    """
    kind = media_type(request)
    if kind == MULTIPART:
        return await _form_uploads(request, max_files)
    if raw_allowed and (not kind or kind in RAW_TYPES or kind.startswith("audio/")):
        name = request.query_params.get("filename") or request.headers.get("x-filename")
        return [Upload(safe_name(name), await request.body())]
    allowed = f"{MULTIPART}, audio/* or application/octet-stream" if raw_allowed else MULTIPART
    raise unsupported(kind, allowed)


async def _form_uploads(request: Request, max_files: int) -> list[Upload]:
    form = await request.form(max_files=max_files + 1, max_fields=max_files + 8)
    try:
        files = [
            item
            for field in FILE_FIELDS
            for item in form.getlist(field)
            if isinstance(item, UploadFile)
        ]
        if not files:
            raise HTTPException(422, "form: no file; send the recording in a field named 'file'")
        if len(files) > max_files:
            raise HTTPException(422, f"form: {len(files)} files; at most {max_files} per request")
        return [Upload(safe_name(f.filename), await f.read()) for f in files]
    finally:
        await form.close()
