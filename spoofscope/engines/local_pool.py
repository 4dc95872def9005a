"""The ``local`` engine: a pool of worker processes on this machine.

Workers are started with the ``spawn`` method, not ``fork``: a forked child inherits the
parent's threads as dead copies, and the parent of a scoring run has several (torch's
OpenMP pool once a model or the feature code has run, the progress bar's refresh thread), so a
forked worker can hang on a lock one of them held. Spawned workers start clean and behave the
same on Linux, macOS and Windows; the cost is one interpreter and torch import per worker
(about two seconds on an idle core), once per run. As with any spawned pool, a script that
starts one must do so under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from spoofscope.engines import ENGINES, Resources
from spoofscope.engines.base import BoundedEngine
from spoofscope.engines.worker import prepare, run_task, usable_cores
from spoofscope.errors import ConfigError


@ENGINES.register("local")
class LocalPool(BoundedEngine):
    """Runs tasks in ``workers`` spawned processes of ``threads_per_worker`` threads each.

    Args: as :func:`spoofscope.engines.get_engine`; ``address`` must be None.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.address is not None:
            raise ConfigError("address", "the local engine runs on this machine; use --engine ray")
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalPool:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=prepare,
            initargs=(self.threads_per_worker, self.setup),
        )
        self.started = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.started = False
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _submitter(self, fn: Callable[[Any], Any], resources: Resources) -> Callable[[Any], Any]:
        if resources.gpus:
            raise ConfigError("resources", "the local engine does not hand out GPUs; use ray")
        if resources.cpus > max(self.threads_per_worker, usable_cores()):
            raise ConfigError(
                "resources", f"a task asks for {resources.cpus} cores; this machine has fewer"
            )
        pool = self._pool
        assert pool is not None
        return lambda task: pool.submit(run_task, fn, task)

    def _wait(self, handles: list[Future]) -> Iterable[Future]:
        return wait(handles, return_when=FIRST_COMPLETED)[0]

    def _result(self, handle: Future) -> Any:
        return handle.result()[1]

    def _cancel(self, handle: Future) -> None:
        handle.cancel()
