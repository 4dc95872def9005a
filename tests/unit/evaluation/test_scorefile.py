"""Reading and writing score files, and the errors malformed files raise."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.errors import ScoreFileError
from spoofscope.evaluation.scorefile import FORMATS, ScoreSet, read_scores, write_scores


@pytest.fixture()
def trials() -> ScoreSet:
    return ScoreSet(
        utt_id=["LA_E_1000147", "LA_E_1000273", "LA_E_1000791"],
        speaker=["LA_0039", "LA_0014", "LA_0039"],
        attack=["-", "A13", "A19"],
        key=["bonafide", "spoof", "spoof"],
        score=np.array([3.25, -2.5, 0.125]),
    )


@pytest.mark.parametrize("fmt", ["tsv", "asvspoof2019", "asvspoof2019-full"])
def test_round_trip_keeps_every_field(tmp_path, trials, fmt):
    path = write_scores(tmp_path / "scores.txt", trials, fmt=fmt)
    back = read_scores(path)
    assert back.utt_id == trials.utt_id
    assert back.key == trials.key
    assert back.attack == trials.attack
    np.testing.assert_array_equal(back.score, trials.score)
    if fmt != "asvspoof2019":
        assert back.speaker == trials.speaker


def test_tsv_header_is_the_contract(tmp_path, trials):
    path = write_scores(tmp_path / "s.tsv", trials)
    assert path.read_text().splitlines()[0] == "utt_id\tspeaker\tattack\tkey\tscore"


def test_asvspoof2021_scores_take_keys_from_trial_metadata(tmp_path, trials):
    path = write_scores(tmp_path / "score.txt", trials, fmt="asvspoof2021")
    meta = tmp_path / "trial_metadata.txt"
    meta.write_text(
        "LA_0039 LA_E_1000147 alaw ita_tx - bonafide notrim eval\n"
        "LA_0014 LA_E_1000273 none loc_tx A13 spoof notrim eval\n"
        "LA_0039 LA_E_1000791 gsm sin_tx A19 spoof trim progress\n"
    )
    back = read_scores(path, keys_file=meta)
    assert back.key == trials.key
    assert back.attack == trials.attack
    assert back.speaker == trials.speaker


def test_asvspoof5_scores_with_separate_keys(tmp_path, trials):
    path = write_scores(tmp_path / "score.tsv", trials, fmt="asvspoof5")
    keys = tmp_path / "keys.tsv"
    keys.write_text(
        "filename\tcm-label\nLA_E_1000147\tbonafide\nLA_E_1000273\tspoof\nLA_E_1000791\tspoof\n"
    )
    assert read_scores(path, keys_file=keys).key == trials.key
    assert set(FORMATS) >= {"tsv", "asvspoof5"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("LA_E_1 - bonafide 1.0\nLA_E_2 A13 spoof abc\n", r":2: score 'abc' is not a number"),
        ("LA_E_1 - bonafide 1.0\nLA_E_2 A13 spoof nan\n", r":2: score 'nan' is not finite"),
        ("LA_E_1 - bonafide 1.0\nLA_E_1 A13 spoof 0.5\n", r":2: duplicate utterance id 'LA_E_1'"),
        ("LA_E_1 - bonafide 1.0\nLA_E_2 A13 fake 0.5\n", r":2: unknown key 'fake'"),
        ("LA_E_1 - bonafide 1.0\nLA_E_2 A13 spoof\n", r":2: expected 4 columns"),
        ("utt_id\tspeaker\tattack\tkey\tscore\nx\ty\t-\tbonafide\n", r":2: expected 5 tab-sep"),
        ("", "empty score file"),
        ("a b c d e f g h\n", r":1: unrecognised score format"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, content, message):
    path = tmp_path / "scores.txt"
    path.write_text(content)
    with pytest.raises(ScoreFileError, match=message):
        read_scores(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScoreFileError, match="no such file"):
        read_scores(tmp_path / "absent.txt")


def test_an_unlabelled_asvspoof2019_file_takes_its_keys_from_a_keys_file(tmp_path):
    # what `spoofscope score --format asvspoof2019` writes for recordings of unknown class
    path = tmp_path / "cm_scores.txt"
    path.write_text("LA_E_1000147 - - 1.25\nLA_E_1000273 - - -0.5\n")
    assert read_scores(path).key == ["", ""]
    keys = tmp_path / "keys.tsv"
    keys.write_text("filename\tcm-label\nLA_E_1000147\tbonafide\nLA_E_1000273\tspoof\n")
    assert read_scores(path, keys_file=keys).key == ["bonafide", "spoof"]
