"""On-disk feature cache keyed by (front-end config, audio content).

Layout: ``<root>/<config digest>/config.json`` plus one ``<file digest>.npy`` per audio content.

The file digest hashes the audio file's bytes, so a file replaced by other samples is never served
its old features, even with the same size and modification time (``cp -p``, ``rsync -t``, a tar
extract). A file of at most ``2 * HASH_BLOCK`` bytes (every 4 s 16 kHz FLAC or 16-bit WAV) is
hashed whole and keyed by its bytes alone: a copy, a moved corpus or a ``touch`` finds its entry.
A larger file is keyed by its resolved path, size, ``mtime_ns`` and its first and last
``HASH_BLOCK`` bytes; a change between those ends that keeps the size and the modification time
goes unseen in a WAV, but not in a FLAC written by libFLAC, whose first bytes carry the MD5 of all
its decoded samples. ``benchmarks/cache_key.py`` measures what the key costs.

An entry is the ``.npy`` bytes followed by their SHA-256 (:data:`CHECK_BYTES` bytes), checked on
every read, so a truncated or damaged entry (a copy cut short, a full disk, a crash that left
zeros) is a miss and is computed again, never served. Writes go to a temporary file in the same
folder and are moved into place with ``os.replace`` (atomic on POSIX), so parallel workers never
read half-written arrays. Nothing is fsync'ed: a power cut that loses the data of a renamed entry
leaves a damaged entry, which the checksum catches. When the cache grows past ``max_bytes`` the
least recently read entries are deleted (access times are set explicitly on every hit, so
``noatime`` mounts work).
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import io
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.errors import AudioError, AudioIsDirectoryError, AudioNotFoundError, ConfigError

#: Bytes hashed at each end of a file; files up to twice this are hashed whole. 64 KiB is the
#: smallest block that hashes a whole 4 s 16 kHz file (16-bit WAV 128,044 B, FLAC less): there
#: the key costs 2.5-3x the stat-only key and 2-4.5 % of decoding and MFCC. A larger block buys
#: nothing there and costs more on long files: for a 10-minute FLAC, 1.3x the stat key at 64 KiB,
#: 2.9-3.3x at 256 KiB (medians of two runs of ``benchmarks/cache_key.py`` on the loaded 2-core
#: machine, December 2026).
HASH_BLOCK = 64 * 1024

#: Bytes of the SHA-256 that ends every entry.
CHECK_BYTES = 32

#: Starts every hashed key; a change of what keys hash changes it, so old entries are never read.
KEY_FORMAT = b"spoofscope feature key 2\0"

#: Temporary files older than this are left by a killed writer (a write takes milliseconds).
STALE_TEMP_SECONDS = 3600.0

_TEMP_SUFFIX = ".tmp"


class EntryState(enum.Enum):
    """What :meth:`FeatureCache.state` found at an entry's path."""

    VALID = "valid"
    MISSING = "missing"
    DAMAGED = "damaged"  # truncated, or its bytes do not match the checksum it ends with


def config_digest(config: dict[str, Any]) -> str:
    """Stable 16-hex digest of a JSON-able front-end config (key order does not matter)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_digest(path: str | os.PathLike, block: int = HASH_BLOCK) -> str:
    """24-hex digest of an audio file's content, the same in every process.

    Args:
        path: the audio file.
        block: bytes hashed at each end of a file larger than ``2 * block``; a smaller file is
            hashed whole and its digest depends on its bytes only. A larger one's also hashes its
            resolved path, size and ``mtime_ns``, which catch most edits between the ends.

    Raises:
        AudioNotFoundError: the file does not exist.
        AudioIsDirectoryError: the path is a folder.
        AudioError: the file cannot be read (permissions, I/O error).
    """
    # SHA-256 rather than BLAKE2b: with the SHA extensions of current x86 CPUs it hashes about
    # twice as fast (``benchmarks/cache_key.py`` prints both).
    digest = hashlib.sha256(KEY_FORMAT)
    try:
        with open(path, "rb") as fh:
            # size and time from the open handle, so they belong to the bytes read next
            stat = os.fstat(fh.fileno())
            if stat.st_size <= 2 * block:
                data = fh.read()
                digest.update(b"whole\0%d\0" % len(data))
                digest.update(data)
            else:
                where = f"{Path(path).resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0"
                digest.update(b"ends\0" + where.encode("utf-8", "surrogateescape"))
                digest.update(fh.read(block))
                fh.seek(-block, os.SEEK_END)
                digest.update(fh.read(block))
    except FileNotFoundError:
        raise AudioNotFoundError(str(path), "no such file") from None
    except IsADirectoryError:
        raise AudioIsDirectoryError(str(path), "is a directory, not an audio file") from None
    except OSError as exc:
        raise AudioError(str(path), f"cannot be read: {exc.strerror or exc}") from None
    return digest.hexdigest()[:24]


class FeatureCache:
    """Feature arrays on disk, one folder per front-end config.

    Args:
        root: cache folder (created when missing).
        max_bytes: size cap; None means unbounded.

    Raises:
        ConfigError: ``max_bytes`` is not positive.
    """

    def __init__(self, root: str | os.PathLike, max_bytes: int | None = None) -> None:
        if max_bytes is not None and max_bytes <= 0:
            raise ConfigError("max_bytes", "must be > 0 or None")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes

    def entry_path(self, config: dict[str, Any], audio_path: str | os.PathLike) -> Path:
        """Where the features of ``audio_path`` under ``config`` live (whether or not they exist).

        Raises:
            AudioError: the audio file cannot be read to key it (see :func:`file_digest`).
        """
        return self.root / config_digest(config) / f"{file_digest(audio_path)}.npy"

    def get(self, config: dict[str, Any], audio_path: str | os.PathLike) -> np.ndarray | None:
        """The cached array, or None on a miss (a damaged entry is a miss); a hit refreshes the
        entry's access time.

        Raises:
            AudioError: the audio file cannot be read to key it.
        """
        return self.read_entry(self.entry_path(config, audio_path))

    def read_entry(self, entry: Path) -> np.ndarray | None:
        """The array stored at ``entry`` (a path from :meth:`entry_path`), or None when it is
        missing or damaged; a hit refreshes the entry's access time."""
        state, payload = self._verified(entry)
        if state is not EntryState.VALID:
            return None
        array = np.load(io.BytesIO(payload), allow_pickle=False)
        now = time.time_ns()
        # evicted by another worker after we read it: the data we hold is still valid
        with contextlib.suppress(FileNotFoundError):
            os.utime(entry, ns=(now, entry.stat().st_mtime_ns))
        return array

    def state(self, entry: Path) -> EntryState:
        """Whether ``entry`` holds a complete array, checksum verified, without loading it."""
        return self._verified(entry)[0]

    def put(self, config: dict[str, Any], audio_path: str | os.PathLike, array: np.ndarray) -> Path:
        """Store ``array`` atomically and evict old entries past the size cap; return its path.

        Raises:
            AudioError: the audio file cannot be read to key it.
        """
        return self.write_entry(self.entry_path(config, audio_path), config, array)

    def write_entry(self, entry: Path, config: dict[str, Any], array: np.ndarray) -> Path:
        """Store ``array`` at ``entry`` (a path :meth:`entry_path` gave for ``config``)
        atomically, then evict old entries past the size cap; return ``entry``."""
        entry.parent.mkdir(parents=True, exist_ok=True)
        meta = entry.parent / "config.json"
        if not meta.exists():
            self._atomic_write(meta, json.dumps(config, indent=2).encode())
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        payload = buffer.getvalue()
        self._atomic_write(entry, payload + hashlib.sha256(payload).digest())
        if self.max_bytes is not None:
            self.evict(self.max_bytes)
        return entry

    def get_or_compute(
        self,
        config: dict[str, Any],
        audio_path: str | os.PathLike,
        compute: Callable[[], np.ndarray],
    ) -> np.ndarray:
        """The cached array, or ``compute()`` stored then returned.

        Raises:
            AudioError: the audio file cannot be read to key it.
        """
        entry = self.entry_path(config, audio_path)
        cached = self.read_entry(entry)
        if cached is not None:
            return cached
        array = compute()
        self.write_entry(entry, config, array)
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

    def remove_stale_temps(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Delete temporary files a killed writer left, once older than ``older_than`` seconds
        (younger ones may belong to a worker writing now); return how many were deleted.

        They are never read as entries (their names do not end in ``.npy``), but they hold disk
        space the size cap does not count.
        """
        limit = time.time() - older_than
        removed = 0
        for path in self.root.glob(f"*/.*{_TEMP_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
        return removed

    @staticmethod
    def _verified(entry: Path) -> tuple[EntryState, bytes]:
        """``(state, .npy bytes)`` of ``entry``; the bytes are empty unless it is valid."""
        try:
            data = entry.read_bytes()
        except FileNotFoundError:
            return EntryState.MISSING, b""  # never written, or evicted
        payload, check = data[:-CHECK_BYTES], data[-CHECK_BYTES:]
        if len(data) <= CHECK_BYTES or hashlib.sha256(payload).digest() != check:
            return EntryState.DAMAGED, b""
        return EntryState.VALID, payload

    @staticmethod
    def _atomic_write(target: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=_TEMP_SUFFIX
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
