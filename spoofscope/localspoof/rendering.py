"""Render planned jobs into a LocalSpoof folder and write what describes it.

A build, its vocoded copies and the extra voices differ in what they plan; they all render here.

Resuming is by file. A FLAC only ever appears under its final name through ``os.replace`` of a
finished temporary file, so a kill leaves no partial file behind. A file can still be damaged
later (a crash before the disk flushed, a copy that ran out of space, a stray edit), so before
rendering, every file an earlier pass left is decoded and checked against its header and its
checksum (:func:`spoofscope.localspoof.digest.check_file`); only intact files are kept, and the
rest are rendered again. Protocols and the manifest are written from the plan, never from what
happens to be on disk, so an interrupted-then-resumed build writes the same protocols as an
uninterrupted one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from spoofscope.errors import CorpusError, SpoofscopeError
from spoofscope.localspoof.atomic import remove_temporaries, write_atomic, write_text_atomic
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import TtsAttack
from spoofscope.localspoof.chain import STORE_SR, telephone_chain_shifted
from spoofscope.localspoof.digest import check_files, corpus_digest, read_checksums, write_checksums
from spoofscope.localspoof.layout import (
    FAILURES,
    MANIFEST,
    PARTIAL_SPANS,
    PROTOCOL_DIR,
    PROTOCOL_NAMES,
    audio_path,
    flac_dir,
    manifest_text,
    protocol_text,
)
from spoofscope.localspoof.plan import BONAFIDE, Job
from spoofscope.localspoof.sources import SPLITS, decode

#: More failed jobs than this fraction means a broken synthesizer or source, not a bad text.
MAX_FAILED_FRACTION = 0.01


def write_flac(path: Path, wave: np.ndarray, sr: int = STORE_SR) -> None:
    """Store ``wave`` [T] as 16-bit FLAC at ``path`` atomically."""
    write_atomic(path, lambda tmp: sf.write(tmp, wave, sr, format="FLAC", subtype="PCM_16"))


#: A span of a stored file, in seconds: where a partial spoof's synthetic stretch lies.
Span = tuple[float, float]


def _made(job: Job) -> tuple[np.ndarray, int, Span | None]:
    """``job``'s audio before the channel, its rate, and where in it the synthetic audio lies
    when that is only part of it."""
    settings = json.loads(job.settings)
    if job.attack == BONAFIDE:
        return (*decode(job.source_file), None)
    attack = ATTACKS.get(job.attack)()
    if isinstance(attack, TtsAttack):
        return (*attack.synthesize(job.text, settings), None)
    return attack.convert_with_span(*decode(job.source_file), settings)


def render_with_span(job: Job) -> tuple[np.ndarray, Span | None]:
    """Make ``job``'s audio and pass it through the common channel: float32 [T] at 16 kHz, and
    for a partial spoof where its synthetic stretch lies in that file (the channel's trimming
    and padding shift it).

    Raises:
        AudioError: when a source cannot be decoded or a synthesizer fails.
    """
    wave, sr, span = _made(job)
    stored, shift = telephone_chain_shifted(wave, sr, job.seed)
    if span is None:
        return stored, None
    length = len(stored) / STORE_SR
    start, end = (min(max(t + shift, 0.0), length) for t in span)
    return stored, (round(float(start), 3), round(float(end), 3))


def render(job: Job) -> np.ndarray:
    """:func:`render_with_span` without the span."""
    return render_with_span(job)[0]


def _render_job(job_fields: dict[str, Any], root: str) -> tuple[str, str | None, Span | None]:
    """Worker: render one job to its file; return (utt_id, error message or None, its span)."""
    job = Job(**job_fields)
    try:
        stored, span = render_with_span(job)
        write_flac(Path(root) / audio_path(job), stored)
    except SpoofscopeError as exc:
        return job.utt_id, str(exc), None
    return job.utt_id, None, span


def read_spans(root: Path) -> dict[str, Span]:
    """The spans ``partial_spans.tsv`` lists (none when there is no such file)."""
    path = root / PARTIAL_SPANS
    if not path.is_file():
        return {}
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return {u: (float(a), float(b)) for u, a, b in (r.split("\t") for r in rows if r)}


def _spans_text(spans: dict[str, Span]) -> str:
    lines = "".join(f"{u}\t{a:.3f}\t{b:.3f}\n" for u, (a, b) in sorted(spans.items()))
    return "utt_id\tstart_s\tend_s\n" + lines


@dataclass
class BuildResult:
    """What a build did."""

    root: Path
    jobs: list[Job]
    rendered: int  # damaged files included
    skipped: int  # intact files an earlier pass left
    seconds: float
    audit: Any = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    digest: str = ""  # corpus_digest of checksums.tsv: equal digests, equal audio
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (utt_id, why) re-rendered


def render_and_record(
    root: Path,
    jobs: list[Job],
    workers: int = 1,
    progress: bool = True,
    on_written: Callable[[str], None] | None = None,
) -> BuildResult:
    """Render the jobs whose files are missing or damaged, then write what describes the folder.

    Writes the protocol of each split the jobs hold, ``localspoof.csv``, ``failures.tsv``,
    ``checksums.tsv`` and, when it holds partial spoofs, ``partial_spans.tsv``. The caller has written ``build.json``
    (:func:`spoofscope.localspoof.layout.check_build_info`).

    Args:
        root: the folder.
        jobs: everything it should hold.
        workers: render (and check) processes.
        progress: show a progress bar.
        on_written: called with each finished utt_id in the parent (a test hook that may raise to
            interrupt the build).

    Returns:
        a :class:`BuildResult` whose ``damaged`` lists the files found damaged and rendered again.

    Raises:
        CorpusError: more files failed than a few bad texts explain.
    """
    for split in SPLITS:
        remove_temporaries(root / flac_dir(split))
    present = {j.utt_id: root / audio_path(j) for j in jobs if (root / audio_path(j)).is_file()}
    # checksums.tsv is from the last pass that finished; a killed pass left none for its files,
    # which are then checked by decoding alone.
    intact, damaged = check_files(present, read_checksums(root) or {}, workers)
    for utt_id in damaged:
        # Gone before rendering starts, so a job that then fails leaves no damaged file behind.
        present[utt_id].unlink()
    todo = [j for j in jobs if j.utt_id not in intact]
    earlier_spans = read_spans(root)
    failures, spans = _render_all(todo, root, workers, progress, on_written)
    if len(failures) > max(1, MAX_FAILED_FRACTION * len(jobs)):
        shown = "; ".join(f"{u}: {why}" for u, why in failures[:5])
        raise CorpusError(str(root), f"{len(failures)} file(s) failed to render: {shown}")
    # A synthesizer that fails on one text fails on it every time (the plan is seeded), so
    # leaving the few failed jobs out keeps the corpus deterministic; they are listed in
    # failures.tsv and the data card, and the CLI exits 1.
    failed = {u for u, _ in failures}
    kept = [j for j in jobs if j.utt_id not in failed]
    for split in SPLITS:
        if any(j.split == split for j in jobs):
            text = protocol_text(kept, split)
            write_text_atomic(root / PROTOCOL_DIR / PROTOCOL_NAMES[split], text)
    write_text_atomic(root / MANIFEST, manifest_text(kept))
    write_text_atomic(
        root / FAILURES, "utt_id\treason\n" + "".join(f"{u}\t{why}\n" for u, why in failures)
    )
    partial = [j for j in kept if j.attack != BONAFIDE and ATTACKS.get(j.attack).partial]
    if partial:
        spans_text = _spans_text(_all_spans(partial, spans, earlier_spans))
        write_text_atomic(root / PARTIAL_SPANS, spans_text)
    # The files kept from earlier passes were decoded by the check above; read back only what
    # this pass wrote, so every checksum is of a file on disk and each file is decoded once.
    fresh = {j.utt_id: root / audio_path(j) for j in todo if j.utt_id not in failed}
    written, unreadable = check_files(fresh, {}, workers)
    if unreadable:
        shown = "; ".join(f"{u}: {why}" for u, why in list(unreadable.items())[:5])
        raise CorpusError(str(root), f"{len(unreadable)} file(s) just written are damaged: {shown}")
    checksums = {**intact, **written}  # every kept job: the intact files and this pass's
    write_checksums(root, checksums)
    return BuildResult(
        root,
        kept,
        len(todo),
        len(jobs) - len(todo),
        0.0,
        failures=failures,
        digest=corpus_digest(checksums),
        damaged=sorted(damaged.items()),
    )


def _all_spans(
    partial: list[Job], rendered: dict[str, Span], earlier: dict[str, Span]
) -> dict[str, Span]:
    """The span of every partial spoof kept: this pass's, else the last finished pass's, else
    (a file a killed pass wrote) made again in memory."""
    out: dict[str, Span] = {}
    for job in partial:
        span = rendered.get(job.utt_id) or earlier.get(job.utt_id) or render_with_span(job)[1]
        if span is not None:
            out[job.utt_id] = span
    return out


def _render_all(
    todo: list[Job],
    root: Path,
    workers: int,
    progress: bool,
    on_written: Callable[[str], None] | None,
) -> tuple[list[tuple[str, str]], dict[str, Span]]:
    """Render ``todo``; return (utt_id, reason) of each failure, and the span of each partial
    spoof rendered."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    failures: list[tuple[str, str]] = []
    spans: dict[str, Span] = {}
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not progress,
    )

    def done(utt_id: str, error: str | None, span: Span | None) -> None:
        if error is not None:
            failures.append((utt_id, error))
        if span is not None:
            spans[utt_id] = span
        bar.advance(task)
        if on_written is not None and error is None:
            on_written(utt_id)

    with bar:
        task = bar.add_task("rendering", total=len(todo))
        if workers <= 1:
            for job in todo:
                done(*_render_job(job.as_dict(), str(root)))
            return failures, spans
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Keep a bounded window in flight so an interrupt leaves little queued work.
            pending: set[Future] = set()
            queue = iter(todo)
            try:
                for job in queue:
                    pending.add(pool.submit(_render_job, job.as_dict(), str(root)))
                    if len(pending) >= workers * 4:
                        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            done(*fut.result())
                for fut in pending:
                    done(*fut.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return failures, spans
