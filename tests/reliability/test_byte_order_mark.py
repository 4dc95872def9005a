"""A UTF-8 byte-order mark at the start of a text file changes nothing that is read from it.

Notepad and Excel's "CSV UTF-8" write one. Read as text, it became part of the first field: an
ASVspoof 2019 protocol gained a phantom speaker ``\\ufeffLA_0079``, and LocalSpoof's CSV header
lost its ``utt_id`` column, so the whole file was dropped while `corpus stats` exited 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from spoofscope.corpora import CORPORA
from spoofscope.evaluation.scorefile import read_scores
from tests.fixtures.corpora import build_asvspoof2019, build_folder_csv, build_localspoof
from tests.integration.cli_runner import run_cli

BOM = b"\xef\xbb\xbf"


def _add_bom(path: Path) -> None:
    path.write_bytes(BOM + path.read_bytes())


def _stats(corpus: str, root: Path) -> dict:
    result = run_cli("corpus", "stats", "--corpus", corpus, "--root", str(root), "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["splits"]


def test_asvspoof2019_protocol_with_bom_has_no_phantom_speaker(tmp_path: Path) -> None:
    expected = build_asvspoof2019(tmp_path, "LA")
    protocols = tmp_path / "LA" / "ASVspoof2019_LA_cm_protocols"
    _add_bom(protocols / "ASVspoof2019.LA.cm.train.trn.txt")
    splits = _stats("asvspoof2019-la", tmp_path)
    assert {s: v["speakers"] for s, v in splits.items()} == expected.speakers
    manifest = CORPORA.get("asvspoof2019-la")().prepare(tmp_path)
    assert manifest.speakers() == ["LA_0079", "LA_0080"]
    assert [u.utt_id for u in manifest] == expected.ids


def test_localspoof_csv_with_bom_is_read_whole(tmp_path: Path) -> None:
    expected = build_localspoof(tmp_path)
    _add_bom(tmp_path / "localspoof.csv")
    splits = _stats("localspoof", tmp_path)
    counts = {s: {"bonafide": v["bonafide"], "spoof": v["spoof"]} for s, v in splits.items()}
    assert counts == expected.counts
    check = run_cli("corpus", "check", "-c", "localspoof", "-r", str(tmp_path), "--strict")
    assert check.code == 0 and "no findings" in check.out


def test_a_spreadsheet_csv_with_bom_reads_every_row(tmp_path: Path) -> None:
    expected = build_folder_csv(tmp_path)
    _add_bom(expected.root)
    manifest = CORPORA.get("folder")().prepare(expected.root)
    assert [u.utt_id for u in manifest] == expected.ids
    assert manifest.counts() == expected.counts


def test_a_score_file_with_bom_keeps_its_format_and_first_id(tmp_path: Path) -> None:
    scores = tmp_path / "scores.tsv"
    scores.write_bytes(
        BOM + b"utt_id\tspeaker\tattack\tkey\tscore\n"
        b"LA_E_2834763\tLA_0039\tA11\tspoof\t-3.2081\n"
        b"LA_E_8877452\tLA_0040\t-\tbonafide\t1.5712\n"
    )
    trials = read_scores(scores)
    assert trials.utt_id == ["LA_E_2834763", "LA_E_8877452"]
    assert trials.key == ["spoof", "bonafide"]
    plain = tmp_path / "cm.txt"  # the 2019 evaluation package's headerless format
    plain.write_bytes(BOM + b"LA_E_2834763 A11 spoof -3.2081\nLA_E_8877452 - bonafide 1.5712\n")
    assert read_scores(plain).utt_id == ["LA_E_2834763", "LA_E_8877452"]
