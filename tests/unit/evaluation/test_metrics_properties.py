"""Properties every EER implementation must have, checked on generated score sets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spoofscope.errors import MetricError
from spoofscope.evaluation import metrics as m

scores = st.lists(
    st.floats(min_value=-50, max_value=50, allow_nan=False, allow_infinity=False, width=32),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(bona=scores, spoof=scores)
def test_eer_lies_in_unit_interval(bona, spoof):
    eer = m.compute_eer(bona, spoof).eer
    assert 0.0 <= eer <= 1.0


@settings(max_examples=200, deadline=None)
@given(bona=scores, spoof=scores, kind=st.sampled_from(["affine", "exp", "cube", "tanh"]))
def test_eer_invariant_to_strictly_increasing_transforms(bona, spoof, kind):
    b, s = np.asarray(bona, dtype=np.float64), np.asarray(spoof, dtype=np.float64)
    transform = {
        "affine": lambda x: 3.0 * x + 7.0,
        "exp": lambda x: np.exp(x / 10.0),
        "cube": lambda x: x**3 + x,
        "tanh": lambda x: np.arctan(x),
    }[kind]
    # Float rounding can merge nearly equal scores; the property is about transforms that stay
    # strictly increasing on the values at hand.
    both = np.unique(np.concatenate([b, s]))
    assume(np.all(np.diff(transform(both)) > 0))
    assert m.compute_eer(transform(b), transform(s)).eer == pytest.approx(
        m.compute_eer(b, s).eer, abs=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(bona=scores, spoof=scores, gap=st.floats(min_value=1e-3, max_value=10))
def test_eer_is_zero_for_separated_classes(bona, spoof, gap):
    b = np.asarray(bona, dtype=np.float64)
    s = np.asarray(spoof, dtype=np.float64)
    s = s - s.max() + b.min() - gap  # every spoof strictly below every bona fide
    assert m.compute_eer(b, s).eer == 0.0


@settings(max_examples=300, deadline=None)
@given(bona=scores, spoof=scores)
def test_swapping_labels_with_negated_scores_keeps_eer(bona, spoof):
    b, s = np.asarray(bona, dtype=np.float64), np.unique(np.asarray(spoof, dtype=np.float64))
    b = np.setdiff1d(np.unique(b), s)  # ties flip their order under negation; the official
    if b.size == 0:  # convention breaks them bona-fide-first, so the property holds without ties
        return
    det = m.det_curve(b, s)
    gap = np.abs(det.frr - det.far)
    minimisers = np.flatnonzero(gap == gap.min())
    if np.unique((det.frr[minimisers] + det.far[minimisers]) / 2).size > 1:
        return  # see test_swap_differs_when_minimisers_disagree
    assert m.compute_eer(-s, -b).eer == pytest.approx(m.compute_eer(b, s).eer, abs=1e-12)


def test_swap_differs_when_minimisers_disagree():
    """The official EER takes the *first* DET point minimising |FRR - FAR|. When two points tie with
    different FRR/FAR means, negating scores and swapping labels mirrors the curve and the first
    minimiser changes, so the value does too. We keep the official behaviour and pin it here."""
    assert m.compute_eer([-1.0], [0.0, -2.0]).eer == 0.25
    assert m.compute_eer([0.0, 2.0], [1.0]).eer == 0.75


def test_empty_class_is_a_metric_error():
    with pytest.raises(MetricError, match="no scores"):
        m.compute_eer([], [1.0])


def test_non_finite_score_is_a_metric_error():
    with pytest.raises(MetricError, match="NaN or infinity"):
        m.compute_eer([np.nan, 1.0], [0.0])


def test_classification_report_counts_decisions_at_threshold():
    scores = np.array([0.9, 0.8, 0.2, 0.1, 0.7])
    keys = ["bonafide", "bonafide", "spoof", "spoof", "spoof"]
    report = m.classification_report(scores, keys, threshold=0.5, as_dict=True)
    assert report["bonafide"]["recall"] == 1.0
    assert report["spoof"]["recall"] == pytest.approx(2 / 3)
    assert report["bonafide"]["precision"] == pytest.approx(2 / 3)
    assert report["accuracy"] == pytest.approx(0.8)
    text = m.classification_report(scores, keys, threshold=0.5)
    assert "macro avg" in text and "weighted avg" in text


def test_per_speaker_errors_count_each_voice_at_the_threshold():
    scores = np.array([0.9, 0.2, 0.8, 0.6, 0.1, 0.7, 0.3])
    keys = ["bonafide", "bonafide", "bonafide", "spoof", "spoof", "spoof", "spoof"]
    speakers = ["ann", "ann", "bob", "ann", "bob", "bob", "cy"]
    got = m.per_speaker_errors(scores, keys, speakers, threshold=0.5)
    assert got["ann"] == {"n_bonafide": 2, "bonafide_rejected": 0.5, "n_spoof": 1,
                          "spoof_accepted": 1.0}  # fmt: skip
    assert got["bob"] == {"n_bonafide": 1, "bonafide_rejected": 0.0, "n_spoof": 2,
                          "spoof_accepted": 0.5}  # fmt: skip
    assert got["cy"]["bonafide_rejected"] is None and got["cy"]["spoof_accepted"] == 0.0
    # a score equal to the threshold is accepted, as everywhere in spoofscope
    assert m.per_speaker_errors(scores, keys, speakers, 0.6)["ann"]["spoof_accepted"] == 1.0


def test_per_duration_errors_band_the_trials_by_length():
    scores = np.array([0.9, 0.2, 0.8, 0.6, 0.1, 0.7, 0.3, 0.4])
    keys = ["bonafide", "bonafide", "bonafide", "spoof", "spoof", "spoof", "spoof", "spoof"]
    durations = [0.4, 0.9, 3.0, 0.5, 1.0, 3.5, 12.0, 2.0]
    got = m.per_duration_errors(scores, keys, durations, threshold=0.5)
    # a band holds [lo, hi): 1.0 s falls in "1-2 s", 2.0 s in "2-4 s"; the empty 4-8 s band is left out
    assert [r["band"] for r in got] == ["0-1 s", "1-2 s", "2-4 s", "8 s and longer"]
    short = got[0]
    assert (short["n_bonafide"], short["n_spoof"]) == (2, 1)
    assert short["bonafide_rejected"] == 0.5 and short["spoof_accepted"] == 1.0
    assert short["eer"] == pytest.approx(m.compute_eer([0.9, 0.2], [0.6]).eer)
    assert got[1]["eer"] is None and got[1]["bonafide_rejected"] is None  # spoofs only
    assert got[3]["max_seconds"] is None and got[3]["min_seconds"] == 8.0
    assert sum(r["n_bonafide"] + r["n_spoof"] for r in got) == len(scores)
    with pytest.raises(MetricError, match="durations"):
        m.per_duration_errors(scores, keys, durations[:-1], threshold=0.5)
