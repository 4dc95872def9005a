"""On-disk feature cache keyed by (front-end config, audio file identity).

Layout: ``<root>/<config digest>/config.json`` plus one ``<file digest>.npy`` per audio file. The file
digest hashes the resolved path, size and ``mtime_ns``, so editing or replacing a file (or changing a
front-end parameter) makes a new key and the old entry is never read again. Writes go to a temporary
file in the same folder and are moved into place with ``os.replace`` (atomic on POSIX), so parallel
workers never read half-written arrays. When the cache grows past ``max_bytes`` the least recently
read entries are deleted (access times are set explicitly on every hit, so ``noatime`` mounts work).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.errors import AudioNotFoundError, ConfigError


def config_digest(config: dict[str, Any]) -> str:
    """Stable 16-hex digest of a JSON-able front-end config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_digest(path: str | os.PathLike) -> str:
    """24-hex digest of a file's identity: resolved path, size and modification time in ns.

    Raises:
        AudioNotFoundError: the file does not exist.
    """
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except FileNotFoundError:
        raise AudioNotFoundError(str(path), "no such file") from None
    text = f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class FeatureCache:
    """Feature arrays on disk, one folder per front-end config.

    Args:
        root: cache folder (created when missing).
        max_bytes: size cap; None means unbounded.
    """

    def __init__(self, root: str | os.PathLike, max_bytes: int | None = None) -> None:
        if max_bytes is not None and max_bytes <= 0:
            raise ConfigError("max_bytes", "must be > 0 or None")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes

    def entry_path(self, config: dict[str, Any], audio_path: str | os.PathLike) -> Path:
        """Where the features of ``audio_path`` under ``config`` live (whether or not they exist)."""
        return self.root / config_digest(config) / f"{file_digest(audio_path)}.npy"

    def get(self, config: dict[str, Any], audio_path: str | os.PathLike) -> np.ndarray | None:
        """The cached array, or None on a miss; a hit refreshes the entry's access time."""
        entry = self.entry_path(config, audio_path)
        try:
            array = np.load(entry, allow_pickle=False)
        except (FileNotFoundError, ValueError, EOFError):
            return None  # missing, or evicted / replaced between listing and reading
        now = time.time_ns()
        # evicted by another worker after we read it: the data we hold is still valid
        with contextlib.suppress(FileNotFoundError):
            os.utime(entry, ns=(now, entry.stat().st_mtime_ns))
        return array

    def put(self, config: dict[str, Any], audio_path: str | os.PathLike, array: np.ndarray) -> Path:
        """Store ``array`` atomically and evict old entries past the size cap; return its path."""
        entry = self.entry_path(config, audio_path)
        entry.parent.mkdir(parents=True, exist_ok=True)
        meta = entry.parent / "config.json"
        if not meta.exists():
            self._atomic_write(meta, lambda fh: fh.write(json.dumps(config, indent=2).encode()))
        self._atomic_write(entry, lambda fh: np.save(fh, np.ascontiguousarray(array)))
        if self.max_bytes is not None:
            self.evict(self.max_bytes)
        return entry

    def get_or_compute(
        self,
        config: dict[str, Any],
        audio_path: str | os.PathLike,
        compute: Callable[[], np.ndarray],
    ) -> np.ndarray:
        """The cached array, or ``compute()`` stored then returned."""
        cached = self.get(config, audio_path)
        if cached is not None:
            return cached
        array = compute()
        self.put(config, audio_path, array)
        return array

    def entries(self) -> list[Path]:
        """Every cached array file."""
        return list(self.root.glob("*/*.npy"))

    def size_bytes(self) -> int:
        """Total bytes of cached arrays."""
        return sum(_size(p) for p in self.entries())

    def evict(self, max_bytes: int) -> int:
        """Delete least recently read entries until the cache holds at most ``max_bytes``.

        Returns the number of entries deleted. Entries another worker deleted first are skipped.
        """
        stats = []
        for path in self.entries():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            stats.append((st.st_atime_ns, st.st_size, path))
        total = sum(size for _, size, _ in stats)
        removed = 0
        for _, size, path in sorted(stats):
            if total <= max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
            total -= size
        return removed

    @staticmethod
    def _atomic_write(target: Path, write: Callable[[Any], object]) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
