"""Score files: the project's headed TSV and the plain formats of the official evaluation packages.

The project contract (docs/architecture.md) is a tab-separated file with the header
``utt_id speaker attack key score``. :func:`read_scores` also reads, detected from the first line:

* ``asvspoof2019``: ``utt_id attack key score``, space separated (written by AASIST ``main.py``, read
  by the 2019 evaluation scripts); ``attack`` is ``-`` for bona fide.
* ``asvspoof2019-full``: ``speaker utt_id - attack key score`` (the CM protocol line plus a score).
* ``asvspoof5``: tab separated with a header that names ``filename`` and ``cm-score`` (and, in a keys
  file, ``cm-label``); labels may live in a separate keys file.

Every malformed line raises :class:`ScoreFileError` with its line number; bytes that are not UTF-8
raise :class:`~spoofscope.errors.TextDecodeError` with line and byte offset, and a leading UTF-8
byte-order mark is ignored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spoofscope.errors import ScoreFileError
from spoofscope.textio import open_text

HEADER = ("utt_id", "speaker", "attack", "key", "score")
KEYS = frozenset({"bonafide", "spoof"})
FORMATS = ("tsv", "asvspoof2019", "asvspoof2019-full", "asvspoof2021", "asvspoof5")


@dataclass
class ScoreSet:
    """Parallel arrays of trials: ids, speakers, attacks, keys and scores (higher = bona fide)."""

    utt_id: list[str] = field(default_factory=list)
    speaker: list[str] = field(default_factory=list)
    attack: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.utt_id)


def _parse_score(text: str, path: Path, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScoreFileError(path, line, f"score '{text}' is not a number") from None
    if not math.isfinite(value):
        raise ScoreFileError(path, line, f"score '{text}' is not finite")
    return value


def _detect(first: str) -> str:
    if first.startswith("utt_id\t") or first.split("\t")[:5] == list(HEADER):
        return "tsv"
    if "filename" in first.split("\t") and "\t" in first:
        return "asvspoof5"
    ncols = len(first.split())
    return {4: "asvspoof2019", 6: "asvspoof2019-full", 2: "asvspoof2021"}.get(ncols, "unknown")


def _rows(path: Path) -> Iterable[tuple[int, str]]:
    with open_text(path) as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if line.strip():
                yield number, line


def read_scores(path: str | os.PathLike, keys_file: str | os.PathLike | None = None) -> ScoreSet:
    """Read a score file in any supported format (detected from its first line).

    Args:
        path: the score file.
        keys_file: labels for formats that keep them apart (ASVspoof 5 ``filename cm-label``,
            ASVspoof 2021 ``trial_metadata.txt``); ignored when the score file has its own keys.

    Raises:
        ScoreFileError: missing or empty file, unknown format, malformed line, unknown key,
            duplicate utterance id, non-numeric or non-finite score, trial without a key.
        TextDecodeError: a byte of the score or keys file is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise ScoreFileError(path, None, "no such file" if not path.exists() else "not a file")
    rows = iter(_rows(path))
    first = next(rows, None)
    if first is None:
        raise ScoreFileError(path, None, "empty score file")
    fmt = _detect(first[1])
    out = ScoreSet()
    scores: list[float] = []
    seen: dict[str, int] = {}

    def add(line: int, utt: str, speaker: str, attack: str, key: str | None, score: str) -> None:
        if utt in seen:
            raise ScoreFileError(
                path, line, f"duplicate utterance id '{utt}' (first on line {seen[utt]})"
            )
        if key is not None and key not in KEYS:
            raise ScoreFileError(path, line, f"unknown key '{key}'; expected bonafide or spoof")
        seen[utt] = line
        out.utt_id.append(utt)
        out.speaker.append(speaker)
        out.attack.append(attack)
        out.key.append(key or "")
        scores.append(_parse_score(score, path, line))

    if fmt == "unknown":
        raise ScoreFileError(
            path, first[0], f"unrecognised score format ({len(first[1].split())} columns)"
        )
    if fmt in ("tsv", "asvspoof5"):
        header = first[1].split("\t")
        col = {name: i for i, name in enumerate(header)}
        id_col = "utt_id" if fmt == "tsv" else "filename"
        score_col = "score" if fmt == "tsv" else "cm-score"
        for name in (id_col, score_col):
            if name not in col:
                raise ScoreFileError(path, first[0], f"header has no '{name}' column")
        for line, text in rows:
            cells = text.split("\t")
            if len(cells) != len(header):
                raise ScoreFileError(
                    path, line, f"expected {len(header)} tab-separated columns, found {len(cells)}"
                )

            def cell(name: str, default: str = "-", cells: list[str] = cells) -> str:
                return cells[col[name]] if name in col else default

            key = cell("key", None) if fmt == "tsv" else cell("cm-label", None)  # type: ignore[arg-type]
            speaker = cell("speaker") if fmt == "tsv" else cell("spk")
            add(line, cells[col[id_col]], speaker, cell("attack"), key, cells[col[score_col]])
    else:
        width = {"asvspoof2019": 4, "asvspoof2019-full": 6, "asvspoof2021": 2}[fmt]
        for line, text in [first, *rows]:
            cells = text.split()
            if len(cells) != width:
                raise ScoreFileError(
                    path, line, f"expected {width} columns for {fmt}, found {len(cells)}"
                )
            if fmt == "asvspoof2019":
                add(line, cells[0], "-", cells[1], _key(cells[2]), cells[3])
            elif fmt == "asvspoof2019-full":
                add(line, cells[1], cells[0], cells[3], _key(cells[4]), cells[5])
            else:
                add(line, cells[0], "-", "-", None, cells[1])
    out.score = np.asarray(scores, dtype=np.float64)
    if not out.utt_id:
        raise ScoreFileError(path, None, "no trials after the header")
    if keys_file is not None:
        _merge_keys(out, Path(keys_file))
    return out


def _key(cell: str) -> str | None:
    """A key column's cell; ``-`` is no key (``spoofscope score`` writes it for unlabelled
    recordings), for a keys file to fill."""
    return None if cell == "-" else cell


def _merge_keys(scores: ScoreSet, keys_file: Path) -> None:
    """Fill key (and attack/speaker when known) from a separate keys or metadata file."""
    labels: dict[str, tuple[str, str, str]] = {}
    rows = iter(_rows(keys_file)) if keys_file.is_file() else None
    if rows is None:
        raise ScoreFileError(keys_file, None, "no such keys file")
    first = next(rows, None)
    if first is None:
        raise ScoreFileError(keys_file, None, "empty keys file")
    if "\t" in first[1] and "filename" in first[1].split("\t"):  # ASVspoof 5 keys with header
        header = first[1].split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line, text in rows:
            cells = text.split("\t")
            if len(cells) != len(header):
                raise ScoreFileError(keys_file, line, "wrong number of columns")
            attack = cells[col["attack"]] if "attack" in col else "-"
            speaker = cells[col["spk"]] if "spk" in col else "-"
            labels[cells[col["filename"]]] = (cells[col["cm-label"]], attack, speaker)
    else:  # ASVspoof 2021 trial_metadata.txt: speaker trial codec trans attack key trim subset
        for line, text in [first, *rows]:
            cells = text.split()
            if len(cells) < 6:
                raise ScoreFileError(keys_file, line, "expected at least 6 columns")
            labels[cells[1]] = (cells[5], cells[4], cells[0])
    for i, utt in enumerate(scores.utt_id):
        if utt not in labels:
            raise ScoreFileError(keys_file, None, f"no key for trial '{utt}'")
        key, attack, speaker = labels[utt]
        if key not in KEYS:
            raise ScoreFileError(keys_file, None, f"unknown key '{key}' for trial '{utt}'")
        scores.key[i] = key
        if scores.attack[i] == "-":
            scores.attack[i] = attack if key == "spoof" else "-"
        if scores.speaker[i] == "-":
            scores.speaker[i] = speaker


def write_scores(path: str | os.PathLike, scores: ScoreSet, fmt: str = "tsv") -> Path:
    """Write trials as the project TSV (default) or an official plain format.

    ``fmt`` is one of :data:`FORMATS`. The file is written to a temporary name and renamed, so a reader
    never sees half a file.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ScoreFileError(
            path, None, f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}"
        )
    lines: list[str] = []
    if fmt == "tsv":
        lines.append("\t".join(HEADER))
    elif fmt == "asvspoof5":
        lines.append("filename\tcm-score")
    for utt, spk, attack, key, score in zip(
        scores.utt_id, scores.speaker, scores.attack, scores.key, scores.score, strict=True
    ):
        value = repr(float(score))
        attack = attack if key == "spoof" else "-"
        lines.append(
            {
                "tsv": f"{utt}\t{spk}\t{attack}\t{key}\t{value}",
                "asvspoof2019": f"{utt} {attack} {key} {value}",
                "asvspoof2019-full": f"{spk} {utt} - {attack} {key} {value}",
                "asvspoof2021": f"{utt} {value}",
                "asvspoof5": f"{utt}\t{value}",
            }[fmt]
        )
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_asv_scores(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read ASVspoof 2019 ASV scores (``source key score``).

    Returns arrays ``target``, ``nontarget`` and ``spoof`` of scores, and ``spoof_source`` holding the
    attack id of each spoof trial (for per-attack t-DCF).
    """
    path = Path(path)
    if not path.is_file():
        raise ScoreFileError(path, None, "no such file")
    groups: dict[str, list[float]] = {"target": [], "nontarget": [], "spoof": []}
    spoof_source: list[str] = []
    for line, text in _rows(path):
        cells = text.split()
        if len(cells) != 3:
            raise ScoreFileError(
                path, line, f"expected 3 columns (source key score), found {len(cells)}"
            )
        if cells[1] not in groups:
            raise ScoreFileError(
                path, line, f"unknown key '{cells[1]}'; expected target, nontarget or spoof"
            )
        groups[cells[1]].append(_parse_score(cells[2], path, line))
        if cells[1] == "spoof":
            spoof_source.append(cells[0])
    if not all(groups.values()):
        empty = [k for k, v in groups.items() if not v]
        raise ScoreFileError(path, None, f"no {', '.join(empty)} trials")
    out = {k: np.asarray(v, dtype=np.float64) for k, v in groups.items()}
    out["spoof_source"] = np.asarray(spoof_source)
    return out
