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
from functools import partial
from pathlib import Path
from typing import TypeVar

from spoofscope.inference.detector import Detector
from spoofscope.inference.resolve import ONNX_SUFFIX, checkpoint_dir
from spoofscope.models.card import ModelCard

T = TypeVar("T")


def model_version(spec: str, backend: str = "torch") -> str:
    """First 16 hex digits of a SHA-256 of what scores: a checkpoint's weights and card (and the
    backend, when it is not torch: ONNX Runtime's scores differ from torch's by ~1e-6), or an
    exported ``.onnx`` file. Two servers give the same version exactly when they score alike.

    Raises:
        CheckpointError: the spec names no checkpoint.
    """
    digest = hashlib.sha256()
    if str(spec).lower().endswith(ONNX_SUFFIX) and Path(spec).is_file():
        files = [Path(spec)]
    else:
        directory = checkpoint_dir(spec)
        files = [directory / name for name in ("model.safetensors", "card.json")]
        if backend != "torch":
            digest.update(backend.encode())
    for path in files:
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


def worker_spec(spec: str, backend: str) -> str:
    """The spec each worker loads. torch's ONNX exporter keeps global state (two exports at once
    in one process fail: "GLOBALS.in_onnx_export must be True"), so for the ``onnx`` backend a
    torch checkpoint is exported once, here, into the cache (``$SPOOFSCOPE_CACHE/onnx``, keyed by
    a hash of the weights: a restart reuses it), and every worker loads that graph.

    Raises:
        CheckpointError: the spec names nothing loadable; ExportError: it does not export.
    """
    if backend != "onnx" or str(spec).lower().endswith(ONNX_SUFFIX):
        return spec
    from spoofscope.corpora.stats import cache_dir
    from spoofscope.inference.onnx_model import as_onnx
    from spoofscope.inference.resolve import load_model

    model, card = load_model(spec)
    return str(as_onnx(model, card, cache_dir=cache_dir() / "onnx").path)


def _loaded(spec: str, backend: str) -> Detector:
    detector = Detector.load(spec, backend=backend)
    _warm_up(detector)
    return detector


class ScoringPool:
    """``workers`` threads and as many loaded Detectors; a job borrows whichever is free.

    Args:
        spec: model spec for :meth:`Detector.load`.
        workers: threads (and model copies).
        backend: ``torch``, or ``onnx`` (ONNX Runtime, one intra-op thread per session; a torch
            checkpoint is exported first, see :func:`worker_spec`).

    Raises:
        CheckpointError: the model cannot be loaded; ExportError: it does not export to ONNX;
        ConfigError: an unknown backend.
    """

    def __init__(self, spec: str, workers: int, backend: str = "torch") -> None:
        import torch

        torch.set_num_threads(1)
        self.spec = spec
        self.workers = workers
        self.backend = backend
        self.version = model_version(spec, backend)
        self._free: queue.SimpleQueue[Detector] = queue.SimpleQueue()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="spoofscope-score")
        try:
            load = partial(_loaded, backend=backend)
            self.detectors = list(self._executor.map(load, [worker_spec(spec, backend)] * workers))
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
