"""`spoofscope study`: coefficient ablation, compact top-k models and front-end comparison.

The three commands share how runs are placed (engine, workers, threads, GPUs) and how variants are
compared (alpha, correction, seed test, bootstrap resamples). Those options are declared once, in
:data:`SHARED`, and :func:`_study_command` adds them to each command and hands the command the
typed :class:`~spoofscope.studies.plan.EngineChoice` and :class:`~spoofscope.studies.study.Statistics`
built from them, so a new shared option is one line here and every command has it.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from spoofscope.cli.common import err_console

if TYPE_CHECKING:  # the studies import torch; the CLI loads them only when a command runs
    from spoofscope.studies.plan import EngineChoice
    from spoofscope.studies.study import Statistics, StudyResult

study_app = typer.Typer(
    help="Many trainings of one recipe compared with statistics (seeds, bootstrap, tests).",
    no_args_is_help=True,
)


@dataclass(frozen=True)
class SharedOption:
    """One option every study command takes: its parameter name, type and typer option."""

    name: str
    kind: Any
    option: Any
    field: str = ""  # the EngineChoice / Statistics field it fills (default: ``name``)


#: the options that build the EngineChoice, and those that build the Statistics
ENGINE_OPTIONS = (
    SharedOption("engine", str, typer.Option("local", "--engine", help="local or ray."), "name"),
    SharedOption("workers", int | None, typer.Option(None, "--workers", help="Runs at once.")),
    SharedOption(
        "address", str | None, typer.Option(None, "--address", help="Ray cluster (ray only).")
    ),
    SharedOption("threads", int, typer.Option(1, "--threads", help="Torch threads per run.")),
    SharedOption("gpus", float, typer.Option(0.0, "--gpus", help="GPUs per run (ray).")),
)
STATISTICS_OPTIONS = (
    SharedOption(
        "alpha", float, typer.Option(0.05, "--alpha", help="Significance level, after correction.")
    ),
    SharedOption("correction", str, typer.Option("holm", "--correction", help="holm or bh (FDR).")),
    SharedOption(
        "test", str, typer.Option("t", "--test", help="Seed test: t, or wilcoxon (6+ seeds).")
    ),
    SharedOption("resamples", int, typer.Option(1000, "--resamples", help="Bootstrap resamples.")),
)
SHARED = ENGINE_OPTIONS + STATISTICS_OPTIONS

_SET = typer.Option([], "--set", help="Override a recipe value for every run (as in train).")
_OUT = typer.Option(..., "--out", help="Study directory (created; resumed if there).")


def _study_command(name: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register ``fn`` as ``study <name>`` with the :data:`SHARED` options added to its own.

    ``fn`` declares keyword parameters ``engine: EngineChoice`` and ``statistics: Statistics``
    instead of the shared options; typer sees the shared options, ``fn`` gets the two objects.
    """

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        # the two objects' types are imported for type checkers only (they pull in torch)
        hints = typing.get_type_hints(fn, localns={"EngineChoice": Any, "Statistics": Any})
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(fn).parameters.values()
            if p.name not in ("engine", "statistics")
        ]
        shared = [
            inspect.Parameter(
                o.name, inspect.Parameter.KEYWORD_ONLY, default=o.option, annotation=o.kind
            )
            for o in SHARED
        ]

        @functools.wraps(fn)
        def command(**given: Any) -> int:
            from spoofscope.studies.plan import EngineChoice
            from spoofscope.studies.study import Statistics

            engine = EngineChoice(**{o.field or o.name: given.pop(o.name) for o in ENGINE_OPTIONS})
            statistics = Statistics(
                **{o.field or o.name: given.pop(o.name) for o in STATISTICS_OPTIONS}
            )
            return fn(**given, engine=engine, statistics=statistics)

        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own] + shared
        command.__signature__ = inspect.Signature(params, return_annotation=int)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": int}
        return study_app.command(name)(command)

    return register


def _say(text: str) -> None:
    err_console.print(text, markup=False, highlight=False)


def _finish(result: StudyResult) -> int:
    for line in result.analysis.statement:
        _say(line)
    for run_dir, why in result.failures:
        _say(f"failed: {run_dir}: {why}")
    _say(f"report: {result.report}")
    return 1 if result.failures else 0


@_study_command("ablation")
def ablation(
    config: str = typer.Option(..., "--config", help="Recipe file or shipped recipe name."),
    out: Path = _OUT,
    features: str = typer.Option("mfcc", "--features", help="The cepstral front-end varied."),
    coefficients: str = typer.Option("1-13", "--coefficients", help="Coefficients, e.g. 1-13."),
    mode: str = typer.Option(
        "lofo", "--mode", help="lofo, keep-one, groups, greedy-forward or greedy-backward."
    ),
    groups: str | None = typer.Option(
        None, "--groups", help="Groups for --mode groups: '1;2-5;6-9'."
    ),
    groups_mode: str = typer.Option(
        "drop", "--groups-mode", help="drop: each group left out; keep: each group alone."
    ),
    target_eer: float | None = typer.Option(
        None, "--target-eer", help="Greedy: stop at this mean dev EER (fraction)."
    ),
    size: int | None = typer.Option(None, "--size", help="Greedy: stop at this many coefficients."),
    seeds: int = typer.Option(3, "--seeds", help="Seeds per variant: the recipe's and the next."),
    overrides: list[str] = _SET,
    no_interventions: bool = typer.Option(
        False, "--no-interventions", help="Skip occlusion and permutation on the baseline."
    ),
    *,
    engine: EngineChoice,
    statistics: Statistics,
) -> int:
    """Retrain the recipe without (or with only) some coefficients, over seeds, and compare."""
    from spoofscope.studies.study import Ablation, run_ablation

    spec = Ablation(
        config,
        out,
        features,
        coefficients,
        mode,
        groups,
        groups_mode,
        seeds,
        target_eer,
        size,
        tuple(overrides),
        not no_interventions,
    )
    return _finish(run_ablation(spec, engine, statistics, _say))


@_study_command("compact")
def compact(
    source: Path = typer.Option(..., "--from", help="An ablation study directory."),
    ks: str = typer.Option("13,8,5,3", "--k", help="Sizes of the top-k models, e.g. 13,8,5,3."),
    seeds: int | None = typer.Option(
        None, "--seeds", help="Seeds per model (default: the ablation's; its runs are reused)."
    ),
    rounds: int = typer.Option(30, "--rounds", help="Timing rounds (interleaved)."),
    *,
    engine: EngineChoice,
    statistics: Statistics,
) -> int:
    """Train models on the top-k ranked coefficients; report EER against 1-thread speed."""
    from spoofscope.errors import ConfigError
    from spoofscope.studies.study import run_compact

    try:
        sizes = [int(k) for k in ks.split(",") if k.strip()]
    except ValueError:
        raise ConfigError("--k", f"'{ks}' is not a comma-separated list of sizes") from None
    result = run_compact(source, sizes, engine, statistics, _say, rounds, seeds)
    for p in result.extra["points"]:
        _say(
            f"k={p['k']}: EER {100 * p['eer_mean']:.2f}% ± {100 * p['eer_std']:.2f}, "
            f"{p['median_ms']:.2f} ms (IQR {p['q1_ms']:.2f}-{p['q3_ms']:.2f}), "
            f"{p['parameters']} parameters"
        )
    return _finish(result)


@_study_command("features")
def features_study(
    config: str = typer.Option(
        "paper-cnn-mfcc-asvspoof2017", "--config", help="Recipe (default: seeds/001's CNN)."
    ),
    out: Path = _OUT,
    frontends: str = typer.Option(
        "spectrogram,logmel,mfcc,fft,stft,lfcc,cqcc", "--frontends", help="Front-ends compared."
    ),
    seeds: int = typer.Option(3, "--seeds", help="Seeds per variant: the recipe's and the next."),
    overrides: list[str] = _SET,
    *,
    engine: EngineChoice,
    statistics: Statistics,
) -> int:
    """Train the same model on each front-end: train/test accuracy, gap, EER, per class."""
    from spoofscope.studies.study import FeatureStudy, run_features

    names = tuple(f.strip() for f in frontends.split(",") if f.strip())
    spec = FeatureStudy(config, out, names, seeds, tuple(overrides))
    return _finish(run_features(spec, engine, statistics, _say))


def attach(app: typer.Typer) -> None:
    app.add_typer(study_app, name="study")
