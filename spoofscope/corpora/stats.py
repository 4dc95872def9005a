"""Per-split statistics of a manifest, and audio durations read from headers (cached, in parallel)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import soundfile as sf

from spoofscope.corpora.manifest import BONAFIDE, SPOOF, Manifest

CACHE_FILE = "durations.json"


def split_stats(manifest: Manifest) -> dict[str, Any]:
    """``{"splits": {split: {"bonafide", "spoof", "speakers", "attacks": {id: n}}}}``.

    ``speakers`` counts distinct speaker ids ("-" counts as one); ``attacks`` counts spoofed
    utterances per attack id, sorted by id.
    """
    splits: dict[str, Any] = {}
    for split in manifest.splits():
        part = manifest.filter(split=split)
        keys = Counter(u.key for u in part)
        splits[split] = {
            BONAFIDE: keys.get(BONAFIDE, 0),
            SPOOF: keys.get(SPOOF, 0),
            "speakers": len({u.speaker for u in part}),
            "attacks": part.attacks(),
        }
    return {"splits": splits}


def cache_dir() -> Path:
    """``$SPOOFSCOPE_CACHE`` if set, else ``~/.cache/spoofscope``."""
    env = os.environ.get("SPOOFSCOPE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "spoofscope"


def _stamp(path: str) -> str:
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"


def _header_duration(path: str) -> float | None:
    try:
        meta = sf.info(path)
    except (RuntimeError, OSError, sf.LibsndfileError):
        return None  # unreadable header: reported as a failure, never a crash
    return meta.frames / meta.samplerate if meta.samplerate else None


def durations(
    paths: list[str],
    *,
    workers: int = 8,
    cache: Path | None = None,
    on_done: Callable[[int], None] | None = None,
) -> tuple[dict[str, float], list[str]]:
    """Durations in seconds from audio headers, read in a thread pool and cached.

    Args:
        paths: audio files.
        workers: threads reading headers (libsndfile releases the GIL).
        cache: JSON file mapping path → [size:mtime stamp, seconds]; entries whose file changed are
            read again. None uses ``cache_dir()/durations.json``.
        on_done: called with the number of files finished since the last call (progress bars).

    Returns:
        (path → seconds for readable files, paths whose header could not be read or that are gone).
    """
    cache = cache or cache_dir() / CACHE_FILE
    try:
        stored: dict[str, list] = json.loads(cache.read_text()) if cache.is_file() else {}
    except (OSError, json.JSONDecodeError):
        stored = {}  # a damaged cache is rebuilt, not trusted
    result: dict[str, float] = {}
    failed: list[str] = []
    todo: list[tuple[str, str]] = []
    for path in paths:
        try:
            stamp = _stamp(path)
        except OSError:
            failed.append(path)
            continue
        hit = stored.get(path)
        if hit and hit[0] == stamp:
            result[path] = float(hit[1])
        else:
            todo.append((path, stamp))
    if on_done and len(result):
        on_done(len(result))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for (path, stamp), seconds in zip(
            todo, pool.map(_header_duration, (p for p, _ in todo)), strict=True
        ):
            if seconds is None:
                failed.append(path)
            else:
                result[path] = seconds
                stored[path] = [stamp, seconds]
            if on_done:
                on_done(1)
    if todo:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored))
        tmp.replace(cache)  # atomic, so a concurrent reader never sees half a file
    return result, failed


def add_durations(stats: dict[str, Any], manifest: Manifest, seconds: dict[str, float]) -> None:
    """Add ``duration_total_s`` and ``duration_mean_s`` (over readable files) to each split."""
    for split, entry in stats["splits"].items():
        values = [seconds[u.path] for u in manifest.filter(split=split) if u.path in seconds]
        entry["duration_total_s"] = round(sum(values), 3)
        entry["duration_mean_s"] = round(sum(values) / len(values), 3) if values else 0.0
