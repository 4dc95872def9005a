"""One run of a study: train a recipe into a run directory (or resume it), then score its splits.

The run directory is the trainer's own (``spoofscope evaluate`` works on it); the study adds
``study/``: for each split role (``eval``, ``dev``, ``train``) the scores in the score-file
contract (``<role>.tsv``) and the figures at the card's dev threshold (``<role>.json``). A run
counts as finished when the trainer wrote ``summary.json`` (its completion marker: written
after the last checkpoint) and every asked role has its figures; a run with ``last/`` but no
summary was cut short and is resumed with the trainer's ``--resume``, which continues it bit
for bit.

:func:`train_and_score` is what an engine runs: a module-level function of one picklable
:class:`RunTask`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spoofscope.evaluation.scorefile import ScoreSet

#: the trainer's completion marker (``training.run_files.SUMMARY_FILE``)
DONE_MARKER = "summary.json"
#: the folder of a run directory the study writes into
STUDY_FILES = "study"
#: the split roles a run can be scored on
ROLES = ("eval", "dev", "train")

NEW, RESUME, SCORE, DONE = "new", "resume", "score", "done"


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to produce one run: the recipe, the overrides (the study's
    ``--set`` values, the variant's, the seed), the run directory and the roles to score."""

    recipe: str
    overrides: tuple[str, ...]
    run_dir: str
    roles: tuple[str, ...] = ("eval", "dev")


def run_state(run_dir: str | Path, roles: tuple[str, ...]) -> str:
    """``done`` (trained and scored), ``score`` (trained, not all roles scored), ``resume``
    (a checkpoint but no completion marker) or ``new``."""
    path = Path(run_dir)
    if (path / DONE_MARKER).is_file():
        scored = all((path / STUDY_FILES / f"{role}.json").is_file() for role in roles)
        return DONE if scored else SCORE
    if (path / "last").is_dir() or (path / "last.prev").is_dir():
        return RESUME
    return NEW


def split_of_role(cfg: Any, role: str) -> tuple[str, int | None]:
    """The recipe's split name and file cap for a role (``eval`` → ``eval.split``)."""
    if role == "eval":
        return cfg.eval.split, cfg.eval.max_files
    if role == "dev":
        return cfg.data.dev_split, cfg.data.max_dev_files
    if role == "train":
        return cfg.data.train_split, cfg.data.max_train_files
    from spoofscope.errors import ConfigError

    raise ConfigError("role", f"'{role}' is not one of {', '.join(ROLES)}")


def figures(scores: Any, threshold: float | None) -> dict[str, Any]:
    """EER and the classification at ``threshold`` (the card's dev threshold; the split's EER
    threshold when None) of a ScoreSet: accuracy, precision / recall / F1 of bona fide, and
    both classes' precision, recall and support (the imbalanced-test report of seeds/001)."""
    from spoofscope.evaluation.metrics import summarize

    summary = summarize(scores.score, scores.key, scores.attack, threshold=threshold)
    report = summary.report
    bona = report["bonafide"]
    return {
        "eer": summary.eer,
        "eer_threshold": summary.threshold,
        "threshold": summary.report_threshold,
        "threshold_source": "dev" if threshold is not None else "eer",
        "accuracy": float(report["accuracy"]),
        "precision": float(bona["precision"]),
        "recall": float(bona["recall"]),
        "f1": float(bona["f1-score"]),
        "per_class": {
            label: {
                k: float(report[label][k]) for k in ("precision", "recall", "f1-score", "support")
            }
            for label in ("bonafide", "spoof")
        },
        "n_bonafide": summary.n_bonafide,
        "n_spoof": summary.n_spoof,
    }


def score_roles(cfg: Any, run_dir: Path, roles: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Score the best checkpoint of ``run_dir`` on each role's split as ``spoofscope evaluate``
    would (the recipe's ``eval`` crop and batch), write ``study/<role>.{tsv,json}``, and return
    role → figures.

    Raises:
        CorpusError, CheckpointError, AudioError, MetricError; an unreadable file is an error
        here (a study compares runs on the same trials, so none may drop one).
    """
    from spoofscope.errors import AudioError
    from spoofscope.evaluation.evaluate import EvalOptions, load_split, score_manifest
    from spoofscope.evaluation.scorefile import write_scores
    from spoofscope.inference.resolve import load_model

    model, card = load_model(run_dir)
    opts = EvalOptions.for_model(run_dir, max_files=None)
    out_dir = run_dir / STUDY_FILES
    out_dir.mkdir(exist_ok=True)
    out: dict[str, dict[str, Any]] = {}
    for role in roles:
        split, cap = split_of_role(cfg, role)
        manifest, _ = load_split(cfg.data.corpus, cfg.data.root, split, cap)
        scores = trainer_dev_scores(cfg, run_dir, card, opts, manifest) if role == "dev" else None
        if scores is None:
            scores, failures = score_manifest(model, card, manifest, opts)
            if failures:
                why = f"unreadable in split {split}: {failures[0].reason}"
                raise AudioError(failures[0].path, why)
        result = {"split": split, "crop": opts.crop, **figures(scores, card.threshold)}
        write_scores(out_dir / f"{role}.tsv", scores)
        tmp = out_dir / f".{role}.json.tmp"
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, out_dir / f"{role}.json")  # the figures are the role's done marker
        out[role] = result
    return out


def trainer_dev_scores(
    cfg: Any, run_dir: Path, card: Any, opts: Any, manifest: Any
) -> ScoreSet | None:
    """The dev scores the trainer wrote for the best checkpoint, when scoring dev again would
    give them: the Detector's windows at the training crop (the trainer's dev pass), no channel
    on the way in, the same files in the same order, and the card's threshold their EER
    threshold (so ``dev_scores.tsv`` belongs to ``best/``, not to an earlier best). None
    otherwise, and the split is scored.

    Reading them saves one pass over dev per run; the two agree to float32 rounding (a window
    batched with other recordings: 5e-7 on LocalSpoof ``small``), and the card's threshold was
    set on exactly these scores.
    """
    from spoofscope.evaluation.metrics import compute_eer
    from spoofscope.evaluation.scorefile import read_scores
    from spoofscope.training.run_files import DEV_SCORES

    path = run_dir / DEV_SCORES
    same_pass = (
        opts.crop == "windows"
        and opts.crop_samples in (None, cfg.data.crop_samples)
        and card.input.crop_samples == cfg.data.crop_samples
        and opts.channel is None
        and card.input.channel is None
        and card.threshold is not None
    )
    if not (same_pass and path.is_file()):
        return None
    scores = read_scores(path)
    if list(scores.utt_id) != [u.utt_id for u in manifest]:
        return None
    bona = np.asarray(scores.key) == "bonafide"
    values = np.asarray(scores.score)
    if bona.all() or not bona.any():
        return None
    if compute_eer(values[bona], values[~bona]).threshold != card.threshold:
        return None
    return scores


def read_figures(run_dir: str | Path, role: str) -> dict[str, Any]:
    """The figures a finished run's ``study/<role>.json`` holds."""
    return json.loads((Path(run_dir) / STUDY_FILES / f"{role}.json").read_text())


def train_and_score(task: RunTask) -> dict[str, Any]:
    """Bring one run to done: train it (fresh, or resumed from its checkpoint), then score the
    roles not yet scored. Returns ``{"run_dir", "state", "figures": {role: ...}}``.

    A fresh run replaces what a run killed before its first checkpoint left (only the trainer's
    own files go); a finished run is not trained again.

    Raises:
        ConfigError and every error of training and scoring (an engine hands it back as the
        task's outcome).
    """
    from spoofscope.training.config import load_config

    cfg = load_config(task.recipe, list(task.overrides))
    run_dir = Path(task.run_dir)
    state = run_state(run_dir, task.roles)
    if state in (NEW, RESUME):
        from spoofscope.training.trainer import Trainer

        run_dir.mkdir(parents=True, exist_ok=True)
        trainer = Trainer(cfg, run_dir, console=None, progress=False)
        trainer.fit(resume=state == RESUME, overwrite=state == NEW)
    missing = tuple(r for r in task.roles if not (run_dir / STUDY_FILES / f"{r}.json").is_file())
    scored = score_roles(cfg, run_dir, missing) if missing else {}
    return {
        "run_dir": str(run_dir),
        "state": state,
        "figures": {role: scored.get(role) or read_figures(run_dir, role) for role in task.roles},
    }
