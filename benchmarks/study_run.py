"""Where one study run's time goes, and what a whole study would take.

Trains a recipe once into a run directory, as a study worker does (one torch thread), scores eval
and dev as the study does, and prints wall and CPU seconds per phase: process start (imports),
set-up (model, corpus, feature cache), training steps, data wait, enrolment, dev passes,
checkpoints and curves, eval scoring, dev scoring. CPU seconds are this process's own, so they
hold on a shared machine where wall seconds do not; the load average before and after is printed
beside them. The projection is ``runs × CPU seconds / workers`` (an idle machine, one thread per
run), next to the same with the wall seconds measured here::

    OMP_NUM_THREADS=1 python benchmarks/study_run.py --config siamese-cnn-triplet-study-localspoof \\
        --run /tmp/study-run --runs 42 --workers 2 \\
        --set data.root=data/localspoof-small --set data.feature_cache=/tmp/mfcc-cache
"""

from __future__ import annotations

import time

STARTED = (time.perf_counter(), time.process_time())

import argparse  # noqa: E402  (the imports are what the first phase times)
import json  # noqa: E402
import os  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import torch  # noqa: E402

import spoofscope.training.trainer as trainer_module  # noqa: E402
from spoofscope.studies.runs import score_roles  # noqa: E402
from spoofscope.training.config import load_config  # noqa: E402

Clock = dict[str, list[float]]  # phase → [wall s, CPU s]


def _add(clock: Clock, phase: str, wall: float, cpu: float) -> None:
    spent = clock.setdefault(phase, [0.0, 0.0])
    spent[0] += wall
    spent[1] += cpu


def timed(clock: Clock, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` whose calls add their wall and CPU time to ``clock[phase]``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _add(clock, phase, time.perf_counter() - wall, time.process_time() - cpu)

    return call


def measure(recipe: str, run_dir: Path, overrides: list[str]) -> dict[str, Any]:
    """Train and score one run; its phases, steps, epochs and EERs."""
    clock: Clock = {}
    _add(clock, "process start", time.perf_counter() - STARTED[0], time.process_time() - STARTED[1])
    # the phases inside fit(): enrolment, dev passes, checkpoint files; the rest is steps
    trainer_module.enrol = timed(clock, "enrolment", trainer_module.enrol)
    cls = trainer_module.Trainer
    cls._dev = timed(clock, "dev passes", cls._dev)
    for method in ("_checkpoint", "_save_last", "_finish"):
        setattr(cls, method, timed(clock, "checkpoints, curves", getattr(cls, method)))
    cfg = load_config(recipe, overrides)
    trainer = timed(clock, "set-up", cls)(cfg, run_dir, console=None, progress=False)
    result = timed(clock, "fit", trainer.fit)(overwrite=True)
    eval_fig = timed(clock, "eval scoring", score_roles)(cfg, run_dir, ("eval",))
    dev_fig = timed(clock, "dev scoring", score_roles)(cfg, run_dir, ("dev",))
    fit = clock.pop("fit")
    inside = [clock[p] for p in ("enrolment", "dev passes", "checkpoints, curves") if p in clock]
    clock["training steps"] = [fit[i] - sum(p[i] for p in inside) for i in (0, 1)]
    epochs = [
        json.loads(line)
        for line in (run_dir / "metrics.jsonl").read_text().splitlines()
        if '"kind": "epoch"' in line
    ]
    return {
        "clock": clock,
        "steps": result.steps,
        "epochs": len(epochs),
        "data_wait_s": sum(e["data_wait_seconds"] for e in epochs),
        "dev_eer_per_epoch": [e["dev_eer"] for e in epochs],
        "best_epoch": result.best_epoch,
        "dev_eer": dev_fig["dev"]["eer"],
        "eval_eer": eval_fig["eval"]["eer"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--run", type=Path, required=True, help="run directory (replaced)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--runs", type=int, default=42, help="runs of the projected study")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    load_before = os.getloadavg()[0]
    found = measure(args.config, args.run, args.overrides)
    load_after = os.getloadavg()[0]
    clock = found["clock"]
    order = ["process start", "set-up", "training steps", "enrolment", "dev passes",
             "checkpoints, curves", "eval scoring", "dev scoring"]  # fmt: skip
    total = [sum(clock[p][i] for p in order if p in clock) for i in (0, 1)]
    print("| phase | wall s | CPU s | CPU share |\n| --- | --- | --- | --- |")
    for phase in (p for p in order if p in clock):
        wall, cpu = clock[phase]
        print(f"| {phase} | {wall:.1f} | {cpu:.1f} | {100 * cpu / total[1]:.0f}% |")
    print(f"| total | {total[0]:.1f} | {total[1]:.1f} | |")
    steps = clock["training steps"][1] / max(found["steps"], 1)
    print(
        f"\n{found['steps']} steps ({steps:.3f} CPU s each), {found['epochs']} epochs, data wait "
        f"{found['data_wait_s']:.1f} s; best epoch {found['best_epoch']}, dev EER "
        f"{100 * found['dev_eer']:.2f}%, eval EER {100 * found['eval_eer']:.2f}%"
    )
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")
    for what, seconds in (("idle machine (CPU s)", total[1]), ("as measured (wall s)", total[0])):
        minutes = args.runs * seconds / args.workers / 60
        print(f"{args.runs} runs at --workers {args.workers}, {what}: {minutes:.0f} min")


if __name__ == "__main__":
    main()
