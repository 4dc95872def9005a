"""Engines: run one function over many tasks and get each result as it completes.

Scoring a folder (``spoofscope score``) and running a study sweep both come down to calling a
picklable function on many picklable tasks. An engine does that on this machine's cores
(``local``, a process pool) or on a Ray cluster (``ray``), behind one interface::

    from spoofscope.engines import Resources, get_engine

    engine = get_engine("local", workers=None, threads_per_worker=1,
                        initializer=load_model, initargs=("default",))
    with engine:
        for index, outcome in engine.map_unordered(score_one, paths, resources=Resources(cpus=1)):
            ...  # index: the task's position in `paths`; outcome: the result or the raised error

An error raised by the function (or by the initializer) is not raised by ``map_unordered``: it
comes back as the outcome of that task, as the same class (spoofscope errors survive pickling),
so a caller decides per task whether it is a bad item or a reason to stop. Failures of the
engine itself (a worker killed, a cluster gone) are raised.

**Threads per process.** Each worker runs ``threads_per_worker`` torch/OpenMP/MKL threads and an
engine started with ``workers=None`` runs ``cores // threads_per_worker`` workers, so workers ×
threads = cores and nothing is oversubscribed. Scoring uses one thread per process: measured
on the two-core development machines, two torch threads per process on two busy cores ran the
models 3-7x slower than one, because the threads of each process wait for each other at every
operator while another process holds the other core. Processes, not threads, fill the cores.

The package's ``__init__`` holds the interface and the registry and imports no engine module
(the registry imports them on first lookup); Ray is imported only inside the ``ray`` engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from spoofscope.registry import Registry


@dataclass(frozen=True)
class Resources:
    """What one task needs: CPU cores and GPUs (fractions allowed where the engine shares them).

    The local engine sizes its pool by ``workers`` and ignores the request beyond checking it;
    the Ray engine passes it as each task's ``num_cpus`` / ``num_gpus``.
    """

    cpus: float = 1
    gpus: float = 0

    def __post_init__(self) -> None:
        from spoofscope.errors import ConfigError

        if self.cpus < 0 or self.gpus < 0:
            raise ConfigError("resources", f"cpus and gpus must be >= 0, got {self}")


class Engine(Protocol):
    """Runs ``fn`` over tasks in worker processes; a context manager that owns its workers."""

    workers: int
    threads_per_worker: int

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...

    def map_unordered(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable[Any],
        resources: Resources = Resources(),
    ) -> Iterator[tuple[int, Any]]:
        """``(index, outcome)`` for every task, in completion order; ``outcome`` is ``fn(task)``
        or the exception it raised. ``fn`` and the tasks must be picklable."""
        ...


#: engine name → its class, called as ``cls(workers=..., address=..., threads_per_worker=...,
#: initializer=..., initargs=...)``
ENGINES: Registry[Callable[..., Engine]] = Registry("engine", "spoofscope.engines")


def get_engine(
    name: str,
    workers: int | None = None,
    address: str | None = None,
    threads_per_worker: int = 1,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Engine:
    """The engine registered as ``name`` (``local`` or ``ray``), not yet started.

    Args:
        workers: worker processes; None = ``cores // threads_per_worker`` (at least 1).
        address: a Ray cluster to join (``ray`` only; None starts a local instance).
        threads_per_worker: torch / OpenMP / MKL threads of each worker.
        initializer: called once in each worker with ``initargs`` before its first task (load a
            model there); its error becomes the outcome of every task that worker runs.

    Raises:
        UnknownNameError: no such engine.
        ConfigError: workers or threads below 1, or ``address`` given to an engine without one.
    """
    from spoofscope.errors import ConfigError

    if workers is not None and workers < 1:
        raise ConfigError("workers", f"must be at least 1, got {workers}")
    if threads_per_worker < 1:
        raise ConfigError("threads_per_worker", f"must be at least 1, got {threads_per_worker}")
    cls = ENGINES.get(name)
    return cls(
        workers=workers,
        address=address,
        threads_per_worker=threads_per_worker,
        initializer=initializer,
        initargs=initargs,
    )
