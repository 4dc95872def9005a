"""What the engines share: their settings and the loop that keeps a bounded number of tasks
in flight and hands back each outcome as it completes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from spoofscope.engines import Resources
from spoofscope.engines.worker import pack_setup, worker_count
from spoofscope.errors import ConfigError

#: tasks submitted per worker ahead of the results: enough that no worker waits for its next
#: task, few enough that a run over a million files holds a few dozen handles, not a million
IN_FLIGHT_PER_WORKER = 4


class BoundedEngine:
    """An engine that submits tasks one by one and waits on their handles.

    A subclass starts its workers in ``__enter__`` (setting ``started``), stops them in
    ``__exit__``, and implements :meth:`_submit`, :meth:`_wait`, :meth:`_result` and
    :meth:`_cancel` for its kind of handle (a future, a Ray object reference).

    Args: as :func:`spoofscope.engines.get_engine`.
    """

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        threads_per_worker: int = 1,
        initializer: Callable[..., Any] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.address = address
        self.threads_per_worker = threads_per_worker
        self.workers_asked = workers
        self.workers = worker_count(workers, threads_per_worker)
        self.setup = pack_setup(initializer, initargs)
        self.started = False

    def map_unordered(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable[Any],
        resources: Resources | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """``(index, outcome)`` per task as each completes (see :class:`spoofscope.engines.Engine`);
        ``resources`` defaults to one worker's threads as cores, no GPU.

        Raises:
            ConfigError: outside ``with engine:``, or a request the engine cannot meet.
            Errors of the engine itself (a worker killed, a cluster gone), never ``fn``'s.
        """
        if not self.started:
            raise ConfigError("engine", "map_unordered is called inside 'with engine:'")
        wanted = resources or Resources(cpus=self.threads_per_worker)
        submit = self._submitter(fn, wanted)
        pending: dict[Any, int] = {}
        source = enumerate(tasks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        try:
            while True:
                for index, task in source:
                    pending[submit(task)] = index
                    if len(pending) >= limit:
                        break
                if not pending:
                    return
                for handle in sorted(self._wait(list(pending)), key=pending.__getitem__):
                    index = pending.pop(handle)
                    yield index, self._result(handle)
        finally:
            for handle in pending:  # the caller stopped early: drop what has not run
                self._cancel(handle)

    # -- for subclasses ------------------------------------------------------------------------

    def _submitter(self, fn: Callable[[Any], Any], resources: Resources) -> Callable[[Any], Any]:
        """A function that submits one task and returns its handle."""
        raise NotImplementedError

    def _wait(self, handles: list[Any]) -> Iterable[Any]:
        """Block until at least one of ``handles`` is done; return the done ones."""
        raise NotImplementedError

    def _result(self, handle: Any) -> Any:
        """The outcome of a done task (its result or the error it raised)."""
        raise NotImplementedError

    def _cancel(self, handle: Any) -> None:
        """Drop a task that may not have run."""
        raise NotImplementedError
