"""Single-thread forward time of several models on one input, measured in interleaved rounds.

Real-time use asks how long one call takes on one core, so every model runs with one torch
thread, batch 1, on the same 4-s input. Models are timed in rounds that visit each once, in an
order rotated every round, so a slow spell of a shared machine (the 2-core CI runners) falls
on all of them instead of on whichever ran then; the median over rounds is reported with the
interquartile range as its spread, since timings on a busy machine have a long upper tail.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class Timing:
    """Milliseconds per forward call: median, quartiles, and the rounds measured."""

    median_ms: float
    q1_ms: float
    q3_ms: float
    rounds: int


@torch.no_grad()
def time_forward(
    models: Mapping[str, nn.Module],
    seconds: float = 4.0,
    rounds: int = 30,
    warmup: int = 3,
    seed: int = 0,
) -> dict[str, Timing]:
    """Time ``model.score`` of every model on one ``[1, seconds · sample_rate]`` input, one
    thread, ``rounds`` interleaved rounds after ``warmup`` untimed ones.

    Models of another sample rate get their own input of the same duration. torch's thread
    count is put back afterwards.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rng = np.random.default_rng(seed)
        inputs = {}
        for name, model in models.items():
            model.eval()
            n = int(seconds * int(getattr(model, "sample_rate", 16000)))
            inputs[name] = torch.from_numpy(rng.uniform(-0.5, 0.5, (1, n)).astype(np.float32))
        names = list(models)
        times: dict[str, list[float]] = {n: [] for n in names}
        for r in range(warmup + rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                models[name].score(inputs[name])
                elapsed = time.perf_counter() - started
                if r >= warmup:
                    times[name].append(1000 * elapsed)
    finally:
        torch.set_num_threads(threads)
    out = {}
    for name, values in times.items():
        q1, med, q3 = np.percentile(values, [25, 50, 75])
        out[name] = Timing(float(med), float(q1), float(q3), len(values))
    return out
