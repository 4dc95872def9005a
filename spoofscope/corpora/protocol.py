"""Read a corpus protocol (one utterance a line) into utterances, collecting what does not parse.

Every protocol-based release (ASVspoof 2017/2019/2021/5, DECRO, In-the-Wild's meta.csv, the
LocalSpoof CSV, a user's CSV) is described by one :class:`Columns` value: which column holds the id,
the speaker, the attack and the key, how labels are spelled, and what is kept as ``extra``. One loop
(:func:`read_protocol`) reads them all with plain ``str.split`` (or the C ``csv`` reader for quoted
CSV), so a million lines take seconds.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spoofscope.corpora.manifest import BONAFIDE, NO_ATTACK, Utterance
from spoofscope.errors import ProtocolError
from spoofscope.textio import open_text

#: Column names with a meaning; every other name (except "-", ignored) goes into ``extra``.
#: "file" is an audio file name relative to the partition's audio folder, "path" one relative to
#: the corpus root; without either the path is ``<audio_dir>/<utt_id><ext>``.
CORE = frozenset({"utt_id", "file", "path", "speaker", "attack", "key", "split", "-"})


@dataclass(frozen=True)
class Columns:
    """How one protocol file lays out its columns.

    Attributes:
        names: one name per column (see :data:`CORE`); ignored when ``header`` is true.
        labels: raw key spelling → "bonafide" / "spoof"; any other spelling is an unknown label.
        required: fewest fields a line must have (default: every named column).
        delimiter: None splits on whitespace; "," reads quoted CSV.
        header: the first line names the columns (through ``rename``).
        rename: header text → column name, for header files.
        must_have: column names a header must provide.
        attack_from: build the attack id by joining these columns with "-" (e.g. 2017's replay
            configuration) instead of reading an "attack" column.
        no_attack: attack spellings that mean "none" and become "-".
    """

    names: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(
        default_factory=lambda: {"bonafide": "bonafide", "spoof": "spoof"}
    )
    required: int | None = None
    delimiter: str | None = None
    header: bool = False
    rename: Mapping[str, str] = field(default_factory=dict)
    must_have: tuple[str, ...] = ()
    attack_from: tuple[str, ...] = ()
    no_attack: frozenset[str] = frozenset({"-", "", "bonafide", "genuine", "bona-fide"})


@dataclass(frozen=True)
class Issue:
    """One raw problem met while reading: kind, file, 1-based line, utterance id, detail."""

    kind: str
    file: str
    line: int | None
    utt_id: str = ""
    detail: str = ""


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Millions of small records would trigger the cyclic GC over and over; none of them form
    # cycles, so collection is paused while reading (and restored even on error).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rows(f, columns: Columns, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every record; blank lines give empty field lists.

    The number is the line a record ends on: a quoted CSV field may run over several lines.
    """
    if columns.delimiter is None:
        return enumerate(map(str.split, f), 1)  # C-level split, no per-line generator frame
    return _csv_rows(csv.reader(f, delimiter=columns.delimiter), path)


def _csv_rows(reader, path: Path) -> Iterator[tuple[int, list[str]]]:
    line = 0
    try:
        for fields in reader:
            line = reader.line_num
            yield line, fields if any(fields) else []
    except csv.Error as exc:  # the reader cannot go on past this record
        raise ProtocolError(path, line + 1, f"not readable as CSV ({exc})") from None


def _outside(path: str, root: str) -> bool:
    """``path`` does not lie under ``root`` (both compared as absolute, normalised paths)."""
    return not os.path.abspath(path).startswith(root)


def read_protocol(
    path: Path,
    columns: Columns,
    *,
    corpus: str,
    split: str | None,
    root: Path,
    audio_dir: Path,
    ext: str,
    seen: dict[str, tuple[str, int]],
    issues: list[Issue],
    id_prefix: str = "",
    fixed: Mapping[str, str] | None = None,
    allow_outside_root: bool = False,
) -> list[Utterance]:
    """Read one protocol file into utterances; problems go to ``issues``, never raise per line.

    Every line that gives no utterance (blank lines aside) is an issue, so a caller can count what
    it skipped: a line with too few fields, an unknown label, an empty id, a duplicate id, a path
    outside the root, and each line swallowed by a CSV quote that is never closed on its line.

    Args:
        path: the protocol file.
        columns: its layout.
        corpus: recipe name stored on each utterance.
        split: split of every line, or None when a "split" column gives it.
        root: corpus root ("path" columns are relative to it).
        audio_dir: folder of the audio files ("file" columns and ids are relative to it).
        ext: audio extension appended to ids when no "file"/"path" column exists.
        seen: utt_id → (file, line) of its first listing, shared across a corpus's protocols so a
            duplicate id is found across files too; updated in place.
        issues: receives malformed_line / unknown_label / duplicate_id issues.
        id_prefix: prepended to each id (not to its file name) where a release reuses ids across
            partitions (DECRO's languages).
        fixed: fields added to every utterance's ``extra`` (e.g. the language of a partition).
        allow_outside_root: keep lines whose audio path (absolute, or climbing out with "..")
            lies outside ``root``; by default each is refused as a malformed_line issue, because a
            protocol that reaches outside its release is a mistake or a tampered file.

    Returns:
        One utterance per good line, in file order; a duplicate keeps its first listing.

    Raises:
        TextDecodeError: the file is not UTF-8 (a leading byte-order mark is fine).
        ProtocolError: the CSV reader cannot go on (a field over the csv module's size limit).
    """
    out: list[Utterance] = []
    name = str(path)
    with _gc_paused(), open_text(path, newline="" if columns.delimiter else None) as f:
        rows = _rows(f, columns, path)
        names = columns.names
        required = columns.required or len(names)
        last = 0  # the line the previous record ended on
        if columns.header:
            first = next(((n, r) for n, r in rows if r), None)
            if first is None:
                # Line 1 is where the header belongs: the place a finding prints.
                issues.append(Issue("malformed_line", name, 1, "", "no header line"))
                return out
            names = tuple(columns.rename.get(h.strip(), h.strip()) for h in first[1])
            absent = [n for n in columns.must_have if n not in names]
            if absent:
                issues.append(Issue("malformed_line", name, first[0], "", f"header lacks {absent}"))
                return out
            required = max(names.index(n) for n in columns.must_have) + 1
            last = first[0]
        col = {n: i for i, n in enumerate(names) if n in CORE and n != "-"}
        extras = [(i, n) for i, n in enumerate(names) if n not in CORE]
        i_key = col["key"]
        i_utt, i_file, i_path = col.get("utt_id"), col.get("file"), col.get("path")
        i_spk, i_att, i_split = col.get("speaker"), col.get("attack"), col.get("split")
        i_from = [names.index(n) for n in columns.attack_from]
        core = sorted(col.values())
        labels, no_attack = columns.labels, columns.no_attack
        prefix = str(audio_dir) + os.sep
        root_prefix = str(root) + os.sep
        inside = os.path.join(os.path.abspath(root), "")
        fixed = dict(fixed or {})
        with_extra = bool(extras or fixed)
        for end, fields in rows:
            lineno, last = last + 1, end
            n = len(fields)
            if not n:
                continue
            if end > lineno and any("\n" in fields[i] for i in core if i < n):
                # A quote opened in an id, path or label column and closed lines later: the
                # lines between were read as one field. Each of them is lost, so each counts.
                issues.extend(
                    Issue("malformed_line", name, k, "", f"inside a quote opened on line {lineno}")
                    for k in range(lineno, end + 1)
                )
                continue
            if n < required:
                issues.append(
                    Issue("malformed_line", name, lineno, "", f"{n} fields, need {required}")
                )
                continue
            raw_key = fields[i_key]
            key = labels.get(raw_key)
            if i_file is not None:
                rel = fields[i_file]
                file_path = prefix + rel
            elif i_path is not None:
                rel = fields[i_path]
                file_path = rel if os.path.isabs(rel) else root_prefix + rel
            else:
                rel = ""
                file_path = ""
            raw = fields[i_utt] if i_utt is not None else os.path.splitext(os.path.basename(rel))[0]
            utt = id_prefix + raw
            if key is None:
                issues.append(Issue("unknown_label", name, lineno, utt, f"label '{raw_key}'"))
                continue
            if not raw:
                issues.append(Issue("malformed_line", name, lineno, "", "empty utterance id"))
                continue
            file_path = file_path or prefix + raw + ext
            # Only ".." or an absolute "path" column can lead out of the root; the exact test
            # runs on those lines alone.
            if (
                (".." in file_path or not file_path.startswith(root_prefix))
                and not allow_outside_root
                and _outside(file_path, inside)
            ):
                why = f"{os.path.abspath(file_path)} is outside the corpus root {root}"
                issues.append(Issue("malformed_line", name, lineno, utt, why))
                continue
            first = seen.get(utt)
            if first is not None:
                issues.append(
                    Issue("duplicate_id", name, lineno, utt, f"first at {first[0]}:{first[1]}")
                )
                continue
            seen[utt] = (name, lineno)
            if key == BONAFIDE:
                attack = NO_ATTACK
            elif i_from:
                attack = "-".join(fields[i] for i in i_from if i < n)
            else:
                attack = fields[i_att] if i_att is not None and i_att < n else NO_ATTACK
                if attack in no_attack:
                    attack = NO_ATTACK
            out.append(
                Utterance(
                    utt,
                    file_path,
                    key,
                    fields[i_spk] if i_spk is not None and i_spk < n else "-",
                    attack,
                    split if i_split is None or i_split >= n else fields[i_split],
                    corpus,
                    {**fixed, **{nm: fields[i] for i, nm in extras if i < n}} if with_extra else {},
                )
            )
    return out
