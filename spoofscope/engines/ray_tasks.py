"""The ``ray`` engine: each task a Ray remote call, on a local Ray instance or a cluster.

Without ``address`` the engine starts a local instance of ``workers × threads_per_worker``
CPUs (and stops it afterwards); with one it joins that cluster (``ray://host:10001`` or
``host:6379``), whose CPU count then sets the work in flight when ``workers`` is not given.
An instance already started in this process (``ray.init`` by the caller) is used as it is and
left running.

Ray keeps its worker processes between tasks, so a worker is prepared (thread count,
initializer) by the first task of a run that lands on it
(:func:`~spoofscope.engines.worker.run_prepared`). Errors return as values, not as Ray's
``RayTaskError`` wrappers, so they arrive as the class that was raised. Ray is imported only
here, inside the methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from spoofscope.engines import ENGINES, Resources
from spoofscope.engines.base import BoundedEngine
from spoofscope.engines.worker import run_prepared
from spoofscope.errors import ConfigError


@ENGINES.register("ray")
class RayTasks(BoundedEngine):
    """Runs each task as a ``ray.remote`` call with the task's CPU and GPU request.

    Args: as :func:`spoofscope.engines.get_engine`.
    """

    _owns = False
    _setup_ref: Any = None

    def __enter__(self) -> RayTasks:
        try:
            import ray
        except ImportError:
            raise ConfigError(
                "engine", "ray is not installed (pip install 'ray[default]')"
            ) from None
        quiet = {"log_to_driver": False, "logging_level": "ERROR"}
        if not ray.is_initialized():
            if self.address is None:
                cpus = self.workers * self.threads_per_worker
                ray.init(num_cpus=cpus, include_dashboard=False, **quiet)
            else:
                ray.init(address=self.address, **quiet)
            self._owns = True
        if self.workers_asked is None:  # as many slots as the instance has CPUs for
            cpus = int(ray.cluster_resources().get("CPU", self.workers))
            self.workers = max(1, cpus // self.threads_per_worker)
        self._setup_ref = ray.put(self.setup)
        self.started = True
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        self.started = False
        self._setup_ref = None
        if self._owns:
            ray.shutdown()
            self._owns = False

    def _submitter(self, fn: Callable[[Any], Any], resources: Resources) -> Callable[[Any], Any]:
        import ray

        remote = ray.remote(run_prepared).options(num_cpus=resources.cpus, num_gpus=resources.gpus)
        threads, setup = self.threads_per_worker, self._setup_ref
        return lambda task: remote.remote(threads, setup, fn, task)

    def _wait(self, handles: list[Any]) -> Iterable[Any]:
        import ray

        return ray.wait(handles, num_returns=1)[0]

    def _result(self, handle: Any) -> Any:
        import ray

        return ray.get(handle)[1]

    def _cancel(self, handle: Any) -> None:
        import ray

        ray.cancel(handle)
