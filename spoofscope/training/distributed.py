"""Distributed data-parallel set-up for ``torchrun --nproc_per_node=N spoofscope train ...``.

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`init_distributed` reads them and
joins the process group (gloo on CPU, NCCL on CUDA). Every rank draws the same global sample order
from the same seed and keeps every ``world_size``-th item (the DistributedSampler rule), with a
per-rank batch of ``batch_size / world_size``; DistributedDataParallel averages the gradients, so a
step sees the same global batch as single-process training.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from spoofscope.errors import ConfigError


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """True on the rank that writes files and prints progress."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def init_distributed(device_type: str) -> DistInfo:
    """Join the process group when launched by torchrun; a single-process DistInfo otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    import torch.distributed as dist

    info = DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return info


def shutdown(info: DistInfo) -> None:
    """Leave the process group (no-op for a single process)."""
    if info.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def per_rank_batch(batch_size: int, info: DistInfo) -> int:
    """The per-rank batch size that keeps the global batch at ``batch_size``.

    Raises:
        ConfigError: ``batch_size`` is not a multiple of the world size.
    """
    if batch_size % info.world_size:
        raise ConfigError(
            "data.batch_size",
            f"{batch_size} is not divisible by the {info.world_size} processes",
        )
    return batch_size // info.world_size


class MethodCall(nn.Module):
    """Routes ``forward`` to a named method of ``model`` (``embed`` for embedding losses), so
    DistributedDataParallel can wrap any entry point and still synchronise the gradients."""

    def __init__(self, model: nn.Module, method: str = "forward") -> None:
        super().__init__()
        self.model = model
        self.method = method

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return getattr(self.model, self.method)(wave)


def wrap(model: nn.Module, method: str, info: DistInfo) -> nn.Module:
    """``model.<method>`` as a module: wrapped in DDP when distributed, plain otherwise.

    Re-wrap after changing which parameters are trainable (DDP fixes its set at construction).
    """
    call = MethodCall(model, method)
    if not info.active:
        return call
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [info.local_rank] if next(model.parameters()).is_cuda else None
    # An entry point other than forward may leave the classification head unused.
    return DistributedDataParallel(
        call, device_ids=device_ids, find_unused_parameters=method != "forward"
    )


def average_gradients(params: Iterable[nn.Parameter], info: DistInfo) -> None:
    """Average the gradients of parameters DistributedDataParallel does not hold, over ranks.

    A loss with parameters of its own (OC-softmax's direction, the speaker adversary) sits
    outside the wrapped model, so without this each rank would step it on its own batch and the
    copies would drift apart.
    """
    if not info.active:
        return
    import torch.distributed as dist

    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= info.world_size


def all_mean(value: float, info: DistInfo) -> float:
    """The mean of ``value`` over ranks (for logging the training loss)."""
    if not info.active:
        return value
    import torch.distributed as dist

    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t.item() / info.world_size)


def barrier(info: DistInfo) -> None:
    """Wait for every rank (no-op for a single process)."""
    if info.active:
        import torch.distributed as dist

        dist.barrier()
