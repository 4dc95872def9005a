"""A protocol path that leads out of the corpus root is refused and reported, unless allowed.

An absolute ``path`` or one climbing out with ``..`` used to be read like any other: an eval
protocol could list training audio of another tree (or any file on the machine) and neither
`corpus check` nor `prepare` said a word, as long as the file existed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.corpora import CORPORA
from spoofscope.corpora.folder import FolderCorpus
from tests.fixtures.corpora import (
    build_asvspoof2019,
    build_folder_csv,
    build_localspoof,
    write_audio,
)

LA_TRAIN = "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A real recording outside the corpus root (``tmp_path/corpus``)."""
    path = tmp_path / "other_release" / "LA_T_9999999.flac"
    write_audio(path, 3)
    return path


def _append(path: Path, line: str) -> int:
    """Append ``line``; return its line number."""
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    return len(path.read_text(encoding="utf-8").splitlines())


def test_localspoof_paths_outside_the_root_are_findings_and_not_read(
    tmp_path: Path, elsewhere: Path
) -> None:
    root = tmp_path / "corpus"
    expected = build_localspoof(root)
    csv = root / "localspoof.csv"
    tail = "train,en,espeak-ng-data,src/x.txt,piper,{},Hello.,clean"
    up = _append(csv, f"LS_T_0000101,../other_release/{elsewhere.name},spoof,LS_0000,L01,{tail}")
    absolute = _append(csv, f"LS_T_0000102,{elsewhere},spoof,LS_0000,L01,{tail}")
    report = CORPORA.get("localspoof")().check(root)
    (finding,) = report.findings
    assert finding.kind == "malformed_line" and finding.count == 2
    why = f"{elsewhere} is outside the corpus root {root}"
    assert finding.where == (f"{csv}:{up} ({why})", f"{csv}:{absolute} ({why})")
    manifest = CORPORA.get("localspoof")().prepare(root)
    assert [u.utt_id for u in manifest] == expected.ids


def test_an_id_climbing_out_of_the_audio_folder_is_refused(tmp_path: Path, elsewhere: Path) -> None:
    root = tmp_path / "corpus"
    build_asvspoof2019(root, "LA")
    climb = f"../../../../other_release/{elsewhere.stem}"  # the id names the file: <id>.flac
    line = _append(root / LA_TRAIN, f"LA_0079 {climb} - A01 spoof")
    report = CORPORA.get("asvspoof2019-la")().check(root, compare_counts=False)
    (finding,) = report.of_kind("malformed_line")
    assert finding.ids == (climb,) and finding.where[0].startswith(f"{root / LA_TRAIN}:{line} (")
    assert climb not in {u.utt_id for u in CORPORA.get("asvspoof2019-la")().prepare(root)}


def test_a_user_csv_may_allow_paths_outside_its_folder(tmp_path: Path, elsewhere: Path) -> None:
    expected = build_folder_csv(tmp_path / "corpus")
    _append(expected.root, f"{elsewhere},real,spk0,-,eval")
    refused = FolderCorpus().check(expected.root)
    assert [f.kind for f in refused.findings] == ["malformed_line"]
    assert elsewhere.stem not in {u.utt_id for u in FolderCorpus().prepare(expected.root)}
    allowed = FolderCorpus(allow_outside_root=True)
    assert allowed.check(expected.root).ok
    kept = {u.utt_id: u.path for u in allowed.prepare(expected.root)}
    assert kept[elsewhere.stem] == str(elsewhere)
