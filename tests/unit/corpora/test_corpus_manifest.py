"""Manifest: filtering, counts, concatenation and the CSV round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.corpora.manifest import Manifest, Utterance
from spoofscope.errors import ParseError


def _m() -> Manifest:
    return Manifest(
        [
            Utterance("a", "/d/a.flac", "bonafide", "s1", "-", "train", "x"),
            Utterance("b", "/d/b.flac", "spoof", "s1", "A01", "train", "x", {"codec": "alaw"}),
            Utterance("c", "/d/c.flac", "spoof", "s2", "A02", "eval", "x"),
            Utterance(
                "d", "/d/d,e.flac", "spoof", "s2", "A01", "eval", "x", {"text": 'say "hi", ok'}
            ),
        ]
    )


def test_filter_by_each_field_and_collections() -> None:
    m = _m()
    assert [u.utt_id for u in m.filter(split="eval")] == ["c", "d"]
    assert [u.utt_id for u in m.filter(key="spoof", attack="A01")] == ["b", "d"]
    assert [u.utt_id for u in m.filter(speaker={"s1"}, key=["bonafide"])] == ["a"]
    assert [u.utt_id for u in m.filter(where=lambda u: u.extra.get("codec") == "alaw")] == ["b"]


def test_counts_speakers_attacks_labels() -> None:
    m = _m()
    assert m.counts() == {"train": {"bonafide": 1, "spoof": 1}, "eval": {"bonafide": 0, "spoof": 2}}
    assert m.speakers() == ["s1", "s2"]
    assert m.attacks() == {"A01": 2, "A02": 1}
    assert m.labels == [1, 0, 0, 0]


def test_concat_add_and_slicing() -> None:
    m = _m()
    joined = m[:2] + m[2:]
    assert joined == m
    assert Manifest.concat(m[:1], m[3:]).splits() == ["train", "eval"]
    assert isinstance(m[1:3], Manifest) and len(m[1:3]) == 2
    assert m[-1].utt_id == "d"


def test_save_load_round_trip_keeps_extra_and_quoting(tmp_path: Path) -> None:
    m = _m()
    loaded = Manifest.load(m.save(tmp_path / "sub" / "m.csv"))
    assert loaded == m
    assert loaded[3].extra == {"text": 'say "hi", ok'}


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("utt,path\n", 1, "header"),
        ("utt_id,path,key,speaker,attack,split,corpus,extra\na,p,fake,s,-,eval,x,\n", 2, "key"),
        (
            "utt_id,path,key,speaker,attack,split,corpus,extra\na,p,spoof,s,-,eval,x,{bad\n",
            2,
            "JSON",
        ),
        ("utt_id,path,key,speaker,attack,split,corpus,extra\na,p,spoof\n", 2, "fields"),
    ],
)
def test_load_rejects_bad_rows_with_line_number(
    tmp_path: Path, text: str, line: int, why: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(ParseError) as info:
        Manifest.load(path)
    assert info.value.line == line
    assert why in info.value.why
