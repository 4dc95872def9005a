"""Batched feature extraction of many files into a :class:`FeatureCache`.

Files are grouped in batches of similar length (sorted by size, so little padding is computed) and
decoded, then the front-end runs each batch as one padded ``[B, T]`` tensor; each row is cut to its
valid frames and cached as ``[C, F, frames]``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from spoofscope.errors import AudioError
from spoofscope.features.base import FrontEnd
from spoofscope.features.cache import FeatureCache


def pad_batch(waves: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad 1-D waveforms into ``wave: [B, T_max]`` float32 and ``lengths: [B]`` int64."""
    lengths = torch.tensor([len(w) for w in waves], dtype=torch.int64)
    batch = torch.zeros(len(waves), int(lengths.max()), dtype=torch.float32)
    for row, wave in enumerate(waves):
        batch[row, : len(wave)] = torch.from_numpy(np.asarray(wave, dtype=np.float32))
    return batch, lengths


@torch.inference_mode()
def batch_features(frontend: FrontEnd, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Features of each waveform, computed as one padded batch → ``[C, F, frames_i]`` arrays."""
    batch, lengths = pad_batch(waves)
    feats = frontend(batch, lengths)  # [B, C, F, frames]
    frames = frontend.output_lengths(lengths).tolist()
    return [feats[row, ..., :n].numpy() for row, n in enumerate(frames)]


def _load_or_error(path: str | os.PathLike, sample_rate: int) -> np.ndarray | AudioError:
    from spoofscope.audio import io as audio_io

    try:
        return audio_io.load(path, sr=sample_rate)
    except AudioError as exc:
        return exc


def decoded_batches(
    paths: Sequence[str | os.PathLike], sample_rate: int, batch_size: int = 32
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
    """What :func:`extract_to_cache` did."""

    computed: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0

    @property
    def files_per_second(self) -> float:
        done = self.computed + self.cached
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
    batch_size: int = 32,
    advance: Callable[[int], None] | None = None,
) -> ExtractReport:
    """Fill ``cache`` with the features of every file in ``paths`` not already there.

    Args:
        frontend: the front-end; its :meth:`config` keys the cache.
        paths: audio files.
        cache: where features go.
        batch_size: files per front-end call.
        advance: called with the number of files finished (cached, computed or failed).

    Returns:
        An :class:`ExtractReport`; files that cannot be decoded are listed in ``failed``, never raised.
    """
    start = time.perf_counter()
    report, config = ExtractReport(), frontend.config()
    step = advance or (lambda n: None)
    missing = []
    for path in map(str, paths):
        try:
            hit = cache.entry_path(config, path).exists()
        except AudioError as exc:
            report.failed.append((path, exc.why))
            step(1)
            continue
        if hit:
            report.cached += 1
            step(1)
        else:
            missing.append(path)
    missing.sort(key=_size)
    for paths_here, decoded in decoded_batches(missing, frontend.sample_rate, batch_size):
        chunk, waves = [], []
        for path, wave in zip(paths_here, decoded, strict=True):
            if isinstance(wave, AudioError):
                report.failed.append((path, wave.why))
                step(1)
            else:
                waves.append(wave)
                chunk.append(path)
        if not chunk:
            continue
        for path, feats in zip(chunk, batch_features(frontend, waves), strict=True):
            cache.put(config, Path(path), feats)
        report.computed += len(chunk)
        step(len(chunk))
    report.seconds = time.perf_counter() - start
    return report
