"""The one protocol reader: columns, label spellings, defects with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.corpora.protocol import Columns, Issue, read_protocol
from spoofscope.errors import ProtocolError


def _read(path: Path, columns: Columns, seen: dict | None = None, **kw):
    issues: list[Issue] = []
    utts = read_protocol(
        path, columns, corpus="c", split=kw.pop("split", "train"), root=path.parent,
        audio_dir=path.parent / "flac", ext=".flac", seen={} if seen is None else seen,
        issues=issues, **kw,
    )  # fmt: skip
    return utts, issues


def test_whitespace_protocol_fields_attack_and_paths(tmp_path: Path) -> None:
    p = tmp_path / "p.txt"
    p.write_text("LA_0079 LA_T_1 - - bonafide\n\nLA_0080  LA_T_2\t- A01 spoof\n")
    utts, issues = _read(p, Columns(names=("speaker", "utt_id", "-", "attack", "key")))
    assert issues == []
    assert [(u.utt_id, u.speaker, u.attack, u.key) for u in utts] == [
        ("LA_T_1", "LA_0079", "-", "bonafide"),
        ("LA_T_2", "LA_0080", "A01", "spoof"),
    ]
    assert utts[1].path == str(tmp_path / "flac" / "LA_T_2.flac")
    assert utts[0].extra == {}


def test_defects_are_issues_with_line_numbers_and_first_listing_kept(tmp_path: Path) -> None:
    p = tmp_path / "p.txt"
    p.write_text("s u1 - A01 spoof\ns u2\ns u3 - A02 fake\ns u1 - A03 spoof\n")
    utts, issues = _read(p, Columns(names=("speaker", "utt_id", "-", "attack", "key")))
    assert [u.attack for u in utts] == ["A01"]
    assert [(i.kind, i.line, i.utt_id) for i in issues] == [
        ("malformed_line", 2, ""),
        ("unknown_label", 3, "u3"),
        ("duplicate_id", 4, "u1"),
    ]
    assert issues[2].detail == f"first at {p}:1"


def test_duplicates_found_across_files_through_shared_seen(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("s u1 - - bonafide\n")
    b.write_text("s u1 - - bonafide\n")
    seen: dict[str, str] = {}
    cols = Columns(names=("speaker", "utt_id", "-", "attack", "key"))
    _read(a, cols, seen)
    utts, issues = _read(b, cols, seen)
    assert utts == [] and issues[0].kind == "duplicate_id" and issues[0].detail == f"first at {a}:1"


def test_attack_from_extra_and_split_columns(tmp_path: Path) -> None:
    p = tmp_path / "p.txt"
    p.write_text("PA_1 PA_E_1 R3 r1 s4 spoof progress\nPA_1 PA_E_2 R3 r2 s2 bonafide eval\n")
    cols = Columns(names=("speaker", "utt_id", "room", "att_room", "device", "key", "split"),
                   attack_from=("att_room", "device"))  # fmt: skip
    utts, _ = _read(p, cols, split="eval")
    assert [(u.attack, u.split, u.extra["room"]) for u in utts] == [
        ("r1-s4", "progress", "R3"),
        ("-", "eval", "R3"),
    ]


def test_header_csv_with_quotes_rename_and_prefix(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    p.write_text('file,speaker,label\n0.wav,"Obama, Barack",bona-fide\n1.wav,X,spoof\n')
    cols = Columns(labels={"bona-fide": "bonafide", "spoof": "spoof"}, delimiter=",",
                   header=True, rename={"label": "key"}, must_have=("file", "key"))  # fmt: skip
    utts, issues = _read(p, cols, id_prefix="w_", fixed={"language": "en"})
    assert issues == []
    assert [(u.utt_id, u.speaker, u.key) for u in utts] == [
        ("w_0", "Obama, Barack", "bonafide"),
        ("w_1", "X", "spoof"),
    ]
    assert utts[0].path == str(tmp_path / "flac" / "0.wav")
    assert utts[0].extra == {"language": "en"}


def test_header_without_required_column_is_one_malformed_issue(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    p.write_text("name,label\n0.wav,spoof\n")
    cols = Columns(delimiter=",", header=True, rename={"label": "key"}, must_have=("file", "key"))
    utts, issues = _read(p, cols)
    assert utts == [] and [(i.kind, i.line) for i in issues] == [("malformed_line", 1)]


def test_a_quote_left_open_in_a_large_csv_is_a_protocol_error_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "meta.csv"
    rows = [f"{i}.wav,Alec Guinness,spoof" for i in range(6000)]  # ~170 kB after the quote
    rows[2] = '2.wav,"Alec Guinness,spoof'
    p.write_text("file,speaker,label\n" + "\n".join(rows) + "\n")
    cols = Columns(delimiter=",", header=True, rename={"label": "key"}, must_have=("file", "key"))
    with pytest.raises(ProtocolError) as caught:
        _read(p, cols)
    assert caught.value.line == 4 and "field larger than field limit" in caught.value.why


def test_paths_outside_the_root_are_kept_when_allowed(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("path,key\n/srv/audio/clip0.wav,spoof\n../shared/clip1.wav,bonafide\n")
    cols = Columns(delimiter=",", header=True, must_have=("path", "key"))
    refused, issues = _read(p, cols)
    assert refused == [] and [(i.kind, i.line) for i in issues] == [
        ("malformed_line", 2),
        ("malformed_line", 3),
    ]
    kept, issues = _read(p, cols, allow_outside_root=True)
    assert issues == [] and [u.path for u in kept] == [
        "/srv/audio/clip0.wav",
        f"{tmp_path}/../shared/clip1.wav",
    ]
