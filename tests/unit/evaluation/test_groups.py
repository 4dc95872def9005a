"""Errors by bona fide source, channel and seconds of speech, on score sets whose answers are
known by construction; and the tables' text and HTML."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.evaluation.evaluate import compute_metrics
from spoofscope.evaluation.groups import (
    CHANNEL_COLUMNS,
    SOURCE_COLUMNS,
    column,
    group_metrics,
    per_channel_errors,
    per_source_errors,
    short_speech_errors,
    text_lines,
)
from spoofscope.evaluation.report import render
from spoofscope.evaluation.scorefile import ScoreSet

# An eval split of LocalSpoof v2's shape: bona fide from three packages; spoofs made by
# synthesizers (no source) and by a conversion of a gcin clip (its source names the package).
KEYS = ["bonafide"] * 7 + ["spoof"] * 4
SOURCES = [
    "asterisk-prompt-fr-armelle", "asterisk-prompt-fr-armelle", "asterisk-prompt-fr-armelle",
    "asterisk-prompt-fr-armelle", "gcin-voice", "gcin-voice", "codec2-examples",
    "", "", "", "gcin-voice",
]  # fmt: skip
#: Armelle's four files score above every spoof but one is under the threshold; gcin's two
#: sit below every spoof; codec2's one sits between the spoofs.
SCORES = np.array([5.0, 6.0, 7.0, 2.5, -2.0, -1.0, 1.5, 0.0, 1.0, 2.0, 3.0])
THRESHOLD = 2.75


def test_a_source_is_judged_by_its_share_rejected_at_the_overall_threshold() -> None:
    rows = per_source_errors(SCORES, KEYS, SOURCES, THRESHOLD)
    assert list(rows) == ["asterisk-prompt-fr-armelle", "codec2-examples", "gcin-voice"]
    armelle = rows["asterisk-prompt-fr-armelle"]
    assert armelle["n_bonafide"] == 4 and armelle["bonafide_rejected"] == pytest.approx(0.25)
    gcin = rows["gcin-voice"]
    # the spoof converted from a gcin clip is no bona fide file of that source
    assert gcin["n_bonafide"] == 2 and gcin["bonafide_rejected"] == 1.0
    assert gcin["eer_against_all_spoofs"] == 1.0  # below every spoof
    assert rows["codec2-examples"]["bonafide_rejected"] == 1.0
    # against the four spoofs (0, 1, 2, 3), 2.5 is beaten by one spoof only
    assert armelle["eer_against_all_spoofs"] == pytest.approx(0.25)


def test_a_channel_is_judged_on_its_own_trials() -> None:
    # pooled, the two channels' scores overlap; within each they do not
    scores = np.array([5.0, 6.0, 0.0, 1.0, 1.0, 2.0, 3.0, 4.0])
    keys = ["bonafide", "bonafide", "spoof", "spoof"] * 2
    channels = ["clean"] * 4 + ["gsm"] * 4
    rows = per_channel_errors(scores, keys, channels, threshold=2.5)
    assert rows["clean"]["eer"] == 0.0 and rows["gsm"]["eer"] == 1.0
    assert rows["gsm"]["bonafide_rejected"] == 1.0 and rows["gsm"]["spoof_accepted"] == 1.0
    assert rows["clean"]["bonafide_rejected"] == 0.0 and rows["clean"]["spoof_accepted"] == 0.0
    assert (rows["gsm"]["n_bonafide"], rows["gsm"]["n_spoof"]) == (2, 2)


def test_under_a_second_of_speech_is_reported_apart_with_its_own_eer() -> None:
    # single words (0.3-0.6 s of speech) are where this detector fails; sentences are clean
    speech = np.array([0.3, 0.5, 4.0, 6.0, 0.4, 0.6, 5.0, 3.0])
    scores = np.array([-1.0, -2.0, 5.0, 6.0, 0.0, 1.0, 2.0, 1.5])
    keys = ["bonafide"] * 4 + ["spoof"] * 4
    short, rest = short_speech_errors(scores, keys, speech, threshold=3.0)
    assert short["band"] == "0-1 s" and rest["band"] == "1 s and longer"
    assert (short["n_bonafide"], short["n_spoof"]) == (2, 2)
    assert short["eer"] == 1.0 and rest["eer"] == 0.0
    assert short["bonafide_rejected"] == 1.0 and rest["spoof_accepted"] == 0.0


def test_group_metrics_adds_only_what_the_corpus_tells() -> None:
    # from a 0.3 s syllable to a minute of audiobook; nothing between 2 and 4 s
    speech = np.array([0.3, 0.5, 1.5, 5.0, 9.0, 20.0, 60.0, 0.4, 1.2, 6.0, 30.0])
    both = group_metrics(SCORES, KEYS, THRESHOLD, SOURCES, ["tel"] * len(SCORES), speech)
    # one channel for the whole split is the split itself: no table
    assert set(both) == {"per_source", "per_speech_duration", "short_speech"}
    assert [r["band"] for r in both["per_speech_duration"]] == [
        "0-1 s", "1-2 s", "4-8 s", "8 s and longer"
    ]  # fmt: skip
    assert sum(r["n_bonafide"] + r["n_spoof"] for r in both["per_speech_duration"]) == 11
    assert group_metrics(SCORES, KEYS, THRESHOLD, [""] * len(SCORES)) == {}
    two = group_metrics(SCORES, KEYS, THRESHOLD, channels=["a", "b"] * 5 + ["a"])
    assert set(two["per_channel"]) == {"a", "b"}


def test_columns_are_read_from_the_first_name_the_manifest_has() -> None:
    extras = [{"source_package": "gcin-voice", "source": "x"}, {"channel": "tel"}]
    assert column(extras, SOURCE_COLUMNS) == ["gcin-voice", ""]
    assert column(extras, CHANNEL_COLUMNS) == ["", "tel"]
    assert column([{"codec": "alaw", "channel": "tel"}], CHANNEL_COLUMNS) == ["alaw"]
    assert column([{}], SOURCE_COLUMNS) is None


def test_metrics_text_and_html_show_every_table() -> None:
    speech = np.array([0.3, 0.4, 2.0, 3.0, 5.0, 0.5, 0.2, 0.7, 2.0, 9.0, 0.9])
    scores = ScoreSet(
        utt_id=[f"LS_E_{i:07d}" for i in range(len(SCORES))],
        speaker=["LS_ARMELLE"] * 4 + ["LS_GCIN_3"] * 2 + ["LS_C2_HTS1"] * 5,
        attack=["-"] * 7 + ["L01", "L05", "L09", "L11"],
        key=KEYS,
        score=SCORES,
    )
    groups = {"sources": SOURCES, "channels": None, "speech_seconds": speech}
    metrics = compute_metrics(scores, groups=groups)
    # at the split's own EER threshold, as the per-speaker table is
    assert metrics["per_source"] == per_source_errors(SCORES, KEYS, SOURCES, metrics["threshold"])
    lines = "\n".join(text_lines(metrics))
    assert "gcin-voice" in lines and "100.0% of 2" in lines
    short = metrics["short_speech"][0]
    assert f"below 1 s of speech: EER {100 * short['eer']:.1f}%" in lines
    page = render(metrics, plots={})
    assert "Bona fide sources at the EER threshold" in page and "gcin-voice" in page
    assert "Errors by seconds of speech" in page and "Below and above 1 s of speech" in page
