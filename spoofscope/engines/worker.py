"""What runs inside an engine's worker process: its thread count, its initializer, each task.

Both engines start a worker the same way: :func:`prepare` sets the thread variables of OpenMP,
MKL and OpenBLAS and torch's intra-op thread count, then calls the caller's initializer. The
initializer and its arguments arrive pickled, as bytes, and are unpickled only after the
variables are set, because unpickling a function imports its module and that may import torch,
which reads ``OMP_NUM_THREADS`` once, at import. Each task then runs through :func:`run_task`,
which returns an error as a value, so it crosses the process boundary as the same class.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from typing import Any

#: thread-count variables of the numeric libraries torch and numpy may load
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

#: in a worker: the setup it was prepared with (its digest) and the initializer's error, if any
_state: dict[str, Any] = {"setup": None, "init_error": None}


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def worker_count(workers: int | None, threads_per_worker: int, cores: int | None = None) -> int:
    """``workers``, or for None as many as fill the cores at ``threads_per_worker`` each."""
    if workers is not None:
        return workers
    return max(1, (cores or usable_cores()) // threads_per_worker)


def pack_setup(initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> bytes:
    """The initializer and its arguments as the bytes :func:`prepare` takes."""
    return pickle.dumps((initializer, tuple(initargs)))


def prepare(threads: int, setup: bytes) -> None:
    """Set this process's thread counts, then run the packed initializer once.

    An error of the initializer is kept, not raised: a pool whose initializer raises breaks as a
    whole, with no word of why, whereas kept here it becomes the outcome of every task, as itself.
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)
    _state["setup"] = hashlib.sha256(setup).hexdigest()
    _state["init_error"] = None
    try:
        initializer, initargs = pickle.loads(setup)
        if initializer is not None:
            initializer(*initargs)
    except Exception as exc:
        _state["init_error"] = _sendable(exc)


def run_task(fn: Callable[[Any], Any], task: Any) -> tuple[bool, Any]:
    """``(True, fn(task))``, or ``(False, error)`` for the error it (or the initializer) raised."""
    if _state["init_error"] is not None:
        return False, _state["init_error"]
    try:
        return True, fn(task)
    except Exception as exc:
        return False, _sendable(exc)


def run_prepared(
    threads: int, setup: bytes, fn: Callable[[Any], Any], task: Any
) -> tuple[bool, Any]:
    """:func:`run_task` in a process that may not be prepared yet, or prepared for another run.

    Ray reuses its worker processes across tasks and across runs, so the first task of a run in
    a process prepares it, and a task of another run (another setup) prepares it again.
    """
    if _state["setup"] != hashlib.sha256(setup).hexdigest():
        prepare(threads, setup)
    return run_task(fn, task)


def _sendable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (every spoofscope error does), else a RuntimeError that
    names its class and message, so one odd exception cannot break the engine's channel."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}")
    return exc
