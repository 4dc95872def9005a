"""Score a corpus split with a model and write scores, metrics, plots and a report.

``OUT`` layout::

    scores.tsv          the score-file contract (utt_id speaker attack key score)
    failures.tsv        utt_id path reason of each file that could not be scored (the rest are)
    metrics.json        eer (fraction), eer_percent, eer_ci (95% bootstrap intervals by trial
                        and, with two or more voices, by speaker), threshold, per_attack,
                        per_speaker (error rates of each voice at the EER threshold),
                        per_source (each bona fide source's share rejected at that threshold),
                        per_channel (where the manifest names two channels or more),
                        per_duration (by file length), per_speech_duration and short_speech (by
                        seconds of speech, under 1 s apart), min_tdcf (when the corpus
                        ships ASV scores), the classification report at the dev-calibrated
                        threshold, a threshold sweep for similarity scores, provenance
    det.png roc.png attacks.png
    report.html         everything above on one self-contained page

``metrics.json`` also counts what was left out: ``failed_files`` (unreadable audio, listed in
``failures.tsv``) and ``skipped_lines`` (protocol lines that do not parse, with their findings in
``protocol_findings``); ``spoofscope evaluate`` warns of both and exits 1 when a file failed.

Works on an eval-only tree: the corpus recipe reads whatever partitions are present and only the
requested split is scored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spoofscope.corpora.findings import Finding
from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import ConfigError, CorpusError
from spoofscope.evaluation.crops import CROPS
from spoofscope.evaluation.scorefile import ScoreSet, write_scores
from spoofscope.models.card import ModelCard

SCORES_FILE = "scores.tsv"
FAILURES_FILE = "failures.tsv"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.html"
#: thresholds of the similarity sweep (the Siamese-cosine report swept 0.1–0.9, seeds/002)
SWEEP = tuple(round(0.1 * i, 1) for i in range(1, 10))

#: ``progress(done, total)``: files scored so far out of the split's
Progress = Callable[[int, int], None]


@dataclass
class EvalOptions:
    """How to score: crop policy, crop length, batch, file cap, transmission channel.

    ``crop``: ``windows`` (crop-length windows end to end, scores averaged: exactly what
    :class:`~spoofscope.inference.Detector` and ``spoofscope detect`` do, so the default figure
    is the deployed one), ``first`` or ``centre`` (one crop-length window; ``first`` is the
    official AASIST evaluation) or ``full`` (the whole utterance in one pass).
    """

    crop: str = "windows"
    crop_samples: int | None = None  # None: the model card's crop length
    batch_size: int = 32
    max_files: int | None = None
    device: str = "auto"
    seed: int = 0
    channel: str | None = None  # a codec of spoofscope.audio.channel applied to every file

    def __post_init__(self) -> None:
        # before any file or model is loaded
        if self.crop not in CROPS:
            raise ConfigError("crop", f"'{self.crop}' is not one of {', '.join(CROPS)}")

    @classmethod
    def for_model(cls, model_spec: str | Path, **given: Any) -> EvalOptions:
        """Options for scoring ``model_spec``: ``given`` ones (``None`` = not given) win over the
        ``crop``, ``batch_size`` and ``max_files`` of its recipe's ``eval`` section, which win
        over the defaults."""
        recipe = recipe_eval_defaults(model_spec)
        chosen = {k: recipe.get(k) for k in ("crop", "batch_size", "max_files")}
        chosen.update({k: v for k, v in given.items() if v is not None})
        return cls(**{k: v for k, v in chosen.items() if v is not None})


class ChannelTransform:
    """Pass every waveform through codecs in turn: the evaluation's transmission condition
    (``--channel``), then the model card's input channel, as a Detector would see the call."""

    def __init__(self, codecs: list[str], sr: int) -> None:
        from spoofscope.audio.channel import CODECS

        for codec in codecs:
            CODECS.get(codec)  # unknown names fail here, listing the codecs
        self.codecs, self.sr = codecs, sr

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from spoofscope.audio.channel import apply_codec

        for codec in self.codecs:
            wave = apply_codec(wave, self.sr, codec)
        return wave


def load_split(
    corpus: str, root: str | Path, split: str, max_files: int | None = None
) -> tuple[Manifest, list[Finding]]:
    """The utterances of ``split`` (the first ``max_files`` in a seeded, class-stratified pick),
    and the findings of the protocol lines the corpus reader left out.

    Raises:
        UnknownNameError: unknown corpus.
        CorpusError: missing root, or the split is absent from it.
    """
    from spoofscope.corpora.splits import read, stratified_subset

    manifest, findings = read(corpus, root)
    part = manifest.filter(split=split)
    if not len(part):
        found = ", ".join(manifest.splits()) or "none"
        raise CorpusError(root, f"split '{split}' not found in {corpus} (found: {found})")
    return stratified_subset(part, max_files, seed=0), findings


@dataclass
class Failure:
    """A file evaluation could not score, and why (one row of ``failures.tsv``)."""

    utt_id: str
    path: str
    reason: str


class GuardedItems:
    """A dataset whose unreadable items become silent placeholders, their reasons kept.

    Evaluation scores every readable file and reports the others: a placeholder (one second
    of zeros) flows through the batch and its score is dropped afterwards. Reasons are kept on
    this object, so the loader runs in this process (no workers).
    """

    def __init__(self, base: Any, placeholder_samples: int) -> None:
        self.base, self.placeholder = base, placeholder_samples
        self.failed: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> Any:
        from spoofscope.errors import AudioError

        try:
            return self.base[index]
        except AudioError as exc:
            self.failed[index] = exc.why
            return torch.zeros(self.placeholder), self.base.manifest[index].label, index


def counted(loader: Iterable[Any], total: int, progress: Progress | None) -> Iterator[Any]:
    """The batches of ``loader``, calling ``progress`` with the files done once each batch has
    been scored (when the next one is asked for) and at the end."""
    if progress is None:
        yield from loader
        return
    done = 0
    progress(done, total)
    for batch in loader:
        yield batch
        done += len(batch[1])  # labels: one per file, whatever the waveforms' layout
        progress(done, total)


def score_manifest(
    model: torch.nn.Module,
    card: ModelCard,
    manifest: Manifest,
    opts: EvalOptions,
    progress: Progress | None = None,
) -> tuple[ScoreSet, list[Failure]]:
    """Scores of every readable utterance of ``manifest`` (same order) as a ScoreSet, and the
    files that could not be read, with their reasons.

    Audio is read at the card's sample rate, and the card's ``input.channel`` (LocalSpoof
    models: the telephone band) is applied after the evaluation's own ``opts.channel`` and
    before the model, as the Detector does. Windows are the card's crop unless
    ``opts.crop_samples`` says otherwise. ``progress`` is told the files scored as batches finish.
    """
    from torch.utils.data import DataLoader

    from spoofscope.corpora.dataset import AudioDataset, CropPolicy, collate_list
    from spoofscope.evaluation.scoring import score_loader, score_windowed
    from spoofscope.inference.device import for_inference, pick_device

    length = opts.crop_samples or card.input.crop_samples
    sample_rate = card.input.sample_rate
    device = pick_device(opts.device)
    model = for_inference(model, device)  # the fast path the Detector runs (3.4x on AASIST)
    codecs = [c for c in (opts.channel, card.input.channel) if c]
    channel = ChannelTransform(codecs, sample_rate) if codecs else None
    whole = opts.crop in ("full", "windows")
    dataset = GuardedItems(
        AudioDataset(
            manifest,
            sample_rate,
            CropPolicy(length, "full" if whole else opts.crop),
            augment=channel,
            seed=opts.seed,
        ),
        placeholder_samples=length,
    )
    if opts.crop == "windows":
        # the Detector's path: whole recordings, windows batched across them, scores averaged
        loader = DataLoader(dataset, batch_size=opts.batch_size, collate_fn=collate_list)
        batches = counted(loader, len(manifest), progress)
        scores, _, _ = score_windowed(model, batches, length, device, opts.batch_size)
    else:
        # whole utterances differ in length and the model contract takes no lengths: one at a time
        loader = DataLoader(dataset, batch_size=1 if whole else opts.batch_size, shuffle=False)
        scores, _ = score_loader(model, counted(loader, len(manifest), progress), device)
    ok = [i for i in range(len(manifest)) if i not in dataset.failed]
    failures = [
        Failure(manifest[i].utt_id, manifest[i].path, why)
        for i, why in sorted(dataset.failed.items())
    ]
    scored = ScoreSet(
        utt_id=[manifest[i].utt_id for i in ok],
        speaker=[manifest[i].speaker for i in ok],
        attack=[manifest[i].attack for i in ok],
        key=[manifest[i].key for i in ok],
        score=np.asarray(scores)[ok],
    )
    return scored, failures


def write_failures(path: Path, failures: list[Failure]) -> None:
    """``utt_id path reason`` per unscored file (a header only when every file was scored)."""
    rows = ["utt_id\tpath\treason"]
    rows += [f"{f.utt_id}\t{f.path}\t{' '.join(f.reason.split())}" for f in failures]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def utterance_durations(manifest: Manifest) -> np.ndarray:
    """Length in seconds of each utterance of ``manifest`` (same order), from the file headers.

    Raises:
        AudioError: a file cannot be read (names the file).
    """
    from spoofscope.audio.io import info

    return np.array([info(u.path)[2] for u in manifest], dtype=np.float64)


def speech_seconds(manifest: Manifest) -> np.ndarray:
    """Seconds of speech in each utterance of ``manifest`` (same order), by the voice-activity
    detector at 16 kHz (:func:`spoofscope.audio.vad.speech_activity`).

    Raises:
        AudioError: a file cannot be read (names the file).
    """
    from spoofscope.audio.io import load
    from spoofscope.audio.vad import VAD_RATE, speech_activity

    out = []
    for u in manifest:
        wave = load(u.path, sr=VAD_RATE)
        out.append(speech_activity(np.asarray(wave, dtype=np.float32), VAD_RATE).speech_seconds)
    return np.array(out, dtype=np.float64)


def threshold_sweep(scores: np.ndarray, keys: list[str], thresholds=SWEEP) -> list[dict[str, Any]]:
    """The classification at each threshold (score >= t = bona fide): accuracy, and precision,
    recall and F1 of bona fide as the positive class, with spoof recall beside."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(keys) == "bonafide"
    rows = []
    for t in thresholds:
        accept = scores >= t
        hits = int(np.sum(accept & truth))
        precision = hits / int(accept.sum()) if accept.any() else None
        recall = hits / int(truth.sum()) if truth.any() else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall > 0
            else None
        )
        rows.append(
            {
                "threshold": float(t),
                "accuracy": float(np.mean(accept == truth)),
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "bonafide_recall": recall,
                "spoof_recall": float((~accept[~truth]).mean()) if (~truth).any() else None,
            }
        )
    return rows


def compute_metrics(
    scores: ScoreSet,
    card: ModelCard | None = None,
    asv: Any = None,
    similarity: bool = False,
    durations: np.ndarray | None = None,
    facts: Any = None,
    groups: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``metrics.json`` content for a scored split.

    The classification report is taken at the card's dev-calibrated threshold when the card has
    one (``threshold_source: "dev"``), else at this split's EER threshold (``"eer"``).
    ``durations`` (seconds, one per trial) add ``per_duration``: errors by recording length.
    ``attacks`` lists each attack's counts, EER and interval, named and marked seen or unseen
    from ``facts`` (:func:`spoofscope.evaluation.attacks.attack_facts` of the whole corpus).
    ``groups`` (``sources``, ``channels``, ``speech_seconds``: one entry per trial, each
    optional) add the tables of :func:`spoofscope.evaluation.groups.group_metrics`, at the same
    EER threshold.

    Raises:
        MetricError: a class is missing from the scores.
    """
    from spoofscope.evaluation.attacks import attack_rows
    from spoofscope.evaluation.bootstrap import Resampling, eer_interval
    from spoofscope.evaluation.metrics import per_duration_errors, per_speaker_errors, summarize

    dev_threshold = card.threshold if card is not None else None
    summary = summarize(scores.score, scores.key, scores.attack, threshold=dev_threshold, asv=asv)
    out = summary.to_dict()
    out["threshold_source"] = "dev" if dev_threshold is not None else "eer"
    out["classification_report"] = out.pop("report")
    is_bona = np.asarray(scores.key) == "bonafide"
    units = ["trial"] + (["speaker"] if len(set(scores.speaker)) > 1 else [])
    out["eer_ci"] = {
        unit: eer_interval(scores.score, is_bona, scores.speaker, Resampling(unit)).to_dict()
        for unit in units
    }
    # at this split's EER threshold, where the two error rates overall are equal
    out["attacks"] = [
        row.to_dict() for row in attack_rows(scores.score, scores.key, scores.attack, facts)
    ]
    out["per_speaker"] = per_speaker_errors(
        scores.score, scores.key, scores.speaker, out["threshold"]
    )
    if durations is not None:
        out["per_duration"] = per_duration_errors(
            scores.score, scores.key, durations, out["threshold"]
        )
    if groups:
        from spoofscope.evaluation.groups import group_metrics

        out.update(group_metrics(scores.score, scores.key, out["threshold"], **groups))
    if similarity:
        out["threshold_sweep"] = threshold_sweep(scores.score, scores.key)
    return out


def _asv_rates(corpus: str, root: str | Path, split: str) -> Any:
    """ASV error rates from the corpus's shipped ASV scores for ``split``, or None."""
    from spoofscope.corpora import CORPORA
    from spoofscope.evaluation.metrics import asv_error_rates
    from spoofscope.evaluation.scorefile import read_asv_scores

    recipe = CORPORA.get(corpus)()
    companions = recipe.companions(root) if hasattr(recipe, "companions") else {}
    path = companions.get(f"{split} ASV scores")
    if path is None:
        return None
    groups = read_asv_scores(path)
    return asv_error_rates(groups["target"], groups["nontarget"], groups["spoof"])


def evaluate(
    model_spec: str | Path,
    corpus: str,
    root: str | Path,
    split: str,
    out: str | Path,
    opts: EvalOptions | None = None,
    config: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score ``split`` of ``corpus`` at ``root`` with a model; write every output into ``out``.

    Args:
        model_spec: run dir, checkpoint dir, ``default`` or a named pretrained model.
        corpus, root, split: what to score.
        out: output directory (created).
        opts: scoring options (default: the run's recipe ``eval`` section, else windows).
        config: the recipe to show in the report (default: the run's config.yaml when present).
        progress: called as files are scored (``progress(done, total)``), for a progress bar.

    Returns:
        The metrics dict written to ``metrics.json``.

    Raises:
        CorpusError, UnknownNameError, CheckpointError, AudioError, MetricError.
    """
    from spoofscope.corpora.splits import read as read_corpus
    from spoofscope.evaluation.attacks import attack_facts
    from spoofscope.evaluation.groups import CHANNEL_COLUMNS, SOURCE_COLUMNS, column
    from spoofscope.evaluation.plots import attack_histograms, det_plot, roc_plot
    from spoofscope.evaluation.report import write_report
    from spoofscope.inference.resolve import load_model as resolve_model

    opts = opts or EvalOptions.for_model(model_spec)
    if not Path(root).exists():
        raise CorpusError(root, "corpus root does not exist")
    manifest, findings = load_split(corpus, root, split, opts.max_files)
    model, card = resolve_model(model_spec)
    started = time.perf_counter()
    scores, failures = score_manifest(model, card, manifest, opts, progress)
    seconds = time.perf_counter() - started
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_scores(out / SCORES_FILE, scores)
    write_failures(out / FAILURES_FILE, failures)
    similarity = similarity_scores(card)
    failed = {f.utt_id for f in failures}
    scored = Manifest(u for u in manifest if u.utt_id not in failed)
    durations = utterance_durations(scored)
    facts = attack_facts(read_corpus(corpus, root)[0])  # every split: which attacks train saw
    extras = [u.extra for u in scored]
    groups = {
        "sources": column(extras, SOURCE_COLUMNS),
        "channels": column(extras, CHANNEL_COLUMNS),
        "speech_seconds": speech_seconds(scored),
    }
    metrics = compute_metrics(
        scores, card, _asv_rates(corpus, root, split), similarity, durations, facts, groups
    )
    metrics["n_files"] = len(scores)
    # nothing is left out without a count: unreadable files and unparsed protocol lines
    metrics["failed_files"] = len(failures)
    metrics["skipped_lines"] = sum(f.count for f in findings)
    metrics["protocol_findings"] = [f.message for f in findings]
    metrics["model"] = {
        "spec": str(model_spec),
        "architecture": card.architecture,
        "parameters": card.parameters,
        "calibration": card.calibration.model_dump() if card.calibration else None,
    }
    metrics["data"] = {
        "corpus": corpus,
        "root": str(root),
        "split": split,
        "crop": opts.crop,
        "channel": opts.channel or "clean",
        "input_channel": card.input.channel,
    }
    metrics["scoring_seconds"] = round(seconds, 3)
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, default=float) + "\n")
    plots = {
        "DET curve": det_plot(scores.score, scores.key, out / "det.png"),
        "ROC curve": roc_plot(scores.score, scores.key, out / "roc.png"),
        "Scores per attack": attack_histograms(
            scores.score,
            scores.key,
            scores.attack,
            out / "attacks.png",
            threshold=metrics["report_threshold"],
        ),
    }
    run_config = config if config is not None else _run_config(model_spec)
    curves = Path(model_spec) / "training_curves.png"
    if curves.is_file():
        plots["Training curves"] = curves
    write_report(out / REPORT_FILE, metrics, plots, card.to_dict(), run_config)
    return metrics


def similarity_scores(card: ModelCard) -> bool:
    """True when the model's scores are similarities in [-1, 1] (the cosine Siamese): a sweep of
    fixed thresholds 0.1 … 0.9, as its write-up reports, reads them directly."""
    return card.score_kind == "similarity"


def recipe_eval_defaults(model_spec: str | Path) -> dict[str, Any]:
    """The ``eval`` section of the recipe a run directory was trained from (``{}`` otherwise).

    A recipe says how its model is scored (the official AASIST recipe: the first 64,600
    samples); ``spoofscope evaluate`` takes it as its defaults and explicit options win.
    """
    return (_run_config(model_spec) or {}).get("eval") or {}


def _run_config(model_spec: str | Path) -> dict[str, Any] | None:
    import yaml

    path = Path(model_spec) / "config.yaml"
    return yaml.safe_load(path.read_text()) if path.is_file() else None
