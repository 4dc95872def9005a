"""Atomic file writes: a reader sees the old file or the finished new one, never a partial one.

Nothing here is particular to LocalSpoof; it lives in this package because only LocalSpoof's
builders write files this way today.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

#: How the temporary beside a file being written ends: ``.<name>.<pid>.part``.
TMP_SUFFIX = ".part"


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path``: readers never see a partial file.

    The temporary name ends in :data:`TMP_SUFFIX` and lives in the same folder, so the rename is
    atomic. An exception from ``write`` (a kill included) removes the temporary and is re-raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def remove_temporaries(folder: Path) -> None:
    """Delete the temporaries a killed :func:`write_atomic` left in ``folder`` (none: no-op).

    A process killed with SIGKILL runs no ``finally``, so its temporary stays behind.
    """
    for part in folder.glob(f".*{TMP_SUFFIX}"):
        part.unlink(missing_ok=True)
