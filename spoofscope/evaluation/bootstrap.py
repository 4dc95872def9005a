"""Bootstrap confidence intervals for the EER, and for the EER difference of two systems.

An EER from a few thousand trials moves by tenths of a point when the trials change, and a
corpus with few voices moves further when the voices change. Both matter when a round decides
between two detectors on one dev split: "9.50 against 9.85%" means little without an interval.

Two resampling units:

- ``"trial"``: each class's trials are drawn with replacement, as many as it has (a stratified
  bootstrap: the class sizes stay fixed, as they are in a protocol).
- ``"speaker"``: speakers are drawn with replacement, then each drawn speaker's trials are drawn
  with replacement within each class (a two-stage cluster bootstrap; Bisani & Ney, "Bootstrap
  estimates for confidence intervals in ASR performance evaluation", ICASSP 2004, resample by
  speaker for this reason). It answers "would the ranking hold on other voices like these". The
  second stage matters with few voices: three speakers give only ten distinct speaker draws, and
  drawing them whole would ignore the trial noise and could make the interval narrower than the
  trial bootstrap's. Resamples that miss a class are drawn again.

Two systems are compared on the *same* resamples (a paired bootstrap), so the interval of
``EER(a) - EER(b)`` is narrower than either EER's when the systems err on the same trials.
Intervals are percentile intervals; the p-value is the two-sided share of resampled differences
on the far side of zero, with the usual plus-one correction so it is never exactly 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from spoofscope.errors import MetricError
from spoofscope.evaluation.metrics import compute_eer

Unit = Literal["trial", "speaker"]
UNITS: tuple[str, ...] = ("trial", "speaker")
#: how many times a speaker resample that misses a class is redrawn before giving up
MAX_REDRAWS = 100


@dataclass(frozen=True)
class Interval:
    """A point estimate with its bootstrap percentile interval (fractions, like ``eer``)."""

    estimate: float
    low: float
    high: float
    level: float
    n_resamples: int
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """EERs of systems ``a`` and ``b`` on the same trials and the interval of ``eer_a - eer_b``."""

    eer_a: float
    eer_b: float
    difference: Interval
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "difference": self.difference.to_dict()}


def _check(
    scores: np.ndarray, is_bona: np.ndarray, groups: Sequence[str] | None, unit: str, level: float
) -> np.ndarray | None:
    if unit not in UNITS:
        raise MetricError("unit", f"choose one of {list(UNITS)}, got {unit!r}")
    if not 0.0 < level < 1.0:
        raise MetricError("level", f"must be in (0, 1), got {level}")
    if scores.shape[-1] != is_bona.shape[0]:
        raise MetricError("scores", f"{scores.shape[-1]} scores for {is_bona.shape[0]} labels")
    if not is_bona.any() or is_bona.all():
        raise MetricError("scores", "the EER needs both bona fide and spoof trials")
    if unit == "trial":
        return None
    if groups is None or len(groups) != is_bona.shape[0]:
        raise MetricError("groups", "a speaker bootstrap needs one speaker per trial")
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    if codes.max() < 1:
        raise MetricError("groups", "a speaker bootstrap needs at least two speakers")
    return codes


def resamples(
    is_bona: np.ndarray, codes: np.ndarray | None, n_resamples: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Yield ``n_resamples`` index arrays into the trials: stratified by class when ``codes`` is
    None, else clusters (``codes``: an integer cluster per trial) drawn with replacement and then
    each drawn cluster's trials drawn with replacement within each class."""
    if codes is None:
        for _ in range(n_resamples):
            yield _within_classes(np.arange(is_bona.size), is_bona, rng)
        return
    members = [np.flatnonzero(codes == c) for c in range(int(codes.max()) + 1)]
    for _ in range(n_resamples):
        for _attempt in range(MAX_REDRAWS):
            drawn = rng.integers(len(members), size=len(members))
            labels = is_bona[np.concatenate([members[c] for c in drawn])]
            if labels.any() and not labels.all():
                break
        else:
            raise MetricError("groups", "speaker resamples keep missing a class")
        yield np.concatenate([_within_classes(members[c], is_bona, rng) for c in drawn])


def _within_classes(index: np.ndarray, is_bona: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``index`` redrawn with replacement, as many bona fide and spoof trials as it holds."""
    parts = [index[is_bona[index]], index[~is_bona[index]]]
    return np.concatenate([rng.choice(p, p.size) for p in parts if p.size])


def _eer(scores: np.ndarray, is_bona: np.ndarray) -> float:
    return compute_eer(scores[is_bona], scores[~is_bona]).eer


def _interval(estimate: float, draws: np.ndarray, level: float, unit: str) -> Interval:
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Interval(float(estimate), float(low), float(high), level, int(draws.size), unit)


@dataclass(frozen=True)
class Resampling:
    """How to bootstrap: the unit (``"trial"`` or ``"speaker"``, see the module docstring), the
    interval's coverage, the number of resamples and the seed (so a report is reproducible)."""

    unit: Unit = "trial"
    level: float = 0.95
    n_resamples: int = 1000
    seed: int = 0


def _draws(
    systems: np.ndarray, is_bona: np.ndarray, groups: Sequence[str] | None, how: Resampling
) -> np.ndarray:
    """EER of each system ``[S, N]`` on each resample → ``[n_resamples, S]`` (shared resamples)."""
    codes = _check(systems, is_bona, groups, how.unit, how.level)
    rng = np.random.default_rng(how.seed)
    return np.array(
        [
            [_eer(s[i], is_bona[i]) for s in systems]
            for i in resamples(is_bona, codes, how.n_resamples, rng)
        ]
    )


def eer_interval(
    scores: Sequence[float] | np.ndarray,
    is_bona: Sequence[bool] | np.ndarray,
    groups: Sequence[str] | None = None,
    how: Resampling = Resampling(),
) -> Interval:
    """EER of ``scores`` (higher = bona fide, one per trial) with its bootstrap interval.

    ``is_bona`` is True for bona fide trials; ``groups`` gives each trial's speaker (needed when
    ``how.unit == "speaker"``).

    Raises:
        MetricError: mismatched lengths, a missing class, an unknown unit, a level outside
            (0, 1), or a speaker bootstrap without at least two speakers.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(is_bona, dtype=bool)
    draws = _draws(s[None], y, groups, how)[:, 0]
    return _interval(_eer(s, y), draws, how.level, how.unit)


def compare_eer(
    scores_a: Sequence[float] | np.ndarray,
    scores_b: Sequence[float] | np.ndarray,
    is_bona: Sequence[bool] | np.ndarray,
    groups: Sequence[str] | None = None,
    how: Resampling = Resampling(),
) -> Comparison:
    """Paired bootstrap of ``EER(a) - EER(b)`` for two systems scored on the same trials.

    A negative difference means ``a`` errs less. Arguments as for :func:`eer_interval`.

    Raises:
        MetricError: as :func:`eer_interval`, or the two systems score different numbers of trials.
    """
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.shape != b.shape:
        raise MetricError("scores", f"system a scores {a.size} trials, system b {b.size}")
    y = np.asarray(is_bona, dtype=bool)
    draws = _draws(np.stack([a, b]), y, groups, how)
    diffs = draws[:, 0] - draws[:, 1]
    eer_a, eer_b = _eer(a, y), _eer(b, y)
    n = diffs.size
    p = min(1.0, 2 * (1 + min(int((diffs <= 0).sum()), int((diffs >= 0).sum()))) / (n + 1))
    return Comparison(eer_a, eer_b, _interval(eer_a - eer_b, diffs, how.level, how.unit), p)
