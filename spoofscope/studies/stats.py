"""Statistics of a study: variants against the baseline, over seeds and over utterances.

Two sources of noise decide whether "dropping c4 raises the EER" is a finding:

* **seeds** — another initialisation and data order gives another model. The runs of a variant
  and of the baseline under one seed are paired (same seed, same data order), so the test is a
  *paired* test of the per-seed differences. Its default is the paired t-test
  (``scipy.stats.ttest_rel``): with the 3-5 seeds a study can afford it is the only one of the
  two that can reject at all — the exact two-sided Wilcoxon signed-rank test cannot give a
  p-value below 2 / 2^n, i.e. 0.0625 with 5 seeds, so it is offered (``test="wilcoxon"``) from
  :data:`WILCOXON_MIN_SEEDS` seeds up, where it is the choice that does not assume normal
  differences. With one seed there is no seed test, and the bootstrap p-value is used (named).
* **utterances** — the same models on other trials like these. A paired bootstrap
  (:func:`spoofscope.evaluation.bootstrap.resamples`: the same resamples for both systems)
  gives the interval of the mean-over-seeds ΔEER and a two-sided p-value.

Many variants are tested at once, so the p-values are corrected: Holm (family-wise error) or
Benjamini-Hochberg (false discovery rate), chosen by name and named in the output.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from spoofscope.errors import ConfigError, MetricError
from spoofscope.evaluation.bootstrap import Resampling, resamples
from spoofscope.evaluation.metrics import compute_eer

#: the smallest number of seeds for which the exact two-sided Wilcoxon test can reach p < 0.05
#: (2 / 2^6 = 0.031; with 5 seeds its floor is 0.0625)
WILCOXON_MIN_SEEDS = 6
#: classification figures averaged over seeds, beside the EER (bona fide is the positive class)
FIGURES = ("eer", "accuracy", "precision", "recall", "f1")


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (controls the family-wise error rate).

    The k-th smallest of m p-values is multiplied by m - k + 1, then made non-decreasing in
    that order and capped at 1; a hypothesis is rejected at level alpha when its adjusted
    p-value is at most alpha.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (controls the false discovery rate).

    The k-th smallest of m p-values is multiplied by m / k, then made non-increasing from the
    largest down and capped at 1.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


#: ``--correction`` name → (adjustment, what the output calls it)
CORRECTIONS: dict[str, tuple[Callable[[Sequence[float]], np.ndarray], str]] = {
    "holm": (holm, "Holm (family-wise error rate)"),
    "bh": (benjamini_hochberg, "Benjamini-Hochberg (false discovery rate)"),
}


def adjust(p_values: Sequence[float], correction: str) -> np.ndarray:
    """``p_values`` adjusted by the named correction (``holm`` or ``bh``); NaN stays NaN and
    does not count towards the number of tests.

    Raises:
        ConfigError: an unknown correction.
    """
    if correction not in CORRECTIONS:
        raise ConfigError("--correction", f"'{correction}' is not one of {', '.join(CORRECTIONS)}")
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = CORRECTIONS[correction][0](p[ok])
    return out


#: the ``--test`` names of :func:`paired_test`
SEED_TESTS = ("t", "wilcoxon")


def paired_test(deltas: Sequence[float], test: str) -> tuple[float, str]:
    """Two-sided p-value of "the mean per-seed difference is zero", and the test's name.

    ``test``: ``t`` (paired t-test, 2+ seeds) or ``wilcoxon`` (signed-rank, exact, from
    :data:`WILCOXON_MIN_SEEDS` seeds). Differences all equal give no t statistic: p is 1 when
    they are all zero and NaN otherwise (the caller falls back to the bootstrap).

    Raises:
        ConfigError: an unknown test, or too few seeds for it.
    """
    from scipy import stats

    d = np.asarray(deltas, dtype=np.float64)
    if test == "t":
        if d.size < 2:
            raise ConfigError("--test", "a paired t-test needs 2 or more seeds")
        if np.ptp(d) == 0:
            return (1.0 if d[0] == 0 else math.nan), "paired t-test"
        return float(stats.ttest_1samp(d, 0.0).pvalue), "paired t-test"
    if test == "wilcoxon":
        if d.size < WILCOXON_MIN_SEEDS:
            raise ConfigError(
                "--test", f"a Wilcoxon test needs {WILCOXON_MIN_SEEDS}+ seeds to reach p < 0.05"
            )
        if not d.any():
            return 1.0, "Wilcoxon signed-rank"
        return float(stats.wilcoxon(d, zero_method="wilcox").pvalue), "Wilcoxon signed-rank"
    raise ConfigError("--test", f"'{test}' is not one of {', '.join(SEED_TESTS)}")


@dataclass(frozen=True)
class Trials:
    """The eval trials every run of a study scored, in one order."""

    utt_id: tuple[str, ...]
    is_bona: np.ndarray  # [N] bool
    speaker: tuple[str, ...]


@dataclass
class SeedRun:
    """One trained run: its seed, the figures of each scored split, its eval scores ``[N]``."""

    seed: int
    figures: dict[str, dict[str, Any]]  # split role ("eval", "dev", "train") → metrics
    scores: np.ndarray


def bootstrap_delta(
    variant: np.ndarray, baseline: np.ndarray, is_bona: np.ndarray, how: Resampling
) -> tuple[float, float, float, float]:
    """Mean over seeds of ``EER(variant_s) - EER(baseline_s)`` with its paired-bootstrap
    percentile interval and two-sided p-value (plus-one corrected, as ``compare_eer``).

    Args:
        variant, baseline: ``[S, N]`` scores of the same S seeds on the same N trials.
        is_bona: ``[N]`` True for bona fide.

    Returns:
        ``(estimate, low, high, p_value)`` as fractions.
    """

    def mean_delta(index: np.ndarray) -> float:
        y = is_bona[index]
        return float(
            np.mean(
                [
                    _eer(v[index], y) - _eer(b[index], y)
                    for v, b in zip(variant, baseline, strict=True)
                ]
            )
        )

    if variant.shape != baseline.shape:
        raise MetricError("scores", f"variant {variant.shape} and baseline {baseline.shape} differ")
    rng = np.random.default_rng(how.seed)
    draws = np.array(
        [mean_delta(i) for i in resamples(is_bona, None, how.n_resamples, rng)], dtype=np.float64
    )
    tail = 100 * (1 - how.level) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    n = draws.size
    p = min(1.0, 2 * (1 + min(int((draws <= 0).sum()), int((draws >= 0).sum()))) / (n + 1))
    return mean_delta(np.arange(is_bona.size)), float(low), float(high), p


def _eer(scores: np.ndarray, is_bona: np.ndarray) -> float:
    return compute_eer(scores[is_bona], scores[~is_bona]).eer


@dataclass
class Row:
    """One variant's line of the results table (EERs and differences as fractions)."""

    variant: str
    label: str
    baseline: bool
    seeds: list[int]
    mean: dict[str, float]  # figure → mean over seeds (eval)
    std: dict[str, float]  # figure → sample standard deviation over seeds (0 with one seed)
    dev_eer: float | None = None
    delta_eer: float | None = None  # mean over seeds of variant − baseline, eval
    ci_low: float | None = None
    ci_high: float | None = None
    p_bootstrap: float | None = None
    p_seeds: float | None = None
    test: str = ""
    p_adjusted: float | None = None
    significant: bool = False
    per_seed_delta: list[float] = field(default_factory=list)
    per_seed_eer: list[float] = field(default_factory=list)
    rank: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Analysis:
    """The table, the choices behind it and the study's plain conclusions."""

    rows: list[Row]
    alpha: float
    correction: str
    test: str
    level: float
    n_resamples: int
    n_trials: int
    rank_stability: dict[str, Any] | None
    statement: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": [r.to_dict() for r in self.rows]}


def _figures(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(metrics[k]) for k in FIGURES if metrics.get(k) is not None}


def _mean_std(runs: Sequence[SeedRun], role: str) -> tuple[dict[str, float], dict[str, float]]:
    table = [_figures(r.figures.get(role, {})) for r in runs]
    keys = [k for k in FIGURES if all(k in t for t in table)] if table else []
    mean = {k: float(np.mean([t[k] for t in table])) for k in keys}
    std = {k: float(np.std([t[k] for t in table], ddof=1)) if len(table) > 1 else 0.0 for k in keys}
    return mean, std


def analyse(
    runs: Mapping[str, Sequence[SeedRun]],
    labels: Mapping[str, str],
    baseline: str,
    trials: Trials,
    *,
    alpha: float = 0.05,
    correction: str = "holm",
    test: str = "t",
    how: Resampling = Resampling(),
    importance: str = "drop",
) -> Analysis:
    """Compare every variant of ``runs`` with ``baseline``.

    Args:
        runs: variant name → its runs (one per seed). Seeds a variant shares with the baseline
            are paired; a seed only one of them has is left out of the differences.
        labels: variant name → table label.
        baseline: the variant the others are compared with.
        trials: the eval trials every run scored, in the order of ``SeedRun.scores``.
        alpha: the level of the significance call, after correction.
        correction: ``holm`` or ``bh`` (:data:`CORRECTIONS`).
        test: the seed test, ``t`` or ``wilcoxon`` (:func:`paired_test`); with one seed the
            bootstrap p-value is used whatever this says.
        how: the bootstrap over utterances (its unit must be ``trial``).
        importance: ``drop`` when variants leave coefficients out (a variant whose EER rises
            marks an important coefficient; ranked by ΔEER, largest first) or ``keep`` when a
            variant keeps only some (ranked by EER, lowest first); ``compare`` ranks as
            ``keep`` and states plain differences (front-ends).

    Raises:
        ConfigError: bad alpha, correction, test or importance; MetricError: no baseline runs.
    """
    if not 0 < alpha < 1:
        raise ConfigError("--alpha", f"must be in (0, 1), got {alpha}")
    if importance not in STATEMENTS:
        raise ConfigError("importance", f"choose one of {', '.join(STATEMENTS)}")
    if correction not in CORRECTIONS:
        raise ConfigError("--correction", f"'{correction}' is not one of {', '.join(CORRECTIONS)}")
    base_runs = {r.seed: r for r in runs.get(baseline, ())}
    if not base_runs:
        raise MetricError(baseline, "the baseline has no finished run")
    rows: list[Row] = []
    for name, seeded in runs.items():
        seeded = sorted(seeded, key=lambda r: r.seed)
        mean, std = _mean_std(seeded, "eval")
        dev, _ = _mean_std(seeded, "dev")
        row = Row(
            name,
            labels.get(name, name),
            name == baseline,
            [r.seed for r in seeded],
            mean,
            std,
            dev.get("eer"),
        )
        row.per_seed_eer = [float(r.figures["eval"]["eer"]) for r in seeded]
        rows.append(row)
        paired = [(r, base_runs[r.seed]) for r in seeded if r.seed in base_runs]
        if row.baseline or not paired:
            continue
        v = np.stack([r.scores for r, _ in paired])
        b = np.stack([s.scores for _, s in paired])
        row.per_seed_delta = [
            float(r.figures["eval"]["eer"] - s.figures["eval"]["eer"]) for r, s in paired
        ]
        row.delta_eer, row.ci_low, row.ci_high, row.p_bootstrap = bootstrap_delta(
            v, b, trials.is_bona, how
        )
        row.p_seeds, row.test = math.nan, "paired bootstrap over utterances (1 seed)"
        if len(paired) >= 2:
            row.p_seeds, row.test = paired_test(row.per_seed_delta, test)
            if not math.isfinite(row.p_seeds):
                row.test += " undefined (equal differences): paired bootstrap used"
    tested = [r for r in rows if r.delta_eer is not None]
    used = [
        r.p_seeds if r.p_seeds is not None and math.isfinite(r.p_seeds) else r.p_bootstrap
        for r in tested
    ]
    for row, p in zip(tested, adjust(used, correction), strict=True):
        row.p_adjusted = float(p)
        row.significant = bool(p <= alpha)
    _rank(rows, importance)
    stability = rank_stability(tested, importance)
    return Analysis(
        rows,
        alpha,
        correction,
        test,
        how.level,
        how.n_resamples,
        int(trials.is_bona.size),
        stability,
        statement(rows, alpha, correction, importance),
    )


def _importance(row: Row, importance: str) -> float:
    """Larger = more important: the EER rise when left out, or minus the EER when kept alone."""
    if importance == "drop":
        return row.delta_eer if row.delta_eer is not None else -math.inf
    return -row.mean.get("eer", math.inf)


def _rank(rows: list[Row], importance: str) -> None:
    ranked = sorted(
        (r for r in rows if not r.baseline), key=lambda r: (-_importance(r, importance), r.variant)
    )
    for i, row in enumerate(ranked, start=1):
        row.rank = i


def rank_stability(rows: Sequence[Row], importance: str) -> dict[str, Any] | None:
    """Kendall's tau between the variant rankings of every pair of seeds (``scipy.stats``).

    Each seed ranks the variants by its own ΔEER (``drop``) or EER (``keep``); None when fewer
    than two variants or two shared seeds.
    """
    from scipy import stats

    seeds = sorted(set.intersection(*(set(r.seeds) for r in rows))) if rows else []
    if len(rows) < 2 or len(seeds) < 2:
        return None

    def values(seed: int) -> list[float]:
        out = []
        for r in rows:
            i = r.seeds.index(seed)
            out.append(r.per_seed_delta[i] if importance == "drop" else -r.per_seed_eer[i])
        return out

    taus = []
    for a, b in itertools.combinations(seeds, 2):
        tau = stats.kendalltau(values(a), values(b)).statistic
        taus.append(float(tau) if math.isfinite(tau) else 0.0)
    return {
        "pairs": len(taus),
        "mean_tau": float(np.mean(taus)),
        "min_tau": float(np.min(taus)),
        "max_tau": float(np.max(taus)),
    }


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b of two scorings of the same items (NaN when either is constant)."""
    from scipy import stats

    return float(stats.kendalltau(a, b).statistic)


#: ``importance`` → (what a significant rise says, a significant fall, no difference)
STATEMENTS = {
    "drop": (
        "Significantly important {at}: {items} (leaving it out raises the eval EER).",
        "Leaving out helps significantly: {items}.",
        "Not distinguishable from the baseline: {items}.",
    ),
    "keep": (
        "Significantly worse than the baseline alone {at}: {items}.",
        "Significantly better alone: {items}.",
        "Alone, not distinguishable from the baseline: {items}.",
    ),
    "compare": (
        "Significantly worse than the baseline {at}: {items}.",
        "Significantly better than the baseline: {items}.",
        "Not distinguishable from the baseline: {items}.",
    ),
}


def statement(rows: Sequence[Row], alpha: float, correction: str, importance: str) -> list[str]:
    """The study's conclusion in plain sentences: which variants differ from the baseline at
    ``alpha`` after the correction, in which direction, and which do not."""
    name = CORRECTIONS[correction][1]
    tested = [r for r in rows if r.delta_eer is not None]
    if not tested:
        return ["No variant could be compared with the baseline."]
    up = [r.label for r in tested if r.significant and r.delta_eer > 0]
    down = [r.label for r in tested if r.significant and r.delta_eer < 0]
    same = [r.label for r in tested if not r.significant]
    at = f"at alpha {alpha:g} after {name} correction over {len(tested)} comparisons"
    return [
        template.format(at=at, items=", ".join(items) or "none")
        for template, items in zip(STATEMENTS[importance], (up, down, same), strict=True)
    ]
