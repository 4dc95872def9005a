"""Figures of an evaluation or a training run, written as PNG with matplotlib's Agg backend.

* :func:`det_plot` — DET curve on normal-deviate (probit) axes, the ASVspoof convention, EER marked;
  :func:`det_overlay` the same for several systems on one pair of axes;
* :func:`roc_plot` — bona fide acceptance against spoof acceptance;
* :func:`attack_histograms` — score histogram of bona fide against each attack, threshold marked;
* :func:`training_curves` — training loss, dev loss and dev EER per epoch from ``metrics.jsonl``.

Each function writes one file and returns its path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.evaluation.metrics import compute_eer, det_curve

BONA_COLOUR = "#2a7ab0"
SPOOF_COLOUR = "#d1495b"
DPI = 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)
    return path


def _split(scores: np.ndarray, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    keys_arr = np.asarray(keys)
    scores = np.asarray(scores, dtype=np.float64)
    return scores[keys_arr == "bonafide"], scores[keys_arr == "spoof"]


#: line colours of overlaid systems, in order
SYSTEM_COLOURS = (BONA_COLOUR, SPOOF_COLOUR, "#3b8b4f", "#8a5fb0", "#c08a1e")


def det_plot(scores: np.ndarray, keys: Sequence[str], path: str | Path, title: str = "") -> Path:
    """DET curve (miss vs false-alarm rate, probit axes) with the EER point."""
    return det_overlay({"DET": (scores, keys)}, path, title)


def det_overlay(
    systems: Mapping[str, tuple[np.ndarray, Sequence[str]]], path: str | Path, title: str = ""
) -> Path:
    """The DET curves of several systems (name → ``(scores, keys)``) on one pair of probit axes,
    each with its EER point, so two countermeasures on the same trials compare at a glance."""
    from scipy.stats import norm

    plt = _pyplot()
    # Probit of 0 or 1 is infinite: clip to half a trial of the largest system.
    lo = 0.5 / max(max(len(keys) for _, keys in systems.values()), 1)
    fig, ax = plt.subplots(figsize=(5, 5))
    for (name, (scores, keys)), colour in zip(systems.items(), SYSTEM_COLOURS, strict=False):
        bona, spoof = _split(scores, keys)
        det, eer = det_curve(bona, spoof), compute_eer(bona, spoof)
        x = norm.ppf(np.clip(det.far, lo, 1 - lo))
        y = norm.ppf(np.clip(det.frr, lo, 1 - lo))
        ax.plot(x, y, color=colour, lw=1.8, label=f"{name}, EER {eer.percent:.2f}%")
        e = norm.ppf(np.clip(eer.eer, lo, 1 - lo))
        ax.plot([e], [e], "o", color=colour)
    ticks = np.array([0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95])
    ax.set_xticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    ax.set_yticks(norm.ppf(ticks), [f"{100 * t:g}" for t in ticks])
    limit = norm.ppf([max(lo, 5e-4), 0.99])
    ax.set_xlim(*limit)
    ax.set_ylim(*limit)
    ax.plot(limit, limit, ls=":", color="grey", lw=0.8)
    ax.set_xlabel("spoof accepted (false alarm, %)")
    ax.set_ylabel("bona fide rejected (miss, %)")
    ax.set_title(title or "DET curve")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return _save(fig, path)


def roc_plot(scores: np.ndarray, keys: Sequence[str], path: str | Path, title: str = "") -> Path:
    """ROC: bona fide accepted (true-positive rate) against spoof accepted (false-positive rate)."""
    plt = _pyplot()
    bona, spoof = _split(scores, keys)
    det = det_curve(bona, spoof)
    tpr, fpr = 1 - det.frr, det.far
    auc = float(-np.trapezoid(tpr, fpr))  # fpr falls as the threshold rises
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, color=BONA_COLOUR, lw=1.8, label=f"AUC {auc:.4f}")
    ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=0.8)
    ax.set_xlabel("spoof accepted (false-positive rate)")
    ax.set_ylabel("bona fide accepted (true-positive rate)")
    ax.set_title(title or "ROC curve")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return _save(fig, path)


def attack_histograms(
    scores: np.ndarray,
    keys: Sequence[str],
    attacks: Sequence[str],
    path: str | Path,
    threshold: float | None = None,
    max_panels: int = 30,
) -> Path:
    """One panel per attack (at most ``max_panels``): bona fide vs that attack's score histogram."""
    plt = _pyplot()
    scores = np.asarray(scores, dtype=np.float64)
    keys_arr, attacks_arr = np.asarray(keys), np.asarray(attacks)
    bona = scores[keys_arr == "bonafide"]
    names = sorted(set(attacks_arr[keys_arr == "spoof"].tolist()))[:max_panels]
    cols = min(4, max(1, len(names)))
    rows = max(1, -(-len(names) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    bins = np.histogram_bin_edges(scores, bins=40)
    for ax, name in zip(axes.ravel(), names, strict=False):
        spoof = scores[(keys_arr == "spoof") & (attacks_arr == name)]
        ax.hist(bona, bins=bins, density=True, alpha=0.55, color=BONA_COLOUR, label="bona fide")
        ax.hist(spoof, bins=bins, density=True, alpha=0.55, color=SPOOF_COLOUR, label=name)
        if threshold is not None:
            ax.axvline(threshold, color="black", lw=0.9, ls="--")
        ax.set_title(f"{name} (n={len(spoof)})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("score per attack (higher = bona fide)", fontsize=10)
    return _save(fig, path)


def training_curves(records: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Training and dev loss (left) and dev EER in % (right) per epoch."""
    plt = _pyplot()
    epochs = [r for r in records if r.get("kind") == "epoch"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    x = [r["epoch"] for r in epochs]
    for key, colour in (("train_loss", BONA_COLOUR), ("dev_loss", SPOOF_COLOUR)):
        pts = [(e, r[key]) for e, r in zip(x, epochs, strict=True) if r.get(key) is not None]
        if pts:
            left.plot(*zip(*pts, strict=True), marker="o", ms=3, color=colour, label=key)
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.grid(alpha=0.3)
    if left.lines:
        left.legend()
    eer = [(e, 100 * r["dev_eer"]) for e, r in zip(x, epochs, strict=True) if r.get("dev_eer") is not None]  # fmt: skip
    if eer:
        right.plot(*zip(*eer, strict=True), marker="o", ms=3, color=SPOOF_COLOUR)
    right.set_xlabel("epoch")
    right.set_ylabel("dev EER (%)")
    right.grid(alpha=0.3)
    fig.suptitle("training curves", fontsize=10)
    return _save(fig, path)
