"""Every protocol line that gives no utterance is a finding, with its file:line, and is counted.

Two ways lines went missing without a word: a CSV quote opened in one line and closed lines later
folds every line between into one field (one finding for many lost lines, or none at all when the
folded record still has enough fields), and an empty header CSV (a build killed before it wrote
a line) read as a corpus with nothing in it and no finding.
"""

from __future__ import annotations

from pathlib import Path

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns, Issue, read_protocol
from tests.fixtures.corpora import build_in_the_wild, build_localspoof

META = "release_in_the_wild/meta.csv"


def _swallow(path: Path, first: int, last: int) -> None:
    """Open a quote in the speaker field of line ``first`` and close it in line ``last``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    file, speaker, label = lines[first - 1].split(",")
    lines[first - 1] = f'{file},"{speaker},{label}'
    file, speaker, label = lines[last - 1].split(",")
    lines[last - 1] = f'{file},{speaker}",{label}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_each_line_inside_an_unclosed_quote_is_a_counted_finding(tmp_path: Path) -> None:
    expected = build_in_the_wild(tmp_path)
    meta = tmp_path / META
    _swallow(meta, 3, 5)  # lines 3-5 read as one record of three fields: a spoof with a bad path
    report = CORPORA.get("in-the-wild")().check(tmp_path, compare_counts=False)
    (malformed,) = report.of_kind("malformed_line")
    assert malformed.count == 3
    assert malformed.where == tuple(
        f"{meta}:{n} (inside a quote opened on line 3)" for n in (3, 4, 5)
    )
    manifest = CORPORA.get("in-the-wild")().prepare(tmp_path)
    assert len(manifest) == len(expected.ids) - 3
    assert not any("\n" in u.path for u in manifest)


def test_an_empty_localspoof_csv_is_a_finding_not_an_empty_corpus(tmp_path: Path) -> None:
    build_localspoof(tmp_path)
    csv = tmp_path / "localspoof.csv"
    csv.write_bytes(b"")  # the builder was killed before its first write
    report = CORPORA.get("localspoof")().check(tmp_path)
    assert not report.ok
    assert [(f.kind, f.where) for f in report.findings] == [
        ("malformed_line", (f"{csv}:1 (no header line)",))
    ]


def test_every_issue_names_a_line_and_their_number_is_the_lines_lost(tmp_path: Path) -> None:
    p = tmp_path / "localspoof.csv"
    p.write_text(
        "utt_id,path,key,speaker,attack,split\n"
        "LS_T_0000000,audio/train/LS_T_0000000.flac,bonafide,LS_0000,-,train\n"
        "LS_T_0000001,audio/train/LS_T_0000001.flac\n"  # too few fields
        'LS_T_0000002,"audio/train/LS_T_0000002.flac,spoof,LS_0000,L01,train\n'  # quote opens
        "LS_T_0000003,audio/train/LS_T_0000003.flac,spoof,LS_0001,L02,train\n"
        'LS_T_0000004,audio/train/LS_T_0000004.flac",spoof,LS_0001,L03,train\n'  # and closes
        "LS_T_0000005,audio/train/LS_T_0000005.flac,fake,LS_0001,L03,train\n"  # unknown label
        "LS_T_0000000,audio/train/LS_T_0000000.flac,bonafide,LS_0000,-,train\n",  # duplicate
        encoding="utf-8",
    )
    issues: list[Issue] = []
    utterances = read_protocol(
        p, Columns(delimiter=",", header=True, must_have=("utt_id", "path", "key")),
        corpus="localspoof", split="eval", root=tmp_path, audio_dir=tmp_path, ext="",
        seen={}, issues=issues,
    )  # fmt: skip
    assert [u.utt_id for u in utterances] == ["LS_T_0000000"]
    assert [(i.kind, i.line) for i in issues] == [
        ("malformed_line", 3),
        ("malformed_line", 4),
        ("malformed_line", 5),
        ("malformed_line", 6),
        ("unknown_label", 7),
        ("duplicate_id", 8),
    ]
    assert len(utterances) + len(issues) == len(p.read_text().splitlines()) - 1  # all but header
