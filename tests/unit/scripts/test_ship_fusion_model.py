"""The fusion shipping script's pieces that decide what a shipped card says."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))

from ship_fusion_model import aligned_dev_scores, fit_weights, member_channel


def test_member_channel_is_not_applied_twice():
    # evaluation applies the member card's own channel after --channel
    assert member_channel({"input": {"channel": "telephone"}}, "telephone") == ""
    assert member_channel({"input": {"channel": None}}, "telephone") == " --channel telephone"
    assert member_channel({}, "telephone") == " --channel telephone"


def test_fit_weights_favours_the_member_that_separates():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 200)
    informative = labels * 3.0 + rng.normal(size=400)
    noise = rng.normal(size=400)
    w_noise, w_good = fit_weights(np.stack([noise, informative]), labels)
    assert w_good > w_noise and abs(w_noise + w_good - 1) < 1e-9


def _score_file(path: Path, rows: list[tuple[str, str, str, float]]) -> Path:
    lines = ["utt_id\tspeaker\tattack\tkey\tscore"]
    lines += [f"{u}\tLS_JUNE\t{a}\t{k}\t{s}" for u, a, k, s in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


DEV = [
    ("LS_D_0001", "-", "bonafide", 2.0),
    ("LS_D_0002", "L01", "spoof", -1.0),
    ("LS_D_0003", "L06", "spoof", 0.5),
    ("LS_D_0004", "L07", "spoof", 1.5),
]


def test_aligned_dev_scores_matches_members_by_utterance(tmp_path):
    first = _score_file(tmp_path / "a.tsv", DEV)
    # the second member wrote its rows in another order and with other scores
    second = _score_file(tmp_path / "b.tsv", [(u, a, k, 10 * s) for u, a, k, s in DEV[::-1]])
    scores, labels = aligned_dev_scores([first, second])
    assert labels.tolist() == [1, 0, 0, 0]
    np.testing.assert_allclose(scores[1], 10 * scores[0])


def test_aligned_dev_scores_keeps_only_the_protocols_attacks(tmp_path):
    # a leave-attacks-out fusion must never be fitted on an attack held out for eval (L07 here)
    first = _score_file(tmp_path / "a.tsv", DEV)
    second = _score_file(tmp_path / "b.tsv", DEV)
    scores, labels = aligned_dev_scores([first, second], attacks=["L01", "L06"])
    assert labels.tolist() == [1, 0, 0]
    assert scores[0].tolist() == [2.0, -1.0, 0.5]


def test_aligned_dev_scores_refuses_members_scored_on_other_files(tmp_path):
    first = _score_file(tmp_path / "a.tsv", DEV)
    second = _score_file(tmp_path / "b.tsv", DEV[:3])
    with pytest.raises(SystemExit, match="share 3 utterances only"):
        aligned_dev_scores([first, second])
