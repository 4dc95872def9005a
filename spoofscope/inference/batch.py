"""Scoring many files: ``spoofscope score PATHS...`` as a library call.

:func:`score_files` finds the audio files of the paths given (:mod:`spoofscope.audio.files`),
scores them through one :class:`~spoofscope.inference.detector.Detector` per worker of an
engine (:mod:`spoofscope.engines`: ``local`` processes, or ``ray``), and writes each result to
the run's journal as it arrives, then the output in input order at the end
(:mod:`spoofscope.inference.score_output`). Each worker runs one torch thread and the engine
runs as many workers as there are cores (the rule and its measurement are in
:mod:`spoofscope.engines`), so the output does not depend on the engine or the worker count.

A file that cannot be used (unreadable, not audio, outside the length limits, a non-finite
score) is a row with its reason in ``error``, counted in the summary; the others are scored.
Any other error stops the run (the model will not load, a worker died); what the journal holds
by then is kept, and ``resume=True`` continues from it.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spoofscope.audio.files import AUDIO_EXTENSIONS, find_audio
from spoofscope.engines import Resources, get_engine
from spoofscope.engines.worker import usable_cores
from spoofscope.errors import AudioError, ConfigError
from spoofscope.inference.score_output import (
    Journal,
    ScoredFile,
    in_order,
    journal_path,
    output_format,
    read_journal,
    utt_id,
    write_output,
)

#: ``progress(done, total)``: files finished (this run and any resumed) out of all files
Progress = Callable[[int, int], None]

#: in a worker: the Detector it scores with and the length limit
_worker: dict[str, Any] = {}


def load_detector(spec: str, max_seconds: float | None) -> None:
    """Worker initializer: load the model once per worker process."""
    from spoofscope.inference.detector import Detector

    _worker["detector"] = Detector.load(spec)
    _worker["max_seconds"] = max_seconds


def score_one(path: str) -> dict[str, Any]:
    """The worker's task: the Detection fields of one file (its ``source`` is the row's path).

    Raises:
        AudioError: the file cannot be used.
    """
    detection = _worker["detector"].score(path, max_seconds=_worker["max_seconds"])
    fields = detection.to_dict()
    fields.pop("source", None)
    return fields


def model_digest(spec: str | os.PathLike) -> str:
    """SHA-256 of the card and weights of the checkpoint ``spec`` names: what identifies the
    model a journal was started with, whatever path or name reached it.

    Raises:
        CheckpointError: ``spec`` names no checkpoint.
    """
    from spoofscope.inference.resolve import checkpoint_dir

    directory = checkpoint_dir(spec)
    digest = hashlib.sha256()
    for name in ("card.json", "model.safetensors"):
        with open(directory / name, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


@dataclass
class ScoreSummary:
    """What a run did: files scored and failed (resumed ones included), and the files written."""

    scored: int = 0
    failed: int = 0
    resumed: int = 0
    written: list[Path] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.scored + self.failed


def score_files(
    paths: list[str | os.PathLike],
    out: str | os.PathLike,
    *,
    model: str = "default",
    fmt: str = "spoofscope",
    recursive: bool = False,
    workers: int | None = None,
    engine: str = "local",
    address: str | None = None,
    resume: bool = False,
    max_seconds: float | None = 600.0,
    progress: Progress | None = None,
) -> ScoreSummary:
    """Score every audio file of ``paths`` with ``model``; write the rows to ``out``.

    Args:
        paths: files (scored whatever their extension) and folders (their audio files).
        out: the output; its extension picks the encoding of the ``spoofscope`` format.
        model: ``default``, a pretrained name, a checkpoint or run directory.
        fmt: a name of :data:`~spoofscope.inference.score_output.OUTPUT_FORMATS`.
        recursive: take the audio files of sub-folders too.
        workers: worker processes (None: one per core).
        engine: ``local`` or ``ray``; ``address`` a Ray cluster (None: a local instance).
        resume: continue the run whose journal ``OUT.partial`` is there (with no journal,
            start one); without it, an existing output or journal is an error.
        max_seconds: the longest recording accepted (None or inf: no limit).
        progress: called as files finish.

    Returns:
        The counts and the files written.

    Raises:
        ConfigError: no audio files, two files with one id, a format that does not fit ``out``,
            an output that exists without ``resume``, bad engine settings.
        CheckpointError: ``model`` names nothing loadable.
        ScoreFileError: the journal is damaged or from a run with other settings.
    """
    out = Path(out)
    form = output_format(fmt, out)
    found = find_audio(paths, recursive)
    if not found:
        listed = " ".join(e.lstrip(".") for e in AUDIO_EXTENSIONS)
        hint = "" if recursive else "; add --recursive for sub-folders"
        raise ConfigError("PATHS", f"no audio files ({listed}){hint}")
    ids = [utt_id(f.name, form.ids) for f in found]
    _refuse_duplicate_ids(ids, found)
    order = [str(f.path) for f in found]
    if max_seconds is not None and math.isinf(max_seconds):
        max_seconds = None
    settings = {"model_digest": model_digest(model), "format": fmt, "max_seconds": max_seconds}
    journal = journal_path(out)
    done = _resumed_rows(journal, out, settings, set(order)) if resume else []
    if not resume and (out.exists() or journal.exists()):
        there = out if out.exists() else journal
        raise ConfigError("--out", f"{there} exists; pass --resume to continue, or remove it")
    summary = ScoreSummary(resumed=len(done))
    finished = {row.path for row in done}
    todo = [(i, p) for i, p in enumerate(order) if p not in finished]
    rows = list(done)
    if progress:
        progress(len(done), len(order))
    out.parent.mkdir(parents=True, exist_ok=True)
    if todo:
        # a cluster sizes itself; otherwise one worker per core, no more than there are files
        count = None if address and workers is None else min(workers or usable_cores(), len(todo))
        started = get_engine(
            engine, workers=count, address=address, initializer=load_detector,
            initargs=(model, max_seconds),
        )  # fmt: skip
        with started, Journal(journal, settings) as log:
            tasks = [p for _, p in todo]
            for n, (k, outcome) in enumerate(
                started.map_unordered(score_one, tasks, resources=Resources(cpus=1)), start=1
            ):
                index = todo[k][0]
                row = _row(order[index], ids[index], outcome)
                log.append(row)
                rows.append(row)
                if progress:
                    progress(len(done) + n, len(order))
    ordered = in_order(rows, order)
    summary.failed = sum(r.error is not None for r in ordered)
    summary.scored = len(ordered) - summary.failed
    summary.written = write_output(out, form, ordered)
    journal.unlink(missing_ok=True)
    return summary


def _row(path: str, utt: str, outcome: Any) -> ScoredFile:
    """A row from a task's outcome; an error other than the file's stops the run."""
    if isinstance(outcome, AudioError):
        return ScoredFile(path, utt, error=" ".join((outcome.why or str(outcome)).split()))
    if isinstance(outcome, BaseException):
        raise outcome
    return ScoredFile(path, utt, detection=outcome)


def _resumed_rows(
    journal: Path, out: Path, settings: dict[str, Any], inputs: set[str]
) -> list[ScoredFile]:
    """The rows a resumed run keeps: its journal's (none when there is no journal).

    Raises:
        ConfigError: the output is there but the journal is not (that run finished), or the
            journal holds files that are not among the inputs.
        ScoreFileError: see :func:`~spoofscope.inference.score_output.read_journal`.
    """
    if not journal.exists():
        if out.exists():
            raise ConfigError("--out", f"{out} is a finished run (no {journal.name} to resume)")
        return []
    rows = read_journal(journal, settings)
    strays = [r.path for r in rows if r.path not in inputs]
    if strays:
        raise ConfigError(
            str(journal),
            f"holds {len(strays)} file(s) not among PATHS (first: {strays[0]}); "
            "resume with the PATHS the run started with",
        )
    return rows


def _refuse_duplicate_ids(ids: list[str], found: list) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(ids):
        if name in first:
            raise ConfigError(
                "PATHS",
                f"{found[first[name]].path} and {found[i].path} would share the id '{name}'; "
                "score them in separate runs",
            )
        first[name] = i
