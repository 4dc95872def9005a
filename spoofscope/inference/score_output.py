"""The files ``spoofscope score`` writes: its journal while it runs, its output at the end.

While a run scores, every finished file becomes one line of the *journal*, ``OUT.partial``: a
JSON header line (the model's digest and the output settings) and then one JSON line per file,
in completion order, each written with a single ``write`` to a file opened for appending. A
run killed at any point (``kill -9`` included) leaves whole lines and at most one torn last
line, which :func:`read_journal` drops; ``--resume`` reads the journal, skips the files it
holds and appends the rest.

When every file is done, the output is written from the journal in the order of the input
(not the order workers finished in), to a temporary name renamed over ``OUT``, and the journal
is removed. So ``OUT`` exists only complete, and a resumed run's ``OUT`` is byte for byte the
file an uninterrupted run writes.

Output formats (:data:`OUTPUT_FORMATS`):

* ``spoofscope``: one row per file, ``utt_id path`` then every field of the
  :class:`~spoofscope.inference.detector.Detection` and ``error`` (empty unless the file could
  not be scored, when the detection fields are empty). The extension picks the encoding:
  ``.tsv`` (a header line; lists and objects as compact JSON, a tab or line break inside a
  cell as a space), ``.csv`` (the same cells, quoted as CSV quotes), ``.jsonl`` (one object per
  line, ``null`` for an empty cell). ``utt_id`` is the path below the folder named, without
  its extension (``spk1/call07`` for ``calls/spk1/call07.wav`` from ``calls/``).
* ``asvspoof2019`` (``utt_id - - score``: the four columns the 2019 evaluation scripts read,
  source and key unknown), ``asvspoof2021`` (``utt_id score``, the 2021 submission format) and
  ``asvspoof5`` (the header ``filename<TAB>cm-score``, then one line per file). ``utt_id`` is the
  file name without extension, as the ASVspoof protocols name trials. These formats have no
  room for a failed file, so failures go to ``OUT.failures.tsv`` (``utt_id path error``; the
  header alone when none failed), as ``evaluate`` writes its ``failures.tsv``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

from spoofscope.errors import ConfigError, ScoreFileError
from spoofscope.registry import Registry

JOURNAL_SUFFIX = ".partial"
FAILURES_SUFFIX = ".failures.tsv"
#: first key of a journal's header line, and the journal layout's version
JOURNAL_MARK = "spoofscope-score-journal"
JOURNAL_VERSION = 1


@dataclass(frozen=True)
class ScoredFile:
    """One file's outcome: its detection fields, or the reason it could not be scored."""

    path: str
    utt_id: str
    detection: dict[str, Any] | None = None
    error: str | None = None

    def to_json(self) -> str:
        record = {"path": self.path, "utt_id": self.utt_id, "detection": self.detection}
        return json.dumps(record | {"error": self.error}, allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> ScoredFile:
        return cls(record["path"], record["utt_id"], record["detection"], record["error"])


def detection_columns() -> list[str]:
    """The Detection fields a spoofscope row holds (``source`` is the row's ``path``)."""
    from spoofscope.inference.detector import Detection

    return [f.name for f in fields(Detection) if f.name != "source"]


# -- output formats --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputFormat:
    """How rows become an output file.

    Attributes:
        ids: ``relative`` (the path below the folder named, without extension) or ``stem``.
        suffixes: extensions the output may have (empty: any).
        render: rows (in input order) and the output's suffix → the file's text.
        failures_apart: failed files go to ``OUT.failures.tsv`` instead of rows of ``OUT``.
    """

    ids: str
    suffixes: tuple[str, ...]
    render: Callable[[list[ScoredFile], str], str]
    failures_apart: bool


OUTPUT_FORMATS: Registry[OutputFormat] = Registry("score format")


def _cell(value: Any) -> str:
    """A TSV or CSV cell: empty for None, JSON for lists and objects, one line always."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | dict):
        value = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return " ".join(str(value).replace("\t", " ").splitlines())


def _spoofscope_rows(rows: list[ScoredFile]) -> tuple[list[str], list[list[Any]]]:
    columns = detection_columns()
    body = [
        [row.utt_id, row.path] + [(row.detection or {}).get(name) for name in columns] + [row.error]
        for row in rows
    ]
    return ["utt_id", "path", *columns, "error"], body


def _render_spoofscope(rows: list[ScoredFile], suffix: str) -> str:
    header, body = _spoofscope_rows(rows)
    if suffix == ".jsonl":
        lines = [json.dumps(dict(zip(header, r, strict=True)), allow_nan=False) for r in body]
        return "".join(line + "\n" for line in lines)
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([header, *([_cell(v) for v in r] for r in body)])
        return buffer.getvalue()
    return "".join("\t".join(map(_cell, r)) + "\n" for r in [header, *body])


def _plain(line: Callable[[str, float], str], header: str | None = None):
    """A renderer of the scored rows of ``rows`` as ``line(utt_id, score)``, under ``header``."""

    def render(rows: list[ScoredFile], suffix: str) -> str:
        lines = [] if header is None else [header]
        lines += [line(r.utt_id, r.detection["score"]) for r in rows if r.detection is not None]
        return "".join(text + "\n" for text in lines)

    return render


OUTPUT_FORMATS.register("spoofscope")(
    OutputFormat("relative", (".tsv", ".csv", ".jsonl"), _render_spoofscope, False)
)
OUTPUT_FORMATS.register("asvspoof2019")(
    OutputFormat("stem", (), _plain(lambda utt, s: f"{utt} - - {s!r}"), True)
)
OUTPUT_FORMATS.register("asvspoof2021")(
    OutputFormat("stem", (), _plain(lambda utt, s: f"{utt} {s!r}"), True)
)
OUTPUT_FORMATS.register("asvspoof5")(
    OutputFormat("stem", (), _plain(lambda utt, s: f"{utt}\t{s!r}", "filename\tcm-score"), True)
)


def output_format(name: str, out: Path) -> OutputFormat:
    """The format ``name``, checked against the output's extension.

    Raises:
        UnknownNameError: no such format.
        ConfigError: the extension does not fit the format.
    """
    fmt = OUTPUT_FORMATS.get(name)
    if fmt.suffixes and out.suffix.lower() not in fmt.suffixes:
        raise ConfigError(
            "--out", f"'{out.name}': the {name} format writes {', '.join(fmt.suffixes)} files"
        )
    return fmt


def utt_id(name: str, ids: str) -> str:
    """The id of a found file (its name below the folder named) in a format's ``ids`` rule."""
    path = PurePosixPath(name)
    return path.stem if ids == "stem" else str(path.with_suffix(""))


def failures_path(out: Path) -> Path:
    return out.with_name(out.name + FAILURES_SUFFIX)


def journal_path(out: Path) -> Path:
    return out.with_name(out.name + JOURNAL_SUFFIX)


def write_output(out: Path, fmt: OutputFormat, rows: list[ScoredFile]) -> list[Path]:
    """Write ``rows`` (in input order) as ``fmt`` to ``out``, and its failures file if the
    format keeps one; each file written whole to a temporary name and renamed. Returns the
    files written."""
    written = [_replace(out, fmt.render(rows, out.suffix.lower()))]
    if fmt.failures_apart:
        lines = ["utt_id\tpath\terror"]
        lines += [f"{r.utt_id}\t{_cell(r.path)}\t{r.error}" for r in rows if r.error is not None]
        written.append(_replace(failures_path(out), "".join(t + "\n" for t in lines)))
    return written


def _replace(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


# -- the journal -----------------------------------------------------------------------------


class Journal:
    """``OUT.partial``, open for appending one line per scored file.

    Args:
        path: the journal.
        settings: what must match for a run to resume it (model digest, format, limits); written
            as the header of a new journal.
    """

    def __init__(self, path: Path, settings: dict[str, Any]) -> None:
        self.path = path
        new = not path.exists()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if new:
            header = {JOURNAL_MARK: JOURNAL_VERSION} | settings
            self._write(json.dumps(header, allow_nan=False, separators=(",", ":")))

    def append(self, row: ScoredFile) -> None:
        """Add one row, as one write: a kill leaves the line whole or torn, never interleaved."""
        self._write(row.to_json())

    def _write(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        while data:  # a regular file takes it in one write; loop only for a short write
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path, settings: dict[str, Any]) -> list[ScoredFile]:
    """The rows of a journal from a run with the same ``settings``; a torn last line (the run
    was killed while writing it) is cut off the file, so appending continues on a line of its own.

    Raises:
        ScoreFileError: not a journal, a damaged line before the last, or settings that differ
            (another model, format or limit: resuming would mix two runs in one output).
    """
    data = path.read_bytes()
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(len(whole))
    lines = whole.decode("utf-8", errors="replace").splitlines()
    try:
        header = json.loads(lines[0]) if lines else {}
    except json.JSONDecodeError:
        header = {}
    if header.get(JOURNAL_MARK) != JOURNAL_VERSION:
        raise ScoreFileError(path, 1, "not a journal of spoofscope score; remove it to start over")
    started = {k: v for k, v in header.items() if k != JOURNAL_MARK}
    if started != settings:
        differ = sorted(
            k for k in started.keys() | settings.keys() if started.get(k) != settings.get(k)
        )
        were = ", ".join(f"{k}={started.get(k)!r}" for k in differ)
        raise ScoreFileError(
            path, 1, f"started with {were}, not as now; resume with the same options or remove it"
        )
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            rows.append(ScoredFile.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ScoreFileError(
                path, number, "damaged line; remove the journal to start over"
            ) from None
    return rows


def in_order(rows: Iterable[ScoredFile], paths: list[str]) -> list[ScoredFile]:
    """``rows`` in the order of ``paths`` (each path's last row, should a journal hold two)."""
    by_path = {row.path: row for row in rows}
    return [by_path[p] for p in paths if p in by_path]
