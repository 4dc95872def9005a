"""Inference off the event loop: a pool of threads, each scoring with its own copy of the model.

Threads rather than processes because the work is torch and numpy, which release the GIL, and
a thread hands the upload's bytes to the model without copying or pickling them; every thread
runs torch single-threaded (``torch.set_num_threads(1)``), so N workers use N cores and do not
fight over an intra-op pool. ``benchmarks/service.py`` measured both (its docstring has the
figures). Each worker thread loads its own copy, all at once: the registries' discovery is
thread-safe (:meth:`spoofscope.registry.Registry._load`), so start-up takes one load, not N.
"""

from __future__ import annotations

import hashlib
import queue
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from spoofscope.inference.detector import Detector
from spoofscope.inference.resolve import checkpoint_dir
from spoofscope.models.card import ModelCard

T = TypeVar("T")


def model_version(spec: str) -> str:
    """First 16 hex digits of the SHA-256 of a checkpoint's weights and card: two servers give
    the same version exactly when they score with the same model."""
    digest = hashlib.sha256()
    directory = checkpoint_dir(spec)
    for name in ("model.safetensors", "card.json"):
        path = directory / name
        if path.is_file():
            with path.open("rb") as fh:
                digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()[:16]


def _warm_up(detector: Detector) -> None:
    """Score one crop of quiet noise: torch's first call on a model takes ~10x a later one
    (allocator, kernel selection), and that cost belongs to start-up, not to a client."""
    import numpy as np

    noise = np.random.default_rng(0).standard_normal(detector.crop).astype(np.float32) * 0.01
    detector.score(noise, detector.sample_rate)


def _loaded(spec: str) -> Detector:
    detector = Detector.load(spec)
    _warm_up(detector)
    return detector


class ScoringPool:
    """``workers`` threads and as many loaded Detectors; a job borrows whichever is free.

    Args:
        spec: model spec for :meth:`Detector.load`.
        workers: threads (and model copies).

    Raises:
        CheckpointError: the model cannot be loaded.
    """

    def __init__(self, spec: str, workers: int) -> None:
        import torch

        torch.set_num_threads(1)
        self.spec = spec
        self.workers = workers
        self.version = model_version(spec)
        self._free: queue.SimpleQueue[Detector] = queue.SimpleQueue()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="spoofscope-score")
        try:
            self.detectors = list(self._executor.map(_loaded, [spec] * workers))
        except BaseException:
            self._executor.shutdown(wait=True, cancel_futures=True)
            raise
        for detector in self.detectors:
            self._free.put(detector)

    @property
    def card(self) -> ModelCard:
        """The loaded model's card."""
        return self.detectors[0].card

    @property
    def detector(self) -> Detector:
        """A copy to read thresholds and calibration from (never to score with: it may be busy)."""
        return self.detectors[0]

    def submit(self, job: Callable[[Detector], T]) -> Future[T]:
        """Run ``job(detector)`` on a worker with a free copy of the model."""

        def run() -> T:
            detector = self._free.get()
            try:
                return job(detector)
            finally:
                self._free.put(detector)

        return self._executor.submit(run)

    def close(self) -> None:
        """Finish running jobs and stop the threads."""
        self._executor.shutdown(wait=True, cancel_futures=True)
