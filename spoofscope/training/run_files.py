"""Files of a run directory besides checkpoints: the metrics log, dev scores and provenance."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spoofscope.corpora.manifest import Manifest
from spoofscope.training.config import RunConfig

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
DEV_SCORES = "dev_scores.tsv"
CURVES = "training_curves.png"
#: every file and folder a run writes into its directory (what ``--overwrite`` replaces)
RUN_FILES = frozenset(
    {"config.yaml", METRICS_FILE, SUMMARY_FILE, DEV_SCORES, CURVES, "tensorboard", "best", "last",
     "best.prev", "last.prev", ".best.tmp", ".last.tmp"}
)  # fmt: skip


def write_lines_atomic(path: Path, lines: list[str]) -> None:
    """Replace ``path`` by ``lines`` in one rename: a reader sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)


def write_dev_scores(path: Path, manifest: Manifest, scores: np.ndarray) -> Path:
    """Write ``scores`` of ``manifest`` (same order) in the score-file contract, atomically."""
    from spoofscope.evaluation.scorefile import ScoreSet, write_scores

    tmp = path.with_name(f".{path.name}.tmp")
    write_scores(
        tmp,
        ScoreSet(
            utt_id=[u.utt_id for u in manifest],
            speaker=[u.speaker for u in manifest],
            attack=[u.attack for u in manifest],
            key=[u.key for u in manifest],
            score=np.asarray(scores, dtype=np.float64),
        ),
    )
    os.replace(tmp, path)
    return path


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` file."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def provenance(cfg: RunConfig) -> dict[str, Any]:
    """Who and what made a checkpoint: versions, the recipe's name, and the git commit if any."""
    import platform
    import subprocess

    import spoofscope

    commit = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5,
            cwd=Path(spoofscope.__file__).resolve().parent, check=False,
        ).stdout.strip() or None  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "recipe": cfg.name,
        "spoofscope": getattr(spoofscope, "__version__", "unknown"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "git_commit": commit,
    }


@dataclass
class RunFacts:
    """What a run knows of itself at a checkpoint, besides its recipe, model and dev scores."""

    n_train: int
    n_dev: int
    epoch: int
    step: int
    precision: str
    init_digest: str | None = None  # SHA-256 of model.init's weights when fine-tuning
    enrolment: dict[str, Any] | None = None  # what the references were (enrolling models)
    corpus_digest: str | None = None
    extra_train_digests: dict[str, str | None] = field(default_factory=dict)


def corpus_digests(cfg: RunConfig) -> dict[str, Any]:
    """``corpus_digest`` of the recipe's corpus build and ``extra_train_digests`` (root → digest)
    of each ``data.extra_train`` source (LocalSpoof's ``checksums.tsv``; None for other corpora)."""
    # imported here: LocalSpoof's builder (synthesizer registry) takes ~1 s to load
    from spoofscope.localspoof.digest import build_digest

    return {
        "corpus_digest": build_digest(cfg.data.root),
        "extra_train_digests": {e.root: build_digest(e.root) for e in cfg.data.extra_train},
    }


def card_fields(
    cfg: RunConfig,
    model: nn.Module,
    metrics: dict[str, Any],
    dev_scores: np.ndarray,
    dev_labels: np.ndarray,
    facts: RunFacts,
) -> dict[str, Any]:
    """The card entries a run writes with a checkpoint: the dev threshold, a Platt calibration
    fitted on the dev scores, the input contract and what the model was trained on."""
    from spoofscope.training.calibration import fit_platt

    card = model.card() if hasattr(model, "card") else {}
    calibration = None
    if dev_labels.min() != dev_labels.max():
        calibration = fit_platt(dev_scores, dev_labels)
    data = cfg.data
    init = cfg.model.init
    return {
        "threshold": metrics.get("dev_threshold"),
        "calibration": calibration,
        "input": {
            **card.get("input", {}),
            "sample_rate": data.sample_rate,
            "crop_samples": data.crop_samples,
        },
        "training": {
            "corpus": data.corpus,
            "train_split": data.train_split,
            "dev_split": data.dev_split,
            # a leave-attacks-out protocol (data.attacks) is part of what the model saw
            "attacks": data.attacks,
            # which audio it learnt from: a rebuild with another digest holds other samples
            # (a synthesizer or library upgrade), so its scores need not match the card's
            "corpus_digest": facts.corpus_digest,
            "extra_train_digests": facts.extra_train_digests,
            # fine-tuned: where it started (model.init) and the starting weights' SHA-256
            "init": {"from": init, "weights_sha256": facts.init_digest}
            if facts.init_digest
            else None,
            "enrolment": facts.enrolment,
            "n_train": facts.n_train,
            "n_dev": facts.n_dev,
            "epoch": facts.epoch,
            "step": facts.step,
            "dev_eer": metrics.get("dev_eer"),
            # the dev scores behind threshold and calibration: whole recordings, window means
            "dev_scoring": "windows",
            "loss": cfg.loss.model_dump(mode="json"),
            "seed": cfg.train.seed,
            "precision": facts.precision,
        },
        "provenance": provenance(cfg),
    }
