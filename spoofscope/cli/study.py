"""`spoofscope study`: coefficient ablation, compact top-k models and front-end comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from spoofscope.cli.common import err_console

if TYPE_CHECKING:  # the studies import torch; the CLI loads them only when a command runs
    from spoofscope.studies.plan import EngineChoice
    from spoofscope.studies.study import Statistics, StudyResult

study_app = typer.Typer(
    help="Many trainings of one recipe compared with statistics (seeds, bootstrap, tests).",
    no_args_is_help=True,
)

_SET = typer.Option([], "--set", help="Override a recipe value for every run (as in train).")
_ENGINE = typer.Option("local", "--engine", help="local (processes here) or ray.")
_ADDRESS = typer.Option(None, "--address", help="Ray cluster to join (ray only).")
_WORKERS = typer.Option(None, "--workers", help="Runs at once (default: cores / threads).")
_THREADS = typer.Option(1, "--threads", help="Torch threads per run.")
_GPUS = typer.Option(0.0, "--gpus", help="GPUs each run asks for (ray).")
_SEEDS = typer.Option(3, "--seeds", help="Seeds per variant: the recipe's and the next N-1.")
_ALPHA = typer.Option(0.05, "--alpha", help="Significance level, after correction.")
_CORRECTION = typer.Option("holm", "--correction", help="holm or bh (Benjamini-Hochberg).")
_TEST = typer.Option("t", "--test", help="Seed test: t (paired t-test) or wilcoxon (6+ seeds).")
_RESAMPLES = typer.Option(1000, "--resamples", help="Bootstrap resamples over utterances.")


def _say(text: str) -> None:
    err_console.print(text, markup=False, highlight=False)


def _choices(
    engine: str,
    address: str | None,
    workers: int | None,
    threads: int,
    gpus: float,
    alpha: float,
    correction: str,
    test: str,
    resamples: int,
) -> tuple[EngineChoice, Statistics]:
    from spoofscope.studies.plan import EngineChoice
    from spoofscope.studies.study import Statistics

    return (
        EngineChoice(engine, workers, address, threads, gpus),
        Statistics(alpha, correction, test, resamples),
    )


def _finish(result: StudyResult) -> int:
    for line in result.analysis.statement:
        _say(line)
    for run_dir, why in result.failures:
        _say(f"failed: {run_dir}: {why}")
    _say(f"report: {result.report}")
    return 1 if result.failures else 0


@study_app.command("ablation")
def ablation(
    config: str = typer.Option(..., "--config", help="Recipe file or shipped recipe name."),
    out: Path = typer.Option(..., "--out", help="Study directory (created; resumed if there)."),
    features: str = typer.Option("mfcc", "--features", help="The cepstral front-end varied."),
    coefficients: str = typer.Option("1-13", "--coefficients", help="Coefficients, e.g. 1-13."),
    mode: str = typer.Option(
        "lofo", "--mode", help="lofo, keep-one, groups, greedy-forward or greedy-backward."
    ),
    groups: str = typer.Option(None, "--groups", help="Groups for --mode groups: '1;2-5;6-9'."),
    groups_mode: str = typer.Option(
        "drop", "--groups-mode", help="drop: each group left out; keep: each group alone."
    ),
    target_eer: float = typer.Option(
        None, "--target-eer", help="Greedy: stop at this mean dev EER (fraction)."
    ),
    size: int = typer.Option(None, "--size", help="Greedy: stop at this many coefficients."),
    seeds: int = _SEEDS,
    overrides: list[str] = _SET,
    no_interventions: bool = typer.Option(
        False, "--no-interventions", help="Skip occlusion and permutation on the baseline."
    ),
    engine: str = _ENGINE,
    address: str = _ADDRESS,
    workers: int = _WORKERS,
    threads: int = _THREADS,
    gpus: float = _GPUS,
    alpha: float = _ALPHA,
    correction: str = _CORRECTION,
    test: str = _TEST,
    resamples: int = _RESAMPLES,
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
    choice, statistics = _choices(
        engine, address, workers, threads, gpus, alpha, correction, test, resamples
    )
    return _finish(run_ablation(spec, choice, statistics, _say))


@study_app.command("compact")
def compact(
    source: Path = typer.Option(..., "--from", help="An ablation study directory."),
    ks: str = typer.Option("13,8,5,3", "--k", help="Sizes of the top-k models, e.g. 13,8,5,3."),
    rounds: int = typer.Option(30, "--rounds", help="Timing rounds (interleaved)."),
    engine: str = _ENGINE,
    address: str = _ADDRESS,
    workers: int = _WORKERS,
    threads: int = _THREADS,
    gpus: float = _GPUS,
    alpha: float = _ALPHA,
    correction: str = _CORRECTION,
    test: str = _TEST,
    resamples: int = _RESAMPLES,
) -> int:
    """Train models on the top-k ranked coefficients; report EER against 1-thread speed."""
    from spoofscope.errors import ConfigError
    from spoofscope.studies.study import run_compact

    try:
        sizes = [int(k) for k in ks.split(",") if k.strip()]
    except ValueError:
        raise ConfigError("--k", f"'{ks}' is not a comma-separated list of sizes") from None
    choice, statistics = _choices(
        engine, address, workers, threads, gpus, alpha, correction, test, resamples
    )
    result = run_compact(source, sizes, choice, statistics, _say, rounds)
    for p in result.extra["points"]:
        _say(
            f"k={p['k']}: EER {100 * p['eer_mean']:.2f}% ± {100 * p['eer_std']:.2f}, "
            f"{p['median_ms']:.2f} ms (IQR {p['q1_ms']:.2f}-{p['q3_ms']:.2f}), "
            f"{p['parameters']} parameters"
        )
    return _finish(result)


@study_app.command("features")
def features_study(
    config: str = typer.Option(
        "paper-cnn-mfcc-asvspoof2017", "--config", help="Recipe (default: seeds/001's CNN)."
    ),
    out: Path = typer.Option(..., "--out", help="Study directory (created; resumed if there)."),
    frontends: str = typer.Option(
        "spectrogram,logmel,mfcc,fft,stft,lfcc,cqcc", "--frontends", help="Front-ends compared."
    ),
    seeds: int = _SEEDS,
    overrides: list[str] = _SET,
    engine: str = _ENGINE,
    address: str = _ADDRESS,
    workers: int = _WORKERS,
    threads: int = _THREADS,
    gpus: float = _GPUS,
    alpha: float = _ALPHA,
    correction: str = _CORRECTION,
    test: str = _TEST,
    resamples: int = _RESAMPLES,
) -> int:
    """Train the same model on each front-end: train/test accuracy, gap, EER, per class."""
    from spoofscope.studies.study import FeatureStudy, run_features

    names = tuple(f.strip() for f in frontends.split(",") if f.strip())
    spec = FeatureStudy(config, out, names, seeds, tuple(overrides))
    choice, statistics = _choices(
        engine, address, workers, threads, gpus, alpha, correction, test, resamples
    )
    return _finish(run_features(spec, choice, statistics, _say))


def attach(app: typer.Typer) -> None:
    app.add_typer(study_app, name="study")
