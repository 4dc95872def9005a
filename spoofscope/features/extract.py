"""Batched feature extraction of many files into a :class:`FeatureCache`.

Files are grouped in batches of similar length (sorted by size, so little padding is computed) and
decoded, then the front-end runs each batch as one padded ``[B, T]`` tensor; each row is cut to its
valid frames and cached as ``[C, F, frames]``: the front-end's output before its
:meth:`~spoofscope.features.base.FrontEnd.after_cache` steps, keyed by its
:meth:`~spoofscope.features.base.FrontEnd.cache_config`. The batches are the same whatever is
cached already, so an interrupted extraction, run again, ends with the cache an uninterrupted one
writes. A front-end whose rows depend on their batch-mates (``cache_refusal``) is refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spoofscope.errors import AudioError, ConfigError
from spoofscope.features.base import FrontEnd
from spoofscope.features.cache import EntryState, FeatureCache


def pad_batch(waves: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad 1-D waveforms into ``wave: [B, T_max]`` float32 and ``lengths: [B]`` int64."""
    lengths = torch.tensor([len(w) for w in waves], dtype=torch.int64)
    batch = torch.zeros(len(waves), int(lengths.max()), dtype=torch.float32)
    for row, wave in enumerate(waves):
        batch[row, : len(wave)] = torch.from_numpy(np.asarray(wave, dtype=np.float32))
    return batch, lengths


#: Files per front-end call. Small batches keep a batch's buffers in cache and out of fresh
#: pages: one thread, 4 s files, MFCC computed 0.51 ms per file at batches of 1-4 and 2.1 ms at
#: 64, where page faults dominate (a quiet machine). ``benchmarks/features.py`` prints the sweep;
#: on the loaded 2-core machine (December 2026) it was flat within its noise, 5.3-7.7 ms per file
#: at every size from 1 to 64, so it neither confirmed nor contradicted 4.
EXTRACT_BATCH = 4


def require_cacheable(frontend: FrontEnd) -> None:
    """Refuse a front-end whose cached entries would depend on batch-mates.

    Raises:
        ConfigError: ``frontend.cache_refusal()`` gives a reason.
    """
    why = frontend.cache_refusal()
    if why is not None:
        raise ConfigError(f"front-end '{frontend.name}'", f"cannot be cached: {why}")


@torch.inference_mode()
def batch_features(frontend: FrontEnd, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
    """What the cache stores for each waveform (:meth:`FrontEnd.cached`), computed as one padded
    batch → ``[C, F, frames_i]`` arrays."""
    batch, lengths = pad_batch(waves)
    feats = frontend.cached(batch, lengths)  # [B, C, F, frames]
    frames = frontend.output_lengths(lengths).tolist()
    return [feats[row, ..., :n].numpy() for row, n in enumerate(frames)]


def _load_or_error(path: str | os.PathLike, sample_rate: int) -> np.ndarray | AudioError:
    from spoofscope.audio import io as audio_io

    try:
        return audio_io.load(path, sr=sample_rate)
    except AudioError as exc:
        return exc


def decoded_batches(
    paths: Sequence[str | os.PathLike], sample_rate: int, batch_size: int = EXTRACT_BATCH
) -> Iterator[tuple[list[str | os.PathLike], list[np.ndarray | AudioError]]]:
    """Yield ``(paths, decoded)`` batch by batch; a file that fails gives its AudioError in its
    place.

    Decoding runs in the caller's thread on purpose. On the 2-core machines this project is
    measured on, decoding on threads while the front-end runs (one batch ahead, or the batch
    split over two threads) was slower end to end than decoding then computing: torch's OpenMP
    threads and the decoding threads compete for the same cores (``benchmarks/features.py``,
    MFCC: 1,525 files/s inline against 1,192 one batch ahead and 1,249 with a single decoding
    thread).
    """
    for first in range(0, len(paths), batch_size):
        chunk = list(paths[first : first + batch_size])
        yield chunk, [_load_or_error(path, sample_rate) for path in chunk]


@dataclass
class ExtractReport:
    """What :func:`extract_to_cache` did, counted in files (every file lands in one count)."""

    computed: int = 0
    cached: int = 0  # its entry was there, complete and verified
    duplicates: int = 0  # same bytes as a file listed before it: that file's entry serves it
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    damaged: int = 0  # of the computed: entries found truncated or damaged and written again
    seconds: float = 0.0

    @property
    def files_per_second(self) -> float:
        done = self.computed + self.cached + self.duplicates
        return done / self.seconds if self.seconds > 0 else 0.0


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def extract_to_cache(
    frontend: FrontEnd,
    paths: Iterable[str | os.PathLike],
    cache: FeatureCache,
    batch_size: int = EXTRACT_BATCH,
    advance: Callable[[int], None] | None = None,
) -> ExtractReport:
    """Fill ``cache`` with the features of every file in ``paths`` not already there.

    Batches are cut from every file's entry, cached or not, in one order (by size, then as
    listed), and a batch holding a missing entry is computed with all of its files. A file's
    batch-mates are so the same whatever an earlier run left, and a run that was interrupted,
    then resumed, leaves the cache byte for byte as one uninterrupted run does, even where a
    batched transform rounds a row's last bits by the shape of its batch. Computing those
    batch-mates again costs at most one batch per interruption.

    Args:
        frontend: the front-end; its :meth:`cache_config` keys the cache.
        paths: audio files.
        cache: where features go.
        batch_size: files per front-end call.
        advance: called with the number of files finished (cached, computed or failed).

    Returns:
        An :class:`ExtractReport`; files that cannot be read or decoded are listed in
        ``failed``, never raised.

    Raises:
        ConfigError: the front-end's features cannot be cached (:func:`require_cacheable`).
    """
    require_cacheable(frontend)
    start = time.perf_counter()
    report, config = ExtractReport(), frontend.cache_config()
    step = advance or (lambda n: None)
    cache.remove_stale_temps()
    sharing: dict[Path, list[str]] = {}  # entry -> the files keyed to it, as listed
    for path in map(str, paths):
        try:
            entry = cache.entry_path(config, path)
        except AudioError as exc:
            report.failed.append((path, exc.why))
            step(1)
            continue
        sharing.setdefault(entry, []).append(path)
    entries = sorted(sharing, key=lambda entry: _size(sharing[entry][0]))
    for first in range(0, len(entries), batch_size):
        batch = {entry: sharing[entry] for entry in entries[first : first + batch_size]}
        _fill_batch(frontend, cache, config, batch, report, step)
    report.seconds = time.perf_counter() - start
    return report


def _fill_batch(
    frontend: FrontEnd,
    cache: FeatureCache,
    config: dict[str, Any],
    batch: dict[Path, list[str]],
    report: ExtractReport,
    step: Callable[[int], None],
) -> None:
    """Write the missing or damaged entries of one batch (entry -> its files), computed in one
    front-end call with every decodable file of the batch."""
    states = {entry: cache.state(entry) for entry in batch}
    waves: dict[Path, np.ndarray] = {}

    def decode(entry: Path) -> None:
        wave = _load_or_error(batch[entry][0], frontend.sample_rate)
        if isinstance(wave, AudioError):
            report.failed.extend((path, wave.why) for path in batch[entry])
            step(len(batch[entry]))
        else:
            waves[entry] = wave

    def served(entry: Path, computed: bool) -> None:
        report.computed += computed
        report.cached += not computed
        report.duplicates += len(batch[entry]) - 1
        step(len(batch[entry]))

    missing = [entry for entry in batch if states[entry] is not EntryState.VALID]
    present = [entry for entry in batch if states[entry] is EntryState.VALID]
    for entry in missing:  # first, so a batch whose only missing files fail computes nothing
        decode(entry)
    if not waves:
        for entry in present:
            served(entry, computed=False)
        return
    for entry in present:
        decode(entry)  # a batch-mate only: its entry is already there
    rows = [entry for entry in batch if entry in waves]  # [B] in batch order
    for entry, feats in zip(rows, batch_features(frontend, [waves[e] for e in rows]), strict=True):
        if states[entry] is EntryState.VALID:
            served(entry, computed=False)
            continue
        cache.write_entry(entry, config, feats)
        report.damaged += states[entry] is EntryState.DAMAGED
        served(entry, computed=True)
