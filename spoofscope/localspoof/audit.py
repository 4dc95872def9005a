"""Shortcut audit: can simple, content-free measures tell bona fide from spoof in a corpus?

For each file we measure things a detector should *not* be able to win by (length, silence, level,
bandwidth, noise floor, DC, pitch, language). Each measure alone is used as a score and its EER
reported; since a measure's direction is unknown, the EER is ``min(EER, 1 - EER)``. A
cross-validated logistic regression over all measures shows whether they separate the classes
together. A corpus passes when every single measure stays at or above 30% EER and the combination
at or above 20%.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from spoofscope.audio.channel import frame_rms_db
from spoofscope.audio.pitch import median_f0
from spoofscope.errors import CorpusError
from spoofscope.evaluation.metrics import compute_eer
from spoofscope.localspoof.layout import read_manifest

SINGLE_MIN_EER = 0.30
COMBINED_MIN_EER = 0.20
#: Below this many files per class the EERs are too noisy to gate on (the standard error of an
#: EER near 0.3 is about sqrt(0.3*0.7/n); with 100 files a class it is ~0.05), so only report.
MIN_FILES_TO_GATE = 100
SILENCE_DB = -35.0  # frames more than 35 dB under the loudest one count as silence
NUMERIC = (
    "duration_s", "lead_silence_s", "trail_silence_s", "rms_dbfs", "peak_dbfs", "rolloff_hz",
    "centroid_hz", "above_3k4_db", "below_300_db", "noise_floor_db", "dc_offset", "f0_median_hz",
)  # fmt: skip
MEASURES = (*NUMERIC, "language")


def measure(wave: np.ndarray, sr: int) -> dict[str, float]:
    """The numeric audit measures of one recording ``wave`` [T] at ``sr``.

    Returns:
        measure name → value (see :data:`NUMERIC`); F0 is 0 when the file is too short for it.
    """
    x = np.asarray(wave, dtype=np.float64)
    frame = int(0.02 * sr)
    levels = frame_rms_db(x, sr)
    active = np.flatnonzero(levels > levels.max() + SILENCE_DB) if levels.size else np.array([0])
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2 if len(x) else np.zeros(1)
    freqs = np.fft.rfftfreq(len(x), 1 / sr) if len(x) else np.zeros(1)
    total = float(power.sum()) or 1e-20
    cumulative = np.cumsum(power) / total
    return {
        "duration_s": len(x) / sr,
        "lead_silence_s": float(active[0] * frame / sr),
        "trail_silence_s": float((len(levels) - 1 - active[-1]) * frame / sr)
        if levels.size
        else 0.0,
        "rms_dbfs": float(10 * np.log10(np.mean(x**2) + 1e-12)),
        "peak_dbfs": float(20 * np.log10(np.max(np.abs(x)) + 1e-12)),
        "rolloff_hz": float(freqs[min(np.searchsorted(cumulative, 0.85), len(freqs) - 1)]),
        "centroid_hz": float((freqs * power).sum() / total),
        "above_3k4_db": float(10 * np.log10(power[freqs > 3400].sum() / total + 1e-12)),
        "below_300_db": float(10 * np.log10(power[freqs < 300].sum() / total + 1e-12)),
        "noise_floor_db": float(np.percentile(levels, 10)) if levels.size else -120.0,
        "dc_offset": float(np.mean(x)),
        # YIN, not DIO: DIO reads a band-passed male voice as its harmonics (spoofscope.audio.pitch)
        "f0_median_hz": median_f0(x, sr),
    }


def _measure_file(path: str) -> dict[str, float]:
    wave, sr = sf.read(path, dtype="float32", always_2d=True)
    return measure(wave.mean(axis=1), sr)


def break_ties(values: np.ndarray, seed: int = 0) -> np.ndarray:
    """``values`` plus seeded jitter smaller than half the smallest gap between distinct values.

    The official EER walks tied scores one by one (bona fide first), so a constant measure would
    score 0% or 100%; a measure that carries no information must score 50%.
    """
    distinct = np.unique(values)
    gap = float(np.min(np.diff(distinct))) if distinct.size > 1 else 1.0
    rng = np.random.default_rng(seed)
    return values + rng.uniform(0, 0.5 * gap, size=values.shape)


def single_eer(values: np.ndarray, is_bonafide: np.ndarray) -> float:
    """EER of ``values`` used as a score, direction-free (``min(EER, 1 - EER)``), ties broken."""
    v = break_ties(np.asarray(values, dtype=np.float64))
    e = compute_eer(v[is_bonafide], v[~is_bonafide]).eer
    return float(min(e, 1.0 - e))


def language_scores(languages: Sequence[str], is_bonafide: np.ndarray) -> np.ndarray:
    """Score each file by the share of bona fide files among files of its language."""
    langs = np.asarray(languages)
    scores = np.zeros(len(langs))
    for lang in np.unique(langs):
        mask = langs == lang
        scores[mask] = is_bonafide[mask].mean()
    return scores


def combined_eer(features: np.ndarray, is_bonafide: np.ndarray, seed: int = 0) -> float:
    """EER of a 5-fold cross-validated, standardised logistic regression over ``features`` [N, M]."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = min(5, int(is_bonafide.sum()), int((~is_bonafide).sum()))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(n_splits=max(folds, 2), shuffle=True, random_state=seed)
    scores = cross_val_predict(model, features, is_bonafide, cv=cv, method="decision_function")
    return float(compute_eer(scores[is_bonafide], scores[~is_bonafide]).eer)


@dataclass
class AuditReport:
    """EER of each measure alone and of all of them together, with the verdict.

    ``splits`` holds the same report for each split alone: a shortcut can hide in the pooled
    corpus (two splits erring in opposite directions) and still hand one split's classes away.
    """

    n_bonafide: int
    n_spoof: int
    single: dict[str, float]
    combined: float
    gated: bool
    failures: list[str] = field(default_factory=list)
    splits: dict[str, AuditReport] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def table(self) -> list[tuple[str, float, str]]:
        """Rows (measure, EER, verdict) for printing, the combination last."""
        rows = [
            (name, eer, "ok" if eer >= SINGLE_MIN_EER else "SHORTCUT")
            for name, eer in self.single.items()
        ]
        verdict = "ok" if self.combined >= COMBINED_MIN_EER else "SHORTCUT"
        rows.append(("logistic regression (all, 5-fold CV)", self.combined, verdict))
        return rows

    def markdown(self) -> str:
        """The audit table in Markdown, then one table a split."""
        lines = ["| measure | EER | verdict |", "| --- | ---: | --- |"]
        lines += [f"| {m} | {e * 100:.1f}% | {v} |" for m, e, v in self.table()]
        note = (
            f"{self.n_bonafide} bona fide and {self.n_spoof} spoof files; thresholds: each measure "
            f">= {SINGLE_MIN_EER:.0%}, combination >= {COMBINED_MIN_EER:.0%}."
        )
        if not self.gated:
            note += f" Fewer than {MIN_FILES_TO_GATE} files a class: reported, not enforced."
        parts = [*lines, "", note]
        for split, report in self.splits.items():
            parts += ["", f"### Split {split}", "", report.markdown()]
        return "\n".join(parts)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: counts, EERs, gate, verdict, failures, and each split's under
        ``splits``."""
        fields = ("n_bonafide", "n_spoof", "single", "combined", "gated", "passed", "failures")
        out: dict[str, object] = {name: getattr(self, name) for name in fields}
        out["splits"] = {split: part.to_dict() for split, part in self.splits.items()}
        return out

    def raise_if_failed(self) -> None:
        """Raise CorpusError listing every measure that gives the classes away."""
        if self.failures:
            raise CorpusError(
                "shortcut audit",
                "failed: " + "; ".join(self.failures) + " (fix the processing, not the threshold)",
            )


def measure_files(
    paths: Sequence[str], workers: int = 1, progress: bool = False
) -> list[dict[str, float]]:
    """The :func:`measure` row of every file of ``paths``, in order."""
    from rich.progress import track

    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(
                track(
                    pool.map(_measure_file, paths, chunksize=16),
                    total=len(paths),
                    description="auditing",
                    disable=not progress,
                )
            )
    return [_measure_file(p) for p in track(paths, description="auditing", disable=not progress)]


def score_measures(
    rows: Sequence[dict[str, float]], keys: Sequence[str], languages: Sequence[str]
) -> AuditReport:
    """Score measured ``rows`` (with each file's key and language); see the module docstring.

    Raises:
        MetricError: when a class is empty.
    """
    is_bonafide = np.array([k == "bonafide" for k in keys])
    single = {m: single_eer(np.array([r[m] for r in rows]), is_bonafide) for m in NUMERIC}
    lang_score = language_scores(languages, is_bonafide)
    single["language"] = single_eer(lang_score, is_bonafide)
    onehot = np.array([[lang == u for u in sorted(set(languages))] for lang in languages], float)
    features = np.column_stack([np.array([[r[m] for m in NUMERIC] for r in rows]), onehot])
    combined = combined_eer(features, is_bonafide)
    n_bf, n_sp = int(is_bonafide.sum()), int((~is_bonafide).sum())
    gated = min(n_bf, n_sp) >= MIN_FILES_TO_GATE
    failures: list[str] = []
    if gated:
        failures += [
            f"{m} alone gives {e:.1%} EER (< {SINGLE_MIN_EER:.0%})"
            for m, e in single.items()
            if e < SINGLE_MIN_EER
        ]
        if combined < COMBINED_MIN_EER:
            failures.append(
                f"all measures together give {combined:.1%} EER (< {COMBINED_MIN_EER:.0%})"
            )
    return AuditReport(n_bf, n_sp, single, combined, gated, failures)


def audit(
    paths: Sequence[str],
    keys: Sequence[str],
    languages: Sequence[str],
    workers: int = 1,
    progress: bool = False,
    splits: Sequence[str] | None = None,
) -> AuditReport:
    """Measure every file and score the measures, pooled and (given ``splits``, each file's
    split) for each split alone; a split's failures fail the report, named by split.

    Raises:
        MetricError: when a class is empty in the corpus or in a split.
    """
    rows = measure_files(paths, workers, progress)
    report = score_measures(rows, keys, languages)
    named = list(dict.fromkeys(splits or ()))
    for split in named if len(named) > 1 else ():  # one split alone is the pooled report
        idx = [i for i, s in enumerate(splits or ()) if s == split]
        part = score_measures(
            [rows[i] for i in idx], [keys[i] for i in idx], [languages[i] for i in idx]
        )
        report.splits[split] = part
        report.failures += [f"{split}: {why}" for why in part.failures]
    return report


def audit_corpus(root: str | Path, workers: int = 1, progress: bool = False) -> AuditReport:
    """Audit the LocalSpoof corpus at ``root`` (reads its ``localspoof.csv``), pooled and by split.

    Raises:
        CorpusError: when the manifest is missing.
    """
    root = Path(root)
    rows = read_manifest(root)
    return audit(
        [str(root / r["path"]) for r in rows],
        [r["key"] for r in rows],
        [r["language"] for r in rows],
        workers=workers,
        progress=progress,
        splits=[r["split"] for r in rows],
    )
