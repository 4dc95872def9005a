"""Learning-rate schedules as pure functions of the step, so resuming needs only the step count.

Each schedule maps ``(step, total_steps, steps_per_epoch)`` to a factor of the phase's base rate; the
trainer sets ``lr = base_lr * factor`` before every optimiser step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from spoofscope.training.config import ScheduleConfig

Schedule = Callable[[int, int, int], float]
SCHEDULES: dict[str, Callable[[ScheduleConfig, float], Schedule]] = {}


def _register(name: str) -> Callable[[Callable[[ScheduleConfig, float], Schedule]], object]:
    def decorate(fn: Callable[[ScheduleConfig, float], Schedule]) -> object:
        SCHEDULES[name] = fn
        return fn

    return decorate


@_register("none")
def _constant(cfg: ScheduleConfig, base_lr: float) -> Schedule:
    return lambda step, total, per_epoch: 1.0


@_register("cosine")
def _cosine(cfg: ScheduleConfig, base_lr: float) -> Schedule:
    # Cosine annealing from base_lr to min_lr over the phase, stepped per batch as AASIST does.
    floor = cfg.min_lr / base_lr

    def factor(step: int, total: int, per_epoch: int) -> float:
        t = min(step, total) / max(total, 1)
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * t))

    return factor


@_register("warmup-linear")
def _warmup_linear(cfg: ScheduleConfig, base_lr: float) -> Schedule:
    def factor(step: int, total: int, per_epoch: int) -> float:
        warm = cfg.warmup_steps
        if warm and step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(total - warm, 1))

    return factor


@_register("step")
def _step(cfg: ScheduleConfig, base_lr: float) -> Schedule:
    def factor(step: int, total: int, per_epoch: int) -> float:
        return cfg.gamma ** (step // max(per_epoch * cfg.step_epochs, 1))

    return factor


def build_schedule(cfg: ScheduleConfig, base_lr: float) -> Schedule:
    """The factor function of ``cfg.name`` for a phase whose base rate is ``base_lr``."""
    return SCHEDULES[cfg.name](cfg, base_lr)
