"""Checksums of a LocalSpoof build's audio, and a file-by-file comparison of two builds.

Two builds from the same seed should hold the same samples, yet a model can score differently on
them (a synthesizer or library upgrade changes a few files). The checksum is over the decoded
16-bit samples and the rate, not the FLAC bytes, because FLAC files also carry the encoder's
version and compression choices, which change nothing a model sees.

The same checksums let a resumed build trust the files an earlier pass left: :func:`check_files`
decodes each one, compares its length with its header and its checksum with ``checksums.tsv``,
and hands back the checksums of the intact ones, so the build decodes every file once either way.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from spoofscope.errors import CorpusError
from spoofscope.localspoof.atomic import write_text_atomic
from spoofscope.localspoof.layout import read_manifest

CHECKSUMS = "checksums.tsv"
#: Manifest columns that describe how a file was made; a change there explains a changed file.
RECIPE_COLUMNS = (
    "key",
    "speaker",
    "attack",
    "split",
    "source_file",
    "synthesizer",
    "settings",
    "text",
)


def _decode_pcm(path: str | Path) -> tuple[np.ndarray, int, int]:
    """``path``'s 16-bit samples [frames, channels], rate and the frame count its header gives.

    Raises:
        CorpusError: when the file cannot be decoded.
    """
    try:
        with sf.SoundFile(path) as fh:
            header_frames = fh.frames
            data = fh.read(dtype="int16", always_2d=True)
            return data, fh.samplerate, header_frames
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise CorpusError(str(path), f"cannot be decoded: {exc}") from exc


def _sha256(data: np.ndarray, sr: int) -> str:
    h = hashlib.sha256(f"{sr}:{data.shape[1]}:".encode())
    h.update(data.tobytes())
    return h.hexdigest()


def pcm_digest(path: str | Path) -> str:
    """SHA-256 of ``path``'s sample rate, channel count and 16-bit samples (hex).

    Raises:
        CorpusError: when the file cannot be decoded.
    """
    data, sr, _ = _decode_pcm(path)
    return _sha256(data, sr)


def check_file(path: str | Path, expected: str = "") -> tuple[str, str]:
    """``(pcm_digest, "")`` of an intact ``path``; ``("", why)`` of a damaged one.

    Damaged: it cannot be decoded (not audio, cut short, NULs over its frames), it decodes to
    another frame count than its header gives, or its digest is not ``expected`` (when given: any
    other change). Never raises, so a worker process can return its answer.
    """
    try:
        data, sr, header_frames = _decode_pcm(path)
    except CorpusError as exc:
        return "", exc.why
    # libsndfile 1.2.2 raises on a short FLAC; this catches a reader that returns what it could.
    if data.shape[0] != header_frames:
        return "", f"truncated: {data.shape[0]} of the {header_frames} frames its header gives"
    digest = _sha256(data, sr)
    if expected and digest != expected:
        return "", f"its samples differ from their checksum in {CHECKSUMS}"
    return digest, ""


def check_files(
    paths: dict[str, Path], expected: dict[str, str], workers: int = 1
) -> tuple[dict[str, str], dict[str, str]]:
    """Check each of ``paths`` (utt_id → existing file) with :func:`check_file`.

    Args:
        paths: the files to check, by utt_id.
        expected: utt_id → the checksum recorded for it (``checksums.tsv``; may lack some ids).
        workers: processes decoding files.

    Returns:
        (utt_id → digest of each intact file, utt_id → why of each damaged one).
    """
    ids = list(paths)
    args = ([paths[u] for u in ids], [expected.get(u, "") for u in ids])
    if workers > 1 and len(ids) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(check_file, *args, chunksize=64))
    else:
        answers = list(map(check_file, *args))
    intact = {u: digest for u, (digest, _) in zip(ids, answers, strict=True) if digest}
    damaged = {u: why for u, (_, why) in zip(ids, answers, strict=True) if why}
    return intact, damaged


def compute_checksums(root: str | Path, workers: int = 1) -> dict[str, str]:
    """utt_id → :func:`pcm_digest` for every file in ``root``'s manifest (missing files: "")."""
    root = Path(root)
    rows = read_manifest(root)
    paths = [root / row["path"] for row in rows]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            digests = list(pool.map(_digest_or_empty, paths, chunksize=64))
    else:
        digests = [_digest_or_empty(p) for p in paths]
    return dict(zip((row["utt_id"] for row in rows), digests, strict=True))


def _digest_or_empty(path: Path) -> str:
    return pcm_digest(path) if path.is_file() else ""


def write_checksums(root: str | Path, checksums: dict[str, str]) -> Path:
    """Write ``checksums.tsv`` (``utt_id<TAB>sha256``) into ``root`` atomically."""
    path = Path(root) / CHECKSUMS
    body = "".join(f"{u}\t{d}\n" for u, d in sorted(checksums.items()))
    write_text_atomic(path, "utt_id\tsha256\n" + body)
    return path


def read_checksums(root: str | Path) -> dict[str, str] | None:
    """``checksums.tsv`` of ``root``, or None when the build has none (made before it existed)."""
    path = Path(root) / CHECKSUMS
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t", 1) for line in lines if line)


def corpus_digest(checksums: dict[str, str]) -> str:
    """One SHA-256 over every file's checksum in utt_id order: equal digests, equal audio."""
    h = hashlib.sha256()
    for utt_id in sorted(checksums):
        h.update(f"{utt_id}\t{checksums[utt_id]}\n".encode())
    return h.hexdigest()


def build_digest(root: str | Path) -> str | None:
    """:func:`corpus_digest` of ``root``'s ``checksums.tsv``; None where there is none (not a
    LocalSpoof build, or one made before builds wrote checksums)."""
    checksums = read_checksums(root)
    return corpus_digest(checksums) if checksums else None


@dataclass
class BuildDiff:
    """How build B differs from build A, file by file."""

    same: int = 0
    changed: list[str] = field(default_factory=list)  # same utt_id, other samples
    recipe_changed: list[str] = field(default_factory=list)  # of ``changed``: manifest row differs
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    groups: dict[str, Counter] = field(default_factory=dict)  # "split/attack" → outcome counts

    @property
    def identical(self) -> bool:
        """True when both builds hold the same utterances with the same samples."""
        return not (self.changed or self.only_a or self.only_b)

    def table(self) -> list[tuple[str, int, int, int, int]]:
        """Rows ``(split/attack, same, changed, only in A, only in B)`` in name order."""
        return [
            (g, c["same"], c["changed"], c["only_a"], c["only_b"])
            for g, c in sorted(self.groups.items())
        ]


def _checksums(root: Path, workers: int) -> dict[str, str]:
    stored = read_checksums(root)
    return stored if stored is not None else compute_checksums(root, workers)


def compare_builds(a: str | Path, b: str | Path, workers: int = 1) -> BuildDiff:
    """Compare two LocalSpoof builds file by file (stored checksums, else computed now).

    Raises:
        CorpusError: when either folder is not a LocalSpoof build.
    """
    rows_a = {row["utt_id"]: row for row in read_manifest(a)}
    rows_b = {row["utt_id"]: row for row in read_manifest(b)}
    sums_a, sums_b = _checksums(Path(a), workers), _checksums(Path(b), workers)
    diff = BuildDiff()

    def count(row: dict[str, str], outcome: str) -> None:
        group = f"{row['split']}/{row['attack']}"
        diff.groups.setdefault(group, Counter())[outcome] += 1

    for utt_id, row in rows_a.items():
        if utt_id not in rows_b:
            diff.only_a.append(utt_id)
            count(row, "only_a")
        elif sums_a.get(utt_id) and sums_a.get(utt_id) == sums_b.get(utt_id):
            diff.same += 1
            count(row, "same")
        else:
            diff.changed.append(utt_id)
            if any(row.get(c) != rows_b[utt_id].get(c) for c in RECIPE_COLUMNS):
                diff.recipe_changed.append(utt_id)
            count(row, "changed")
    for utt_id, row in rows_b.items():
        if utt_id not in rows_a:
            diff.only_b.append(utt_id)
            count(row, "only_b")
    return diff
