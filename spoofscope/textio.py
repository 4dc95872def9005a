"""The one way spoofscope reads a text file: UTF-8, without a byte-order mark, errors that say where.

Protocols, score files, manifests and recipes are all UTF-8. Two things go wrong with files made by
other tools, and both are handled here so no reader handles them differently:

* a UTF-8 byte-order mark (Notepad, Excel's "CSV UTF-8") is dropped; left in, it becomes part of
  the first id or header cell (a phantom speaker ``\\ufeffLA_0079``, a header without ``utt_id``);
* bytes that are not UTF-8 (a Latin-1 protocol) raise :class:`~spoofscope.errors.TextDecodeError`
  naming the file, the line and the byte offset, instead of a UnicodeDecodeError that names neither.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import TextIO

from spoofscope.errors import TextDecodeError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_text(path: str | PathLike[str]) -> str:
    """The whole text of ``path``, a leading byte-order mark removed.

    Raises:
        TextDecodeError: a byte is not UTF-8 (names its line and offset).
        OSError: the file cannot be read (callers check existence and name it their own way).
    """
    return _decode(path, Path(path).read_bytes())


@contextlib.contextmanager
def open_text(path: str | PathLike[str], newline: str | None = None) -> Iterator[TextIO]:
    """Open ``path`` for reading line by line, a leading byte-order mark removed.

    Args:
        path: the file.
        newline: as for :func:`open`; ``""`` for the :mod:`csv` reader.

    Yields:
        The open text file; a decoding failure while the ``with`` body reads it becomes a
        TextDecodeError.

    Raises:
        TextDecodeError: a byte is not UTF-8 (names its line and offset).
        OSError: the file cannot be opened.
    """
    # "utf-8-sig" drops the mark only where it opens the file, and streams: a protocol of a million
    # lines is never held in memory twice.
    with open(path, encoding="utf-8-sig", newline=newline) as f:
        try:
            yield f
        except UnicodeDecodeError:
            # The decoder's offsets are relative to the chunk it was given, so find the byte again.
            _decode(path, Path(path).read_bytes())
            raise  # the file is valid UTF-8: the body decoded something else


def _decode(path: str | PathLike[str], data: bytes) -> str:
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(path, data, bom + exc.start) from None


def _decode_error(path: str | PathLike[str], data: bytes, offset: int) -> TextDecodeError:
    line = data.count(b"\n", 0, offset) + 1
    if data.startswith(_UTF16_BOMS):
        why = "the file is UTF-16, not UTF-8; save it as UTF-8"
    else:
        why = f"byte 0x{data[offset]:02x} at offset {offset} is not UTF-8; save the file as UTF-8"
    return TextDecodeError(path, line, why, offset=offset)
