"""Batched feature extraction of many files into a :class:`FeatureCache`.

Files are decoded one by one (decoding is the floor of the cost), grouped in batches of similar
length (sorted by size, so little padding is computed), run through the front-end as one padded
``[B, T]`` batch, and each row is cut to its valid frames and cached as ``[C, F, frames]``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
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


def load_many(
    paths: Sequence[str | os.PathLike], sample_rate: int, workers: int = 2
) -> list[np.ndarray | AudioError]:
    """Decode ``paths`` with ``spoofscope.audio.load`` on ``workers`` threads (libsndfile releases
    the GIL, so decoding overlaps); a file that fails gives its AudioError in its place."""
    from concurrent.futures import ThreadPoolExecutor

    from spoofscope.audio import io as audio_io

    def one(path: str | os.PathLike) -> np.ndarray | AudioError:
        try:
            return audio_io.load(path, sr=sample_rate)
        except AudioError as exc:
            return exc

    if workers <= 1:
        return [one(p) for p in paths]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, paths))


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
    for first in range(0, len(missing), batch_size):
        chunk, waves = [], []
        paths_here = missing[first : first + batch_size]
        for path, wave in zip(paths_here, load_many(paths_here, frontend.sample_rate), strict=True):
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
