"""Build LocalSpoof: plan from the seed, render in parallel, write protocols, audit, data card.

Resuming is by file: a FLAC only ever appears under its final name through ``os.replace`` of a
finished temporary file, so a file that exists is complete, and a re-run renders only what is
missing. Protocols and the manifest are written from the plan, never from what happens to be on
disk, so an interrupted-then-resumed build writes the same protocols as an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from spoofscope.errors import ConfigError, CorpusError, SpoofscopeError
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import TtsAttack
from spoofscope.localspoof.chain import STORE_SR, telephone_chain
from spoofscope.localspoof.plan import BONAFIDE, SEEN_ATTACKS, Job, attacks_by_split, plan
from spoofscope.localspoof.sources import SPLITS, decode, discover

PROTOCOL_DIR = "LA/ASVspoof2019_LA_cm_protocols"
PROTOCOL_NAMES = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
MANIFEST = "localspoof.csv"
BUILD_INFO = "build.json"
FAILURES = "failures.tsv"
#: More failed jobs than this fraction means a broken synthesizer or source, not a bad text.
MAX_FAILED_FRACTION = 0.01
CSV_COLUMNS = (
    "utt_id", "path", "key", "speaker", "attack", "split", "language", "source_package",
    "source_file", "synthesizer", "settings", "text", "channel",
)  # fmt: skip
CHANNEL = "tel8k-bp300-3400+trim-35dB+rms-26dBFS+floor-66dBFS+mulaw+flac16k"
TMP_SUFFIX = ".part"


def audio_path(job: Job) -> str:
    """Where ``job``'s FLAC goes, relative to the corpus root (ASVspoof 2019 LA layout)."""
    return f"LA/ASVspoof2019_LA_{job.split}/flac/{job.utt_id}.flac"


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path``: readers never see a partial file.

    The temporary name ends in ``.part`` and lives in the same folder, so the rename is atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_flac(path: Path, wave: np.ndarray, sr: int = STORE_SR) -> None:
    """Store ``wave`` [T] as 16-bit FLAC at ``path`` atomically."""
    write_atomic(path, lambda tmp: sf.write(tmp, wave, sr, format="FLAC", subtype="PCM_16"))


def render(job: Job) -> np.ndarray:
    """Make ``job``'s audio and pass it through the common channel; float32 [T] at 16 kHz.

    Raises:
        AudioError: when a source cannot be decoded or a synthesizer fails.
    """
    settings = json.loads(job.settings)
    if job.attack == BONAFIDE:
        wave, sr = decode(job.source_file)
    else:
        attack = ATTACKS.get(job.attack)()
        if isinstance(attack, TtsAttack):
            wave, sr = attack.synthesize(job.text, settings)
        else:
            wave, sr = attack.convert(*decode(job.source_file), settings)
    return telephone_chain(wave, sr, job.seed)


def _render_job(job_fields: dict[str, Any], root: str) -> tuple[str, str | None]:
    """Worker: render one job to its file; return (utt_id, error message or None)."""
    job = Job(**job_fields)
    try:
        write_flac(Path(root) / audio_path(job), render(job))
    except SpoofscopeError as exc:
        return job.utt_id, str(exc)
    return job.utt_id, None


@dataclass
class BuildResult:
    """What a build did."""

    root: Path
    jobs: list[Job]
    rendered: int
    skipped: int
    seconds: float
    audit: Any = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    digest: str = ""  # corpus_digest of checksums.tsv: equal digests, equal audio


def protocol_text(jobs: list[Job], split: str) -> str:
    """ASVspoof 2019 LA CM protocol lines ``SPEAKER UTT - ATTACK KEY`` of ``split``."""
    lines = [f"{j.speaker} {j.utt_id} - {j.attack} {j.key}" for j in jobs if j.split == split]
    return "\n".join(lines) + "\n"


def manifest_text(jobs: list[Job]) -> str:
    """``localspoof.csv``: one row a file with :data:`CSV_COLUMNS`."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for j in jobs:
        row = j.as_dict()
        row.update(path=audio_path(j), channel=CHANNEL)
        out.writerow([row[c] for c in CSV_COLUMNS])
    return buf.getvalue()


def read_manifest(root: str | Path) -> list[dict[str, str]]:
    """The rows of ``root``'s ``localspoof.csv``, in file order.

    Raises:
        CorpusError: when the folder has no manifest (it is not a LocalSpoof build).
    """
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise CorpusError(
            str(root),
            f"has no {MANIFEST}: not a LocalSpoof build; build it with `spoofscope corpus build`",
        )
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def check_build_info(root: Path, info: dict[str, Any]) -> None:
    """Record ``info`` (the options of what ``root`` holds) in ``build.json``, or check it.

    Raises:
        ConfigError: ``root`` holds a build made with other options.
    """
    # A folder holds one build: resuming with another seed/size would mix two plans.
    path = root / BUILD_INFO
    if path.is_file():
        old = json.loads(path.read_text())
        if old != info:
            raise ConfigError(
                str(root),
                f"holds a build with {old}; use another --out or the same options ({info})",
            )
    else:
        write_text_atomic(path, json.dumps(info, indent=2) + "\n")


def _remove_stale_parts(root: Path) -> None:
    for split in SPLITS:
        for part in (root / f"LA/ASVspoof2019_LA_{split}/flac").glob(f".*{TMP_SUFFIX}"):
            part.unlink(missing_ok=True)


def build(
    out: str | Path,
    size: str = "small",
    attacks: list[str] | None = None,
    workers: int = 1,
    seed: int = 0,
    progress: bool = True,
    on_written: Callable[[str], None] | None = None,
    run_audit: bool = True,
    seen: list[str] | None = None,
) -> BuildResult:
    """Build (or resume) LocalSpoof into ``out``.

    Args:
        out: corpus root to create.
        size: "tiny" (~60 files), "small" (~1,500) or "full" (every usable source file).
        attacks: attack ids to build (default all); train/dev keep only the seen ones.
        workers: render processes (1 renders in this process).
        seed: fixes the plan, the settings and the noise of every file.
        progress: show a rich progress bar.
        on_written: called with each finished utt_id in the parent (a test hook that may raise to
            interrupt the build).
        run_audit: run the shortcut audit and write it into the data card.
        seen: attacks of train and dev (default the benchmark's; see :data:`SEEN_ATTACKS`).

    Returns:
        a :class:`BuildResult`.

    Raises:
        CorpusError: for a missing source or synthesizer package (naming it), for files that
            failed to render, or when the shortcut audit fails.
        ConfigError: for bad options or a folder holding another build.
    """
    root = Path(out)
    seen_attacks = tuple(seen or SEEN_ATTACKS)
    chosen = sorted(
        {a for names in attacks_by_split(attacks, seen_attacks).values() for a in names}
    )
    for attack_id in chosen:
        ATTACKS.get(attack_id)().check()
    start = time.perf_counter()
    jobs = plan(discover(), size=size, attacks=chosen, seed=seed, seen=seen_attacks)
    root.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {"size": size, "attacks": chosen, "seed": seed, "files": len(jobs)}
    if seen_attacks != SEEN_ATTACKS:  # builds made before --seen existed have no such key
        info["seen"] = list(seen_attacks)
    check_build_info(root, info)
    result = render_and_record(root, jobs, workers, progress, on_written)
    kept = result.jobs
    if run_audit:
        from spoofscope.localspoof.audit import audit_corpus

        result.audit = audit_corpus(root, workers=workers, progress=progress)
    result.seconds = time.perf_counter() - start
    from spoofscope.localspoof.card import write_card

    write_card(
        root,
        kept,
        result.audit,
        {"size": size, "seed": seed, "attacks": chosen, "seen": list(seen_attacks)},
        unchanged=result.rendered == 0,
    )
    if result.audit is not None:
        result.audit.raise_if_failed()
    return result


def render_and_record(
    root: Path,
    jobs: list[Job],
    workers: int = 1,
    progress: bool = True,
    on_written: Callable[[str], None] | None = None,
) -> BuildResult:
    """Render the jobs whose files are missing, then write what describes the folder.

    Writes the protocol of each split the jobs hold, ``localspoof.csv``, ``failures.tsv`` and
    ``checksums.tsv``. The caller has written ``build.json`` (:func:`check_build_info`).

    Raises:
        CorpusError: more files failed than a few bad texts explain.
    """
    _remove_stale_parts(root)
    todo = [j for j in jobs if not (root / audio_path(j)).is_file()]
    failures = _render_all(todo, root, workers, progress, on_written)
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
    result = BuildResult(root, kept, len(todo), len(jobs) - len(todo), 0.0, failures=failures)
    from spoofscope.localspoof.digest import compute_checksums, corpus_digest, write_checksums

    # Read back from disk rather than kept from rendering: a resumed build rendered only part.
    checksums = compute_checksums(root, workers=workers)
    write_checksums(root, checksums)
    result.digest = corpus_digest(checksums)
    return result


def _render_all(
    todo: list[Job],
    root: Path,
    workers: int,
    progress: bool,
    on_written: Callable[[str], None] | None,
) -> list[tuple[str, str]]:
    """Render ``todo``; return (utt_id, reason) of each failure."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    failures: list[tuple[str, str]] = []
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not progress,
    )

    def done(utt_id: str, error: str | None) -> None:
        if error is not None:
            failures.append((utt_id, error))
        bar.advance(task)
        if on_written is not None and error is None:
            on_written(utt_id)

    with bar:
        task = bar.add_task("rendering", total=len(todo))
        if workers <= 1:
            for job in todo:
                done(*_render_job(job.as_dict(), str(root)))
            return failures
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
    return failures
