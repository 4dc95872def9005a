"""Task functions the engine tests send to workers (workers import them by module name)."""

from __future__ import annotations

import os

#: how often the initializer ran in this process
calls = {"init": 0, "arg": None}


def remember(arg: str) -> None:
    calls["init"] += 1
    calls["arg"] = arg


def inspect(task: int) -> dict:
    """What a worker looks like from inside: its process, thread counts and initializer calls."""
    import torch

    return {
        "task": task,
        "pid": os.getpid(),
        "torch_threads": torch.get_num_threads(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "init_calls": calls["init"],
        "init_arg": calls["arg"],
    }
