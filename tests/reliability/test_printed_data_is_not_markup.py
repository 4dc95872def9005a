"""Ids, paths and labels read from a corpus are printed as they are, never read as rich markup.

Printed inside a markup string, ``[/x]`` in an utterance id crashed `corpus check` (a closing tag
with no opening one), a root folder ``ASVspoof2019 [v2]`` printed as ``ASVspoof2019 `` (an unknown
style, dropped), and ``:a:`` in a name became an emoji.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.corpora import build_asvspoof2019, build_folder_csv
from tests.integration.cli_runner import run_cli

PROTOCOL = "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt"


def test_an_id_with_a_closing_tag_is_printed_by_corpus_check(tmp_path: Path) -> None:
    build_asvspoof2019(tmp_path, "LA")
    with (tmp_path / PROTOCOL).open("a", encoding="utf-8") as f:
        f.write("LA_0079 LA_T_[/x]1000959 - A01 spoof\n")  # listed, no audio: a missing_audio path
    result = run_cli("corpus", "check", "--corpus", "asvspoof2019-la", "--root", str(tmp_path))
    assert result.code == 0, result.err
    flac = tmp_path / "LA" / "ASVspoof2019_LA_train" / "flac" / "LA_T_[/x]1000959.flac"
    assert f"    {flac}\n" in result.out
    assert "missing_audio: 1 listed utterance(s) have no audio file\n" in result.out


def test_a_root_with_brackets_and_colons_is_printed_whole(tmp_path: Path) -> None:
    root = tmp_path / "ASVspoof2019 [v2] take:a:b"
    build_asvspoof2019(root, "LA")
    result = run_cli("corpus", "check", "--corpus", "asvspoof2019-la", "--root", str(root))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"asvspoof2019-la at {root}"


def test_stats_table_prints_labels_with_brackets(tmp_path: Path) -> None:
    expected = build_folder_csv(tmp_path)
    text = expected.root.read_text(encoding="utf-8").replace(",tts-x,", ",xtts [v2],")
    expected.root.write_text(text, encoding="utf-8")
    table = run_cli("corpus", "stats", "--corpus", "folder", "--root", str(expected.root))
    assert table.code == 0, table.err
    data = run_cli("corpus", "stats", "-c", "folder", "-r", str(expected.root), "--json")
    attacks = json.loads(data.out)["splits"]["train"]["attacks"]
    assert f"xtts [v2]:{attacks['xtts [v2]']}" in table.out
