"""A study's plan: variants × seeds as run directories, what each needs, and running it.

Runs live at ``DIR/runs/<variant>/seed-<seed>``, named by the variant's coefficient set or
front-end and the seed alone, so a study started again finds its runs where it left them.
Seeds are the recipe's ``train.seed`` and the next ``N - 1`` integers: seed one of a study is
the run the recipe trains on its own.

``DIR/study.json`` records what the study is (recipe, overrides, what varies); starting a study
in a directory that holds another is refused, since its runs would be mixed with this one's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spoofscope.errors import ConfigError
from spoofscope.studies.runs import DONE, RunTask, run_state, train_and_score
from spoofscope.studies.variants import Variant

STUDY_FILE = "study.json"
RUNS_DIR = "runs"
#: what must agree between a study directory and the study started in it
IDENTITY = ("kind", "recipe", "overrides", "features", "frontends")


@dataclass(frozen=True)
class PlannedRun:
    """One variant under one seed: its task and, when planned, what it needs (``run_state``)."""

    variant: Variant
    seed: int
    task: RunTask
    state: str


def study_seeds(recipe_seed: int, n_seeds: int) -> list[int]:
    """The seeds of a study of ``n_seeds`` (the recipe's and the ones after it).

    Raises:
        ConfigError: fewer than one seed.
    """
    if n_seeds < 1:
        raise ConfigError("--seeds", f"must be at least 1, got {n_seeds}")
    return [recipe_seed + i for i in range(n_seeds)]


def run_dir(out: str | Path, variant: str, seed: int) -> Path:
    """Where the run of ``variant`` under ``seed`` lives."""
    return Path(out) / RUNS_DIR / variant / f"seed-{seed}"


def plan(
    recipe: str,
    overrides: Sequence[str],
    variants: Sequence[Variant],
    seeds: Sequence[int],
    out: str | Path,
    roles: tuple[str, ...] = ("eval", "dev"),
) -> list[PlannedRun]:
    """Every variant × seed as a :class:`PlannedRun`, each recipe validated before any training.

    The overrides of a run are the study's, then the variant's, then ``train.seed``.

    Raises:
        ConfigError, UnknownNameError, CorpusError: a variant's recipe does not validate (the
            message names the key; nothing has been trained).
    """
    from spoofscope.training.config import load_config

    runs = []
    for variant in variants:
        for seed in seeds:
            task_overrides = (*overrides, *variant.overrides, f"train.seed={seed}")
            load_config(recipe, list(task_overrides))
            path = run_dir(out, variant.name, seed)
            task = RunTask(recipe, task_overrides, str(path), roles)
            runs.append(PlannedRun(variant, seed, task, run_state(path, roles)))
    return runs


def plan_lines(runs: Sequence[PlannedRun]) -> list[str]:
    """The plan as text: one line per variant (its seeds and their states), then the totals."""
    lines = []
    by_variant: dict[str, list[PlannedRun]] = {}
    for run in runs:
        by_variant.setdefault(run.variant.name, []).append(run)
    for name, members in by_variant.items():
        states = ", ".join(f"seed {r.seed}: {r.state}" for r in members)
        mark = " (baseline)" if members[0].variant.baseline else ""
        lines.append(f"  {name:<24} {members[0].variant.label}{mark} — {states}")
    todo = sum(r.state != DONE for r in runs)
    lines.append(
        f"{len(by_variant)} variant(s) × seeds = {len(runs)} run(s): "
        f"{len(runs) - todo} done and reused, {todo} to train or finish"
    )
    return lines


def write_identity(out: str | Path, identity: dict[str, Any]) -> None:
    """Write ``study.json``, or check that the one there describes the same study.

    Raises:
        ConfigError: the directory holds a study of another recipe, overrides or variable.
    """
    path = Path(out) / STUDY_FILE
    if path.is_file():
        held = json.loads(path.read_text())
        differs = [k for k in IDENTITY if held.get(k) != identity.get(k)]
        if differs:
            raise ConfigError(
                str(out), f"holds another study (its {', '.join(differs)} differ); use a new --out"
            )
        identity = {**held, **identity}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(identity, indent=2) + "\n")


def read_identity(out: str | Path) -> dict[str, Any]:
    """The ``study.json`` of a study directory.

    Raises:
        ConfigError: the directory holds no study.
    """
    path = Path(out) / STUDY_FILE
    if not path.is_file():
        raise ConfigError(str(out), f"no {STUDY_FILE}: not a study directory")
    return json.loads(path.read_text())


@dataclass(frozen=True)
class EngineChoice:
    """Where runs train: ``local`` (processes on this machine) or ``ray``, how many workers,
    and torch threads per run (workers × threads should be the cores)."""

    name: str = "local"
    workers: int | None = None
    address: str | None = None
    threads: int = 1
    gpus: float = 0


def execute(
    runs: Sequence[PlannedRun],
    engine: EngineChoice,
    on_done: Callable[[PlannedRun, Any], None] | None = None,
) -> tuple[dict[str, dict[str, Any]], list[tuple[PlannedRun, Exception]]]:
    """Bring every planned run to done; return run_dir → its outcome, and the runs that failed.

    Finished runs are read back, never retrained; the others run on the engine, each task
    asking for ``engine.threads`` CPUs (and ``engine.gpus``). A failed run does not stop the
    others: it is returned with its error.
    """
    from spoofscope.engines import Resources, get_engine

    results: dict[str, dict[str, Any]] = {}
    failures: list[tuple[PlannedRun, Exception]] = []
    todo = [r for r in runs if r.state != DONE]
    for run in runs:
        if run.state == DONE:
            results[run.task.run_dir] = train_and_score(run.task)  # reads the files back
    if not todo:
        return results, failures
    workers = engine.workers if engine.workers is not None else None
    pool = get_engine(
        engine.name, workers=workers, address=engine.address, threads_per_worker=engine.threads
    )
    resources = Resources(cpus=engine.threads, gpus=engine.gpus)
    with pool:
        for index, outcome in _outcomes(pool, [r.task for r in todo], resources):
            run = todo[index]
            if isinstance(outcome, Exception):
                failures.append((run, outcome))
            else:
                results[run.task.run_dir] = outcome
            if on_done is not None:
                on_done(run, outcome)
    return results, failures


def _outcomes(pool: Any, tasks: list[RunTask], resources: Any) -> Iterator[tuple[int, Any]]:
    yield from pool.map_unordered(train_and_score, tasks, resources=resources)
