"""Detection metrics with the official ASVspoof conventions.

Scores follow the project contract: higher means more likely bona fide. Every function here was
checked against the official evaluation packages (ASVspoof 2019 via clovaai/aasist ``evaluation.py``,
the ASVspoof 2021 ``eval-package`` and the ASVspoof 5 ``evaluation-package``) on the reference score
files in ``shared/reference/metrics`` (see tests/unit/evaluation/test_metrics_reference.py).

Conventions the official code fixes and we keep:

* The DET curve rejects trials in ascending score order; at equal scores bona fide trials are rejected
  before spoof trials (a stable sort of bona fide followed by spoof scores).
* The EER is the mean of FRR and FAR at the *first* DET point minimising |FRR - FAR|, and its threshold
  is the score of the last rejected trial (the lowest score minus 0.001 when nothing is rejected).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from spoofscope.errors import MetricError

# --- cost models (named constants, one place) ----------------------------------------------------

#: ASVspoof 2019 t-DCF cost model (as in the 2019 evaluation plan and AASIST's evaluation.py).
ASVSPOOF2019_TDCF = {
    "Pspoof": 0.05,
    "Ptar": 0.9405,  # (1 - Pspoof) * 0.99
    "Pnon": 0.0095,  # (1 - Pspoof) * 0.01
    "Cmiss_asv": 1.0,
    "Cfa_asv": 10.0,
    "Cmiss_cm": 1.0,
    "Cfa_cm": 10.0,
}
#: ASVspoof 2021 revised t-DCF cost model (2021 eval-package config.cost_model).
ASVSPOOF2021_TDCF = {
    "Pspoof": 0.05,
    "Ptar": 0.9405,
    "Pnon": 0.0095,
    "Cmiss": 1.0,
    "Cfa": 10.0,
    "Cfa_spoof": 10.0,
}
#: ASVspoof 5 track 1 (CM-only) detection cost (evaluation-package defaults).
ASVSPOOF5_DCF = {"Pspoof": 0.05, "Cmiss": 1.0, "Cfa": 10.0}
#: ASVspoof 5 track 2 architecture-agnostic DCF (what its evaluation.py uses for t2_tandem).
ASVSPOOF5_ADCF = {
    "Ptrg": 0.9405,
    "Pnontrg": 0.0095,
    "Pspf": 0.05,
    "Cmiss": 1.0,
    "Cfa_asv": 10.0,
    "Cfa_cm": 10.0,
}


def _as_scores(x: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size == 0:
        raise MetricError(what, "no scores: both classes need at least one trial")
    if not np.isfinite(arr).all():
        raise MetricError(what, "scores contain NaN or infinity")
    return arr


@dataclass(frozen=True)
class DetCurve:
    """Miss and false-alarm rates at every cut of the sorted scores.

    Point k rejects the k lowest-scoring trials (k = 0..N). ``frr[k]`` is the fraction of positive
    (bona fide / target) trials rejected, ``far[k]`` the fraction of negative trials accepted, and
    ``thresholds[k]`` the score of the k-th rejected trial.
    """

    frr: np.ndarray
    far: np.ndarray
    thresholds: np.ndarray


def _sweep(*groups: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Reject trials one at a time in ascending score order; count rejections per group.

    The sort is stable over the groups in the order given, so at equal scores trials of the first
    group are rejected first (the official bona-fide-first convention). Returns, per group, the
    number of its trials rejected after k = 0..N rejections, and the threshold of each point: the
    score of the last rejected trial (the lowest score minus 0.001 when none is).
    """
    scores = np.concatenate(groups)
    labels = np.concatenate([np.full(g.size, i) for i, g in enumerate(groups)])
    order = np.argsort(scores, kind="mergesort")
    rejected = [np.concatenate([[0.0], np.cumsum(labels[order] == i)]) for i in range(len(groups))]
    thresholds = np.concatenate([[scores[order[0]] - 0.001], scores[order]])
    return rejected, thresholds


def det_curve(positive: np.ndarray, negative: np.ndarray) -> DetCurve:
    """DET curve of positive (bona fide) against negative (spoof) scores, official tie order."""
    positive = _as_scores(positive, "bona fide scores")
    negative = _as_scores(negative, "spoof scores")
    (rejected_pos, rejected_neg), thresholds = _sweep(positive, negative)
    # Counts are whole numbers held exactly in float64, so n - rejected equals the official
    # (n_neg - (k - rejected_pos)) to the last bit.
    return DetCurve(
        frr=rejected_pos / positive.size,
        far=(negative.size - rejected_neg) / negative.size,
        thresholds=thresholds,
    )


@dataclass(frozen=True)
class EER:
    """Equal error rate as a fraction, with its threshold and DET index."""

    eer: float
    threshold: float
    index: int
    frr: float
    far: float

    @property
    def percent(self) -> float:
        return self.eer * 100


def compute_eer(bonafide: Sequence[float] | np.ndarray, spoof: Sequence[float] | np.ndarray) -> EER:
    """Equal error rate of bona fide against spoof scores (higher score = more bona fide).

    Raises:
        MetricError: when a class is empty or a score is not finite.
    """
    det = det_curve(np.asarray(bonafide), np.asarray(spoof))
    k = int(np.argmin(np.abs(det.frr - det.far)))
    return EER(
        eer=float(np.mean((det.frr[k], det.far[k]))),
        threshold=float(det.thresholds[k]),
        index=k,
        frr=float(det.frr[k]),
        far=float(det.far[k]),
    )


def per_attack_eer(
    scores: np.ndarray, keys: Sequence[str], attacks: Sequence[str]
) -> dict[str, EER]:
    """EER of all bona fide trials against the spoofs of each attack, by attack id (sorted)."""
    scores = np.asarray(scores, dtype=np.float64)
    keys_arr = np.asarray(keys)
    attacks_arr = np.asarray(attacks)
    bona = scores[keys_arr == "bonafide"]
    out: dict[str, EER] = {}
    for attack in sorted(set(attacks_arr[keys_arr == "spoof"].tolist())):
        out[attack] = compute_eer(bona, scores[(keys_arr == "spoof") & (attacks_arr == attack)])
    return out


def per_speaker_errors(
    scores: np.ndarray, keys: Sequence[str], speakers: Sequence[str], threshold: float
) -> dict[str, dict[str, float | int | None]]:
    """Error rates at ``threshold`` for each speaker (sorted), accepting at ``score >= threshold``.

    ``bonafide_rejected`` is the share of the speaker's bona fide trials scored below the
    threshold, ``spoof_accepted`` the share of the spoofs *labelled with* the speaker (the voice
    they imitate) scored at or above it; None where the speaker has no trial of that class. With
    few voices in a split, an EER is mostly which voices a model fails on; this says which.
    """
    scores = np.asarray(scores, dtype=np.float64)
    bona = np.asarray(keys) == "bonafide"
    speakers_arr = np.asarray(speakers)
    accept = scores >= threshold
    out: dict[str, dict[str, float | int | None]] = {}
    for speaker in sorted(set(speakers_arr.tolist())):
        mine = speakers_arr == speaker
        b, f = mine & bona, mine & ~bona
        out[speaker] = {
            "n_bonafide": int(b.sum()),
            "bonafide_rejected": float((~accept[b]).mean()) if b.any() else None,
            "n_spoof": int(f.sum()),
            "spoof_accepted": float(accept[f].mean()) if f.any() else None,
        }
    return out


#: Upper edges (seconds) of the duration bands :func:`per_duration_errors` reports: shorter than
#: one of the shipped models' 2-s windows, one to two windows, then doublings.
DURATION_EDGES: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)


def per_duration_errors(
    scores: np.ndarray,
    keys: Sequence[str],
    durations: Sequence[float] | np.ndarray,
    threshold: float,
    edges: Sequence[float] = DURATION_EDGES,
) -> list[dict[str, float | int | str | None]]:
    """Errors by recording length: one row per band ``[lo, hi)`` of ``durations`` (seconds).

    Each row gives the band's trials of each class, the EER within the band (None unless both
    classes are there) and, at ``threshold`` (accepting at ``score >= threshold``), the share of
    its bona fide trials rejected and of its spoofs accepted. Bands without trials are left out.
    A short recording gives a model less to go on, and corpora differ in how many they hold; this
    says how much of an EER comes from them.
    """
    scores = np.asarray(scores, dtype=np.float64)
    bona = np.asarray(keys) == "bonafide"
    durations_arr = np.asarray(durations, dtype=np.float64)
    if durations_arr.shape != scores.shape:
        raise MetricError("durations", f"{len(durations_arr)} given for {len(scores)} scores")
    accept = scores >= threshold
    bounds = [0.0, *edges, math.inf]
    rows: list[dict[str, float | int | str | None]] = []
    for lo, hi in pairwise(bounds):
        band = (durations_arr >= lo) & (durations_arr < hi)
        b, f = band & bona, band & ~bona
        if not band.any():
            continue
        label = f"{lo:g}-{hi:g} s" if math.isfinite(hi) else f"{lo:g} s and longer"
        rows.append(
            {
                "band": label,
                "min_seconds": lo,
                "max_seconds": hi if math.isfinite(hi) else None,
                "n_bonafide": int(b.sum()),
                "n_spoof": int(f.sum()),
                "eer": compute_eer(scores[b], scores[f]).eer if b.any() and f.any() else None,
                "bonafide_rejected": float((~accept[b]).mean()) if b.any() else None,
                "spoof_accepted": float(accept[f].mean()) if f.any() else None,
            }
        )
    return rows


# --- tandem metrics (ASV + CM) -------------------------------------------------------------------


@dataclass(frozen=True)
class AsvErrorRates:
    """ASV error rates at the ASV system's own EER threshold."""

    threshold: float
    Pfa: float
    Pmiss: float
    Pmiss_spoof: float

    @property
    def Pfa_spoof(self) -> float:
        return 1.0 - self.Pmiss_spoof


def asv_error_rates(
    target: np.ndarray, nontarget: np.ndarray, spoof: np.ndarray, threshold: float | None = None
) -> AsvErrorRates:
    """ASV false-alarm and miss rates (threshold: the ASV EER threshold unless given)."""
    target = _as_scores(target, "ASV target scores")
    nontarget = _as_scores(nontarget, "ASV nontarget scores")
    spoof = _as_scores(spoof, "ASV spoof scores")
    if threshold is None:
        threshold = compute_eer(target, nontarget).threshold
    return AsvErrorRates(
        threshold=float(threshold),
        Pfa=float(np.sum(nontarget >= threshold) / nontarget.size),
        Pmiss=float(np.sum(target < threshold) / target.size),
        Pmiss_spoof=float(np.sum(spoof < threshold) / spoof.size),
    )


@dataclass(frozen=True)
class TDCF:
    """Minimum normalised t-DCF with the CM threshold that reaches it."""

    min_tdcf: float
    threshold: float
    index: int
    variant: str


def min_tdcf_2019(
    bonafide_cm: np.ndarray,
    spoof_cm: np.ndarray,
    asv: AsvErrorRates,
    cost: Mapping[str, float] = ASVSPOOF2019_TDCF,
) -> TDCF:
    """ASVspoof 2019 min t-DCF: (C1·Pmiss_cm + C2·Pfa_cm) / min(C1, C2) (Kinnunen et al., 2018).

    Raises:
        MetricError: when the cost model makes C1 or C2 non-positive.
    """
    c1 = cost["Ptar"] * (cost["Cmiss_cm"] - cost["Cmiss_asv"] * asv.Pmiss) - (
        cost["Pnon"] * cost["Cfa_asv"] * asv.Pfa
    )
    c2 = cost["Cfa_cm"] * cost["Pspoof"] * (1 - asv.Pmiss_spoof)
    if c1 < 0 or c2 < 0:
        raise MetricError("t-DCF", "C1 or C2 is negative: ASV error rates are worse than chance")
    det = det_curve(bonafide_cm, spoof_cm)
    norm = (c1 * det.frr + c2 * det.far) / np.minimum(c1, c2)
    k = int(np.argmin(norm))
    return TDCF(float(norm[k]), float(det.thresholds[k]), k, "asvspoof2019")


def tdcf_2021_constants(
    asv: AsvErrorRates, cost: Mapping[str, float] = ASVSPOOF2021_TDCF
) -> tuple[float, float, float]:
    """C0, C1, C2 of the revised t-DCF (ASVspoof 2021 evaluation plan)."""
    c0 = cost["Ptar"] * cost["Cmiss"] * asv.Pmiss + cost["Pnon"] * cost["Cfa"] * asv.Pfa
    c1 = cost["Ptar"] * cost["Cmiss"] - c0
    c2 = cost["Pspoof"] * cost["Cfa_spoof"] * asv.Pfa_spoof
    return c0, c1, c2


def min_tdcf_2021(
    bonafide_cm: np.ndarray,
    spoof_cm: np.ndarray,
    asv: AsvErrorRates,
    cost: Mapping[str, float] = ASVSPOOF2021_TDCF,
) -> TDCF:
    """Revised min t-DCF used from ASVspoof 2021 on: (C0 + C1·Pmiss + C2·Pfa) / (C0 + min(C1, C2))."""
    c0, c1, c2 = tdcf_2021_constants(asv, cost)
    det = det_curve(bonafide_cm, spoof_cm)
    norm = (c0 + c1 * det.frr + c2 * det.far) / (c0 + min(c1, c2))
    k = int(np.argmin(norm))
    return TDCF(float(norm[k]), float(det.thresholds[k]), k, "asvspoof2021")


# --- ASVspoof 5 track 1 --------------------------------------------------------------------------


def min_dcf(
    bonafide: np.ndarray, spoof: np.ndarray, cost: Mapping[str, float] = ASVSPOOF5_DCF
) -> tuple[float, float]:
    """Normalised minimum detection cost of a CM alone (ASVspoof 5), and its threshold."""
    det = det_curve(bonafide, spoof)
    dcf = cost["Cmiss"] * (1 - cost["Pspoof"]) * det.frr + cost["Cfa"] * cost["Pspoof"] * det.far
    dcf = dcf / min(cost["Cmiss"] * (1 - cost["Pspoof"]), cost["Cfa"] * cost["Pspoof"])
    k = int(np.argmin(dcf))
    return float(dcf[k]), float(det.thresholds[k])


def act_dcf(
    bonafide: np.ndarray, spoof: np.ndarray, cost: Mapping[str, float] = ASVSPOOF5_DCF
) -> tuple[float, float]:
    """Actual DCF of scores read as log-likelihood ratios, at the Bayes threshold; and that threshold."""
    bonafide = _as_scores(bonafide, "bona fide scores")
    spoof = _as_scores(spoof, "spoof scores")
    threshold = -np.log(cost["Cmiss"] * (1 - cost["Pspoof"]) / (cost["Cfa"] * cost["Pspoof"]))
    pmiss = np.sum(bonafide < threshold) / bonafide.size
    pfa = np.sum(spoof >= threshold) / spoof.size
    dcf = cost["Cmiss"] * (1 - cost["Pspoof"]) * pmiss + cost["Cfa"] * cost["Pspoof"] * pfa
    dcf = dcf / min(cost["Cmiss"] * (1 - cost["Pspoof"]), cost["Cfa"] * cost["Pspoof"])
    return float(dcf), float(threshold)


def cllr(bonafide: np.ndarray, spoof: np.ndarray) -> float:
    """Log-likelihood-ratio cost in bits (Brümmer and du Preez, 2006); scores read as natural LLRs."""
    bonafide = _as_scores(bonafide, "bona fide scores")
    spoof = _as_scores(spoof, "spoof scores")
    c_bona = np.mean(np.logaddexp(0.0, -bonafide))
    c_spoof = np.mean(np.logaddexp(0.0, spoof))
    return float((c_bona + c_spoof) / (2 * np.log(2)))


def a_dcf(
    target: np.ndarray,
    nontarget: np.ndarray,
    spoof: np.ndarray,
    cost: Mapping[str, float] = ASVSPOOF5_ADCF,
) -> tuple[float, float]:
    """Minimum normalised a-DCF of spoofing-aware speaker verification scores, and its threshold.

    a-DCF (Shim et al., Odyssey 2024) charges misses of targets and acceptances of both nontargets
    and spoofs, normalised by the cost of the better trivial system. Thresholds follow the DET
    convention above (stable sort in target, nontarget, spoof order; the threshold is the score of
    the last rejected trial).
    """
    target = _as_scores(target, "target scores")
    nontarget = _as_scores(nontarget, "nontarget scores")
    spoof = _as_scores(spoof, "spoof scores")
    (rej_tar, rej_non, rej_spf), thresholds = _sweep(target, nontarget, spoof)
    p_miss = rej_tar / target.size
    p_fa_non = (nontarget.size - rej_non) / nontarget.size
    p_fa_spf = (spoof.size - rej_spf) / spoof.size
    dcf = (
        cost["Cmiss"] * cost["Ptrg"] * p_miss
        + cost["Cfa_asv"] * cost["Pnontrg"] * p_fa_non
        + cost["Cfa_cm"] * cost["Pspf"] * p_fa_spf
    )
    default = min(
        cost["Cmiss"] * cost["Ptrg"],
        cost["Cfa_asv"] * cost["Pnontrg"] + cost["Cfa_cm"] * cost["Pspf"],
    )
    k = int(np.argmin(dcf / default))
    return float(dcf[k] / default), float(thresholds[k])


# --- classification at a threshold ---------------------------------------------------------------


def classification_report(
    scores: np.ndarray, keys: Sequence[str], threshold: float, as_dict: bool = False
) -> str | dict[str, Any]:
    """Precision, recall, F1 and support per class at ``threshold`` (score >= threshold = bona fide).

    Returns the printed table the reference reports use (per class, accuracy, macro and weighted
    averages), or the same figures as a dict when ``as_dict`` is true.
    """
    from sklearn.metrics import classification_report as sk_report

    truth = np.asarray(keys)
    predicted = np.where(np.asarray(scores) >= threshold, "bonafide", "spoof")
    return sk_report(
        truth,
        predicted,
        labels=["bonafide", "spoof"],
        digits=4,
        output_dict=as_dict,
        zero_division=0,
    )


# --- everything at once --------------------------------------------------------------------------


@dataclass
class MetricsSummary:
    """The figures `spoofscope metrics` and `evaluate` report for one score set."""

    eer: float
    eer_percent: float
    threshold: float
    n_bonafide: int
    n_spoof: int
    per_attack: dict[str, float]
    report_threshold: float
    report: dict[str, Any]
    min_tdcf: float | None = None
    min_tdcf_2021: float | None = None
    min_dcf: float | None = None
    act_dcf: float | None = None
    cllr: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def summarize(
    scores: np.ndarray,
    keys: Sequence[str],
    attacks: Sequence[str],
    threshold: float | None = None,
    asv: AsvErrorRates | None = None,
) -> MetricsSummary:
    """Compute EER, per-attack EER, the classification report and, with ASV rates, min t-DCF.

    Args:
        scores: CM scores, higher = bona fide.
        keys: "bonafide" / "spoof" per trial.
        attacks: attack id per trial ("-" or anything for bona fide).
        threshold: decision threshold for the classification report (default: the EER threshold).
        asv: ASV error rates for the t-DCF; omitted when None.
    """
    scores = np.asarray(scores, dtype=np.float64)
    keys_arr = np.asarray(keys)
    unknown = set(keys_arr.tolist()) - {"bonafide", "spoof"}
    if unknown:
        raise MetricError("keys", f"unknown key(s) {sorted(unknown)}; expected bonafide or spoof")
    bona, spoof = scores[keys_arr == "bonafide"], scores[keys_arr == "spoof"]
    if bona.size == 0 or spoof.size == 0:
        raise MetricError("scores", "EER needs both bona fide and spoof trials")
    eer = compute_eer(bona, spoof)
    at = eer.threshold if threshold is None else float(threshold)
    summary = MetricsSummary(
        eer=eer.eer,
        eer_percent=eer.percent,
        threshold=eer.threshold,
        n_bonafide=int(bona.size),
        n_spoof=int(spoof.size),
        per_attack={k: v.eer for k, v in per_attack_eer(scores, keys, attacks).items()},
        report_threshold=at,
        report=classification_report(scores, keys, at, as_dict=True),  # type: ignore[arg-type]
        min_dcf=min_dcf(bona, spoof)[0],
        act_dcf=act_dcf(bona, spoof)[0],
        cllr=cllr(bona, spoof),
    )
    if asv is not None:
        summary.min_tdcf = min_tdcf_2019(bona, spoof, asv).min_tdcf
        summary.min_tdcf_2021 = min_tdcf_2021(bona, spoof, asv).min_tdcf
    return summary
