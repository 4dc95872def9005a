"""Bytes that are not UTF-8 in a protocol, a score file or a manifest give one typed error line.

The usual cause is a file re-saved by a spreadsheet or an editor in Windows-1252 / Latin-1 (an
accented speaker name) or as "Unicode" (UTF-16). Before, each raised a bare UnicodeDecodeError: a
traceback naming neither the file nor the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.corpora import CORPORA
from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import TextDecodeError
from spoofscope.evaluation.scorefile import read_scores
from tests.fixtures.corpora import build_in_the_wild
from tests.integration.cli_runner import run_cli

SCORES = (
    "utt_id\tspeaker\tattack\tkey\tscore\n"
    "LA_E_2834763\tLA_0039\tA11\tspoof\t-3.2081\n"
    "LA_E_8877452\tJosé\t-\tbonafide\t1.5712\n"
)


def _offset_of(path: Path, char: str, encoding: str) -> int:
    return path.read_bytes().index(char.encode(encoding))


def test_a_latin1_score_file_is_one_error_line_with_file_line_and_offset(tmp_path: Path) -> None:
    scores = tmp_path / "scores.tsv"
    scores.write_bytes(SCORES.encode("latin-1"))
    result = run_cli("metrics", str(scores))
    offset = _offset_of(scores, "é", "latin-1")
    assert result.code == 2 and result.out == ""
    assert result.err == (
        f"error: {scores}:3: byte 0xe9 at offset {offset} is not UTF-8; save the file as UTF-8\n"
    )


def test_a_windows_1252_protocol_stops_corpus_check_with_its_line(tmp_path: Path) -> None:
    build_in_the_wild(tmp_path)
    meta = tmp_path / "release_in_the_wild" / "meta.csv"
    text = meta.read_text(encoding="utf-8").replace("Ayn Rand", "Penélope Cruz")
    meta.write_bytes(text.encode("cp1252"))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "Penélope" in t)
    result = run_cli("corpus", "check", "--corpus", "in-the-wild", "--root", str(tmp_path))
    assert result.code == 2
    assert result.err.startswith(f"error: {meta}:{line}: byte 0xe9 at offset ")
    with pytest.raises(TextDecodeError) as caught:
        CORPORA.get("in-the-wild")().prepare(tmp_path)
    assert caught.value.line == line and caught.value.offset == _offset_of(meta, "é", "cp1252")


def test_a_utf16_score_file_is_named_as_utf16(tmp_path: Path) -> None:
    scores = tmp_path / "scores.tsv"
    scores.write_text(SCORES, encoding="utf-16")  # Notepad's "Unicode"; starts with FF FE
    with pytest.raises(TextDecodeError) as caught:
        read_scores(scores)
    assert str(caught.value) == f"{scores}:1: the file is UTF-16, not UTF-8; save it as UTF-8"
    assert caught.value.offset == 0


def test_a_latin1_manifest_is_a_typed_error(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    text = (
        "utt_id,path,key,speaker,attack,split,corpus,extra\n"
        "LA_T_1,/data/LA_T_1.flac,bonafide,Zoë,-,train,asvspoof2019-la,\n"
    )
    manifest.write_bytes(text.encode("latin-1"))
    with pytest.raises(TextDecodeError) as caught:
        Manifest.load(manifest)
    assert caught.value.line == 2 and caught.value.offset == _offset_of(manifest, "ë", "latin-1")
