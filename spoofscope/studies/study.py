"""The studies: coefficient ablation, compact top-k models, and front-end comparison.

Each builds its variants, plans them × seeds (:mod:`~spoofscope.studies.plan`), tells the
caller the plan before anything trains, runs what is not done on an engine, and writes the
statistics (``analysis.json``), ``results.csv`` and ``report.html`` into the study directory.
Progress goes through a ``say`` callback: library code never prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.errors import ConfigError, MetricError, SpoofscopeError
from spoofscope.evaluation.bootstrap import Resampling
from spoofscope.studies import report, stats
from spoofscope.studies.plan import (
    EngineChoice,
    PlannedRun,
    execute,
    plan,
    plan_lines,
    read_identity,
    study_seeds,
    write_identity,
)
from spoofscope.studies.runs import STUDY_FILES
from spoofscope.studies.variants import (
    FIXED_MODES,
    MODES,
    GreedyState,
    Selection,
    Variant,
    fixed_variants,
    frontend_variants,
    locate_selection,
    parse_coefficients,
)

ANALYSIS_FILE = "analysis.json"
COMPACT_FILE = "compact.json"
Say = Callable[[str], None]


@dataclass(frozen=True)
class Statistics:
    """How variants are compared: level, correction, seed test and bootstrap."""

    alpha: float = 0.05
    correction: str = "holm"
    test: str = "t"
    resamples: int = 1000
    level: float = 0.95

    def __post_init__(self) -> None:
        # checked before any run trains: a typo here once surfaced only after the last run
        if not 0 < self.alpha < 1:
            raise ConfigError("--alpha", f"must be in (0, 1), got {self.alpha}")
        if self.correction not in stats.CORRECTIONS:
            names = ", ".join(stats.CORRECTIONS)
            raise ConfigError("--correction", f"'{self.correction}' is not one of {names}")
        if self.test not in stats.SEED_TESTS:
            names = ", ".join(stats.SEED_TESTS)
            raise ConfigError("--test", f"'{self.test}' is not one of {names}")
        if self.resamples < 1:
            raise ConfigError("--resamples", f"must be at least 1, got {self.resamples}")


@dataclass
class StudyResult:
    """What a study produced: its analysis, the report's path, and the runs that failed."""

    analysis: stats.Analysis
    report: Path
    failures: list[tuple[str, str]] = field(default_factory=list)  # (run dir, error)
    extra: dict[str, Any] = field(default_factory=dict)


def _quiet(_text: str) -> None:
    return None


def _resolved(recipe: str, overrides: Sequence[str]) -> Any:
    from spoofscope.training.config import load_config

    return load_config(recipe, list(overrides))


def _run_all(
    runs: Sequence[PlannedRun], engine: EngineChoice, say: Say, title: str
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    say(f"{title}:")
    for line in plan_lines(runs):
        say(line)

    def done(run: PlannedRun, outcome: Any) -> None:
        status = f"failed: {outcome}" if isinstance(outcome, Exception) else "done"
        say(f"  {run.variant.name} seed {run.seed}: {status}")

    results, failed = execute(runs, engine, done)
    return results, [(r.task.run_dir, str(e)) for r, e in failed]


def _seed_runs(
    runs: Sequence[PlannedRun], results: Mapping[str, dict[str, Any]]
) -> tuple[dict[str, list[stats.SeedRun]], stats.Trials]:
    """Each variant's finished runs with their eval scores in one trial order."""
    from spoofscope.evaluation.scorefile import read_scores

    by_variant: dict[str, list[stats.SeedRun]] = {}
    trials: stats.Trials | None = None
    seen: set[str] = set()
    for run in runs:
        outcome = results.get(run.task.run_dir)
        if outcome is None or run.task.run_dir in seen:
            continue
        seen.add(run.task.run_dir)
        scored = read_scores(Path(run.task.run_dir) / STUDY_FILES / "eval.tsv")
        if trials is None:
            trials = stats.Trials(
                tuple(scored.utt_id), np.asarray(scored.key) == "bonafide", tuple(scored.speaker)
            )
        index = {u: i for i, u in enumerate(scored.utt_id)}
        if set(index) != set(trials.utt_id):
            raise MetricError(run.task.run_dir, "scored other eval trials than the other runs")
        scores = np.asarray(scored.score)[[index[u] for u in trials.utt_id]]
        by_variant.setdefault(run.variant.name, []).append(
            stats.SeedRun(run.seed, outcome["figures"], scores)
        )
    if trials is None:
        raise MetricError("study", "no run finished")
    return by_variant, trials


def _analyse(
    runs: Sequence[PlannedRun],
    results: Mapping[str, dict[str, Any]],
    baseline: str,
    statistics: Statistics,
    importance: str,
) -> stats.Analysis:
    by_variant, trials = _seed_runs(runs, results)
    labels = {r.variant.name: r.variant.label for r in runs}
    how = Resampling("trial", statistics.level, statistics.resamples, 0)
    return stats.analyse(
        by_variant,
        labels,
        baseline,
        trials,
        alpha=statistics.alpha,
        correction=statistics.correction,
        test=statistics.test,
        how=how,
        importance=importance,
    )


def _unique(variants: Sequence[Variant]) -> list[Variant]:
    out: list[Variant] = []
    for v in variants:
        if v.name not in {u.name for u in out}:
            out.append(v)
    return out


# --- ablation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ablation:
    """An ablation study's definition (what ``spoofscope study ablation`` takes)."""

    recipe: str
    out: Path
    features: str = "mfcc"
    coefficients: str = "1-13"
    mode: str = "lofo"
    groups: str | None = None
    groups_mode: str = "drop"
    seeds: int = 3
    target_eer: float | None = None
    size: int | None = None
    overrides: tuple[str, ...] = ()
    interventions: bool = True


def run_ablation(
    spec: Ablation,
    engine: EngineChoice = EngineChoice(),
    statistics: Statistics = Statistics(),
    say: Say = _quiet,
) -> StudyResult:
    """Train, score and compare the variants of ``spec``; write the study's files.

    Raises:
        ConfigError: a bad mode, coefficient list, group list, size or target, a recipe whose
            model reads another front-end, or a directory holding another study; the errors of
            a recipe that does not validate. A failing run is reported, not raised.
    """
    from spoofscope.studies.variants import parse_groups

    if spec.mode not in MODES:
        raise ConfigError("--mode", f"'{spec.mode}' is not one of {', '.join(MODES)}")
    greedy = spec.mode not in FIXED_MODES
    if not greedy and (spec.target_eer is not None or spec.size is not None):
        raise ConfigError("--target-eer/--size", f"only for greedy modes, not {spec.mode}")
    if spec.target_eer is not None and spec.size is not None:
        raise ConfigError("--target-eer", "give --target-eer or --size, not both")
    coefficients = parse_coefficients(spec.coefficients)
    cfg = _resolved(spec.recipe, spec.overrides)
    selection = locate_selection(cfg.model_dump(mode="json"), spec.features, coefficients)
    groups = parse_groups(spec.groups, coefficients) if spec.groups else []
    seeds = study_seeds(cfg.train.seed, spec.seeds)
    write_identity(
        spec.out,
        {
            "kind": "ablation",
            "recipe": str(spec.recipe),
            "overrides": list(spec.overrides),
            "features": spec.features,
            "frontends": None,
            "coefficients": list(coefficients),
            "selection_key": selection.key,
            "mode": spec.mode,
            "seeds": seeds,
        },
    )
    base = selection.baseline()
    all_runs: list[PlannedRun] = []
    results: dict[str, dict[str, Any]] = {}
    failures: list[tuple[str, str]] = []
    greedy_state = None
    if not greedy:
        variants = fixed_variants(selection, spec.mode, groups, spec.groups_mode)
        all_runs = plan(spec.recipe, spec.overrides, variants, seeds, spec.out)
        results, failures = _run_all(all_runs, engine, say, f"{spec.mode} plan")
    else:
        direction = spec.mode.removeprefix("greedy-")
        greedy_state = GreedyState(direction, coefficients, spec.size, spec.target_eer)
        known: list[Variant] = [base]
        while not greedy_state.done:
            candidates = greedy_state.candidates(selection)
            round_runs = plan(
                spec.recipe, spec.overrides, _unique([base, *candidates]), seeds, spec.out
            )
            got, failed = _run_all(
                round_runs, engine, say, f"{spec.mode} round {len(greedy_state.rounds) + 1} plan"
            )
            results.update(got)
            if failed:
                raise round_failed(len(greedy_state.rounds) + 1, failed)
            all_runs += round_runs
            known += candidates
            greedy_state.advance(_mean_dev_eer(round_runs, got), selection)
            say(
                f"  chosen: {greedy_state.rounds[-1]['chosen'] if greedy_state.rounds else '-'}"
                + (f"; stop: {greedy_state.stop_reason}" if greedy_state.done else "")
            )
    importance = (
        "keep"
        if spec.mode == "keep-one"
        or (spec.mode == "groups" and spec.groups_mode == "keep")
        or spec.mode == "greedy-forward"
        else "drop"
    )
    analysis = _analyse(all_runs, results, base.name, statistics, importance)
    by_name = {r.variant.name: r.variant for r in all_runs}
    facts: dict[str, Any] = {
        "recipe": spec.recipe,
        "mode": spec.mode,
        "features": f"{spec.features} {spec.coefficients}",
        "seeds": ", ".join(map(str, seeds)),
        "overrides": " ".join(spec.overrides) or "none",
    }
    sections: list[tuple[str, str]] = []
    extra: dict[str, Any] = {}
    if spec.interventions and not greedy:
        extra["interventions"] = _add_interventions(analysis, by_name, all_runs, cfg, coefficients)
        if extra["interventions"]:
            facts["occlusion/permutation"] = (
                f"baseline seed {seeds[0]}, first crops; Kendall tau vs retraining: "
                f"occlusion {extra['interventions']['tau_occlusion']:.3f}, "
                f"permutation {extra['interventions']['tau_permutation']:.3f}"
            )
    ranking = coefficient_ranking(spec.mode, analysis, by_name, coefficients, greedy_state)
    extra["ranking"] = ranking
    if greedy_state is not None:
        extra["greedy"] = {"rounds": greedy_state.rounds, "stop": greedy_state.stop_reason}
        sections.append(
            (
                "Selection path (chosen on mean dev EER)",
                report.table_html(
                    ["round", "chosen", "kept", "dev EER %"],
                    [
                        [
                            g["round"],
                            g["chosen"],
                            " ".join(map(str, g["kept"])),
                            f"{100 * g['dev_eer']:.2f}",
                        ]
                        for g in greedy_state.rounds
                    ],
                ),
            )
        )
        facts["stop"] = greedy_state.stop_reason
    if ranking:
        facts["coefficient ranking"] = " > ".join(f"c{c}" for c in ranking)
    _save_analysis(spec.out, analysis, extra)
    page = report.write_report(
        spec.out, f"{spec.features.upper()} ablation ({spec.mode})", analysis, facts, sections
    )
    return StudyResult(analysis, page, failures, extra)


def round_failed(round_no: int, failed: Sequence[tuple[str, str]]) -> SpoofscopeError:
    """The one-line error that stops a greedy selection whose round lost a run.

    A round picks the candidate with the lowest mean dev EER; choosing among the survivors could
    take a path the full round would not have (the lost run may have been the best), and every
    later round builds on the choice. So the selection stops, naming the run and its reason;
    the finished runs stay on disk, and the same command reuses them and retries the rest.
    """
    return runs_failed(f"greedy round {round_no}", failed)


def runs_failed(what: str, failed: Sequence[tuple[str, str]]) -> SpoofscopeError:
    """One line naming the first lost run of ``what`` and its reason (and how many more)."""
    run_dir, why = failed[0]
    first = why.strip().splitlines()[0] if why.strip() else "no reason given"
    more = f" (and {len(failed) - 1} more run(s))" if len(failed) > 1 else ""
    return SpoofscopeError(
        run_dir,
        f"{what} stopped{more}: {first}; finished runs are kept and the same "
        "command retries the rest",
    )


def _mean_dev_eer(runs: Sequence[PlannedRun], results: Mapping[str, Any]) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for run in runs:
        figures = results[run.task.run_dir]["figures"]
        values.setdefault(run.variant.name, []).append(float(figures["dev"]["eer"]))
    return {name: float(np.mean(v)) for name, v in values.items()}


def coefficient_ranking(
    mode: str,
    analysis: stats.Analysis,
    variants: Mapping[str, Variant],
    coefficients: Sequence[int],
    greedy: GreedyState | None = None,
) -> list[int]:
    """Coefficients from most to least important, as the mode can say it (empty for groups):
    lofo by ΔEER when left out, keep-one by EER alone, forward selection by the order added,
    backward selection the kept set first, then the removed ones latest first."""
    rows = sorted((r for r in analysis.rows if not r.baseline), key=lambda r: r.rank or 0)
    if mode == "lofo":
        return [next(c for c in coefficients if c not in variants[r.variant].kept) for r in rows]
    if mode == "keep-one":
        return [variants[r.variant].kept[0] for r in rows]
    if greedy is not None and greedy.direction == "forward":
        order = [c for g in greedy.rounds for c in g["kept"]]
        return list(dict.fromkeys(order))
    if greedy is not None:
        removed: list[int] = []
        kept = list(coefficients)
        for g in greedy.rounds:
            removed += [c for c in kept if c not in g["kept"]]
            kept = g["kept"]
        return sorted(kept) + removed[::-1]
    return []


def _add_interventions(
    analysis: stats.Analysis,
    variants: Mapping[str, Variant],
    runs: Sequence[PlannedRun],
    cfg: Any,
    coefficients: Sequence[int],
) -> dict[str, Any] | None:
    """Occlusion and permutation ΔEER of each variant's removed coefficients, on the first
    seed's trained baseline, into each row's ``extra``; Kendall tau against retraining."""
    from spoofscope.evaluation.evaluate import load_split
    from spoofscope.models.base import load_checkpoint
    from spoofscope.studies.intervention import first_crops, interventions

    base_run = next((r for r in runs if r.variant.baseline), None)
    if base_run is None or not (Path(base_run.task.run_dir) / "best").is_dir():
        return None
    model = load_checkpoint(Path(base_run.task.run_dir) / "best")
    rows = [r for r in analysis.rows if not r.baseline and r.delta_eer is not None]
    targets = [[c for c in coefficients if c not in variants[r.variant].kept] for r in rows]
    length, sr = model.crop_samples, model.sample_rate
    train, _ = load_split(
        cfg.data.corpus, cfg.data.root, cfg.data.train_split, cfg.data.max_train_files
    )
    test, _ = load_split(cfg.data.corpus, cfg.data.root, cfg.eval.split, cfg.eval.max_files)
    is_bona = np.asarray([u.key == "bonafide" for u in test])
    base_eer, found = interventions(
        model,
        first_crops(train, sr, length),
        first_crops(test, sr, length),
        is_bona,
        targets,
        seed=base_run.seed,
    )
    for row, result in zip(rows, found, strict=True):
        row.extra.update(
            occlusion_delta_eer=result.occlusion,
            permutation_delta_eer=result.permutation,
            permutation_std=result.permutation_std,
        )
    retrained = [r.delta_eer for r in rows]
    return {
        "baseline_first_crop_eer": base_eer,
        "tau_occlusion": stats.kendall_tau(retrained, [f.occlusion for f in found]),
        "tau_permutation": stats.kendall_tau(retrained, [f.permutation for f in found]),
    }


def _save_analysis(out: Path, analysis: stats.Analysis, extra: Mapping[str, Any]) -> None:
    (Path(out) / ANALYSIS_FILE).write_text(
        json.dumps({**analysis.to_dict(), **extra}, indent=2, default=float) + "\n"
    )


# --- compact top-k models ------------------------------------------------------------------------


def run_compact(
    study_dir: Path,
    ks: Sequence[int],
    engine: EngineChoice = EngineChoice(),
    statistics: Statistics = Statistics(),
    say: Say = _quiet,
    rounds: int = 30,
    seeds: int | None = None,
) -> StudyResult:
    """Train the top-k coefficients of an ablation's ranking for each k (same recipe and
    overrides; the run of all coefficients is the ablation's baseline, reused), compare them
    with the baseline, and time each model's forward pass on one thread.

    ``seeds``: how many seeds each model trains with, the recipe's and the next ones as in the
    ablation (None: the ablation's own seeds). Runs the ablation already has are reused, so
    more seeds than it had train only the missing baseline seeds and the top-k models.

    Raises:
        ConfigError: not an ablation directory, no ranking in it, a k outside 1..len(ranking),
            or fewer than one seed.
        SpoofscopeError: a run failed (one line naming it; the finished runs stay, and the
            same command retries the rest).
    """
    identity = read_identity(study_dir)
    if identity.get("kind") != "ablation":
        raise ConfigError(str(study_dir), "compact needs the directory of an ablation study")
    saved = json.loads((Path(study_dir) / ANALYSIS_FILE).read_text())
    ranking = saved.get("ranking") or []
    if not ranking:
        raise ConfigError(str(study_dir), f"mode {identity['mode']} gives no coefficient ranking")
    bad = [k for k in ks if not 1 <= k <= len(ranking)]
    if bad:
        raise ConfigError("--k", f"{bad} outside 1..{len(ranking)}")
    coefficients = tuple(identity["coefficients"])
    selection = Selection(identity["selection_key"], coefficients)
    variants = _unique([selection.baseline(), *(selection.variant(ranking[:k]) for k in ks)])
    recipe, overrides = identity["recipe"], tuple(identity["overrides"])
    chosen = identity["seeds"] if seeds is None else study_seeds(identity["seeds"][0], seeds)
    runs = plan(recipe, overrides, variants, chosen, study_dir)
    results, failures = _run_all(runs, engine, say, "compact plan")
    if failures:
        # the trade-off is a curve over every k: one with a point missing reads as a finding
        raise runs_failed("compact", failures)
    analysis = _analyse(runs, results, variants[0].name, statistics, "keep")
    points = _timings(runs, analysis, variants, ks, ranking, rounds)
    compact_path = Path(study_dir) / COMPACT_FILE
    compact_path.write_text(
        json.dumps({"ranking": ranking, "points": points, "analysis": analysis.to_dict()}, indent=2)
        + "\n"
    )
    ablation = _reload_analysis(saved)
    facts = {
        "recipe": recipe,
        "ranking": " > ".join(f"c{c}" for c in ranking),
        "timing": "torch.set_num_threads(1), batch 1, 4-s input, interleaved rounds",
    }
    headers = [
        "k",
        "kept",
        "EER % (mean ± std)",
        "ΔEER",
        f"p {analysis.correction}",
        "forward ms (median)",
        "IQR",
        "parameters",
    ]
    table = [
        [
            p["k"],
            " ".join(map(str, p["kept"])),
            f"{100 * p['eer_mean']:.2f} ± {100 * p['eer_std']:.2f}",
            "" if p["delta_eer"] is None else f"{100 * p['delta_eer']:+.2f}",
            _fmt(p["p_adjusted"]),
            f"{p['median_ms']:.2f}",
            f"{p['q1_ms']:.2f}-{p['q3_ms']:.2f}",
            p["parameters"],
        ]
        for p in points
    ]
    page = report.write_report(
        Path(study_dir),
        "Ablation and compact models",
        ablation,
        facts,
        [("Compact models", report.table_html(headers, table))],
        points,
    )
    return StudyResult(analysis, page, failures, {"points": points})


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _timings(
    runs: Sequence[PlannedRun],
    analysis: stats.Analysis,
    variants: Sequence[Variant],
    ks: Sequence[int],
    ranking: Sequence[int],
    rounds: int,
) -> list[dict[str, Any]]:
    from spoofscope.models.base import load_checkpoint
    from spoofscope.studies.timing import time_forward

    rows = {r.variant: r for r in analysis.rows}
    first_seed = min(r.seed for r in runs)
    models, names = {}, {}
    for k in ks:
        name = next(v.name for v in variants if set(v.kept) == set(ranking[:k]))
        run = next(r for r in runs if r.variant.name == name and r.seed == first_seed)
        models[name] = load_checkpoint(Path(run.task.run_dir) / "best")
        names[k] = name
    timings = time_forward(models, rounds=rounds)
    points = []
    for k in ks:
        name, row = names[k], rows[names[k]]
        t = timings[name]
        points.append(
            {
                "k": k,
                "variant": name,
                "kept": list(ranking[:k]),
                "eer_mean": row.mean["eer"],
                "eer_std": row.std["eer"],
                "delta_eer": row.delta_eer,
                "p_adjusted": row.p_adjusted,
                "median_ms": t.median_ms,
                "q1_ms": t.q1_ms,
                "q3_ms": t.q3_ms,
                "rounds": t.rounds,
                "parameters": models[name].num_parameters(),
            }
        )
    return points


def _reload_analysis(saved: Mapping[str, Any]) -> stats.Analysis:
    rows = [stats.Row(**r) for r in saved["rows"]]
    keys = (
        "alpha",
        "correction",
        "test",
        "level",
        "n_resamples",
        "n_trials",
        "rank_stability",
        "statement",
    )
    return stats.Analysis(rows, **{k: saved[k] for k in keys})


# --- front-end comparison ------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureStudy:
    """A front-end comparison's definition (what ``spoofscope study features`` takes)."""

    recipe: str
    out: Path
    frontends: tuple[str, ...]
    seeds: int = 3
    overrides: tuple[str, ...] = ()


def run_features(
    spec: FeatureStudy,
    engine: EngineChoice = EngineChoice(),
    statistics: Statistics = Statistics(),
    say: Say = _quiet,
) -> StudyResult:
    """Train the same model on each front-end; report train and test accuracy, their gap, EER
    and per-class precision / recall on the test split, with the study's statistics against the
    recipe's own front-end.

    Raises:
        ConfigError: an unknown or repeated front-end, or a directory holding another study.
    """
    cfg = _resolved(spec.recipe, spec.overrides)
    variants = frontend_variants(cfg.model_dump(mode="json"), list(spec.frontends))
    seeds = study_seeds(cfg.train.seed, spec.seeds)
    write_identity(
        spec.out,
        {
            "kind": "features",
            "recipe": str(spec.recipe),
            "overrides": list(spec.overrides),
            "features": None,
            "frontends": list(spec.frontends),
            "seeds": seeds,
        },
    )
    runs = plan(spec.recipe, spec.overrides, variants, seeds, spec.out, ("eval", "dev", "train"))
    results, failures = _run_all(runs, engine, say, "features plan")
    analysis = _analyse(runs, results, variants[0].name, statistics, "compare")
    _add_class_figures(analysis, runs, results)
    _save_analysis(spec.out, analysis, {})
    facts = {
        "recipe": spec.recipe,
        "front-ends": ", ".join(spec.frontends),
        "seeds": ", ".join(map(str, seeds)),
        "baseline": variants[0].name,
        "overrides": " ".join(spec.overrides) or "none",
    }
    headers = [
        "front-end",
        "train acc %",
        "test acc %",
        "gap",
        "bona fide P / R %",
        "spoof P / R %",
    ]
    table = [
        [r.label]
        + [f"{100 * r.extra[k]:.2f}" for k in ("train_accuracy", "test_accuracy", "train_test_gap")]
        + [
            f"{100 * r.extra[f'{c}_precision']:.1f} / {100 * r.extra[f'{c}_recall']:.1f}"
            for c in ("bonafide", "spoof")
        ]
        for r in report.ranked(analysis.rows)
        if "train_accuracy" in r.extra
    ]
    page = report.write_report(
        spec.out,
        "Front-end comparison",
        analysis,
        facts,
        [("Train, test and per class (means over seeds)", report.table_html(headers, table))],
    )
    return StudyResult(analysis, page, failures)


def _add_class_figures(
    analysis: stats.Analysis, runs: Sequence[PlannedRun], results: Mapping[str, Any]
) -> None:
    """Means over seeds of train and test accuracy, their gap, and per-class precision and
    recall on the test split, into each row's ``extra``."""
    per: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        if run.task.run_dir in results:
            per.setdefault(run.variant.name, []).append(results[run.task.run_dir]["figures"])
    for row in analysis.rows:
        figs = per.get(row.variant, [])
        if not figs:
            continue
        train = [f["train"]["accuracy"] for f in figs]
        test = [f["eval"]["accuracy"] for f in figs]
        row.extra.update(
            train_accuracy=float(np.mean(train)),
            test_accuracy=float(np.mean(test)),
            train_test_gap=float(np.mean(np.subtract(train, test))),
        )
        for label in ("bonafide", "spoof"):
            for k in ("precision", "recall"):
                row.extra[f"{label}_{k}"] = float(
                    np.mean([f["eval"]["per_class"][label][k] for f in figs])
                )
