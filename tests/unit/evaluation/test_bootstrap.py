"""Bootstrap intervals of the EER and paired comparisons of two systems."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.errors import MetricError
from spoofscope.evaluation.bootstrap import Resampling, compare_eer, eer_interval
from spoofscope.evaluation.metrics import compute_eer


def trials(n: int, separation: float, seed: int = 0, speakers: int = 4, shift: float = 0.0):
    """``n`` bona fide and ``n`` spoof scores from unit Gaussians ``separation`` apart, spread over
    ``speakers`` voices; ``shift`` moves each voice's bona fide scores by its own offset (voices
    that a detector finds easier or harder, as on a real dev split)."""
    rng = np.random.default_rng(seed)
    groups = np.array([f"S{i % speakers}" for i in range(2 * n)])
    offsets = shift * np.linspace(-1.0, 1.0, speakers)
    bona = rng.standard_normal(n) + separation + offsets[np.arange(n) % speakers]
    spoof = rng.standard_normal(n)
    return np.r_[bona, spoof], np.r_[np.ones(n, bool), np.zeros(n, bool)], groups


def test_interval_brackets_the_eer_and_is_reproducible():
    s, y, _ = trials(500, 2.0)
    ci = eer_interval(s, y, how=Resampling(n_resamples=300, seed=3))
    assert ci.estimate == pytest.approx(compute_eer(s[y], s[~y]).eer)
    assert 0.0 <= ci.low < ci.estimate < ci.high <= 1.0
    assert ci.n_resamples == 300 and ci.level == 0.95 and ci.unit == "trial"
    assert eer_interval(s, y, how=Resampling(n_resamples=300, seed=3)) == ci
    assert eer_interval(s, y, how=Resampling(n_resamples=300, seed=4)) != ci


def test_more_trials_give_a_narrower_interval():
    widths = []
    for n in (100, 2000):
        s, y, _ = trials(n, 2.0)
        ci = eer_interval(s, y, how=Resampling(n_resamples=300))
        widths.append(ci.high - ci.low)
    # the width shrinks like 1 / sqrt(n): a factor of ~4.5 for 20 times the trials
    assert widths[1] < widths[0] / 2.5


def test_speaker_bootstrap_is_wider_when_voices_differ():
    s, y, g = trials(1000, 2.0, speakers=4, shift=1.0)
    by_trial = eer_interval(s, y, g, Resampling("trial", n_resamples=300))
    by_speaker = eer_interval(s, y, g, Resampling("speaker", n_resamples=300))
    assert by_speaker.estimate == by_trial.estimate
    assert by_speaker.high - by_speaker.low > 2 * (by_trial.high - by_trial.low)


def test_identical_systems_differ_by_exactly_nothing():
    s, y, _ = trials(300, 1.5)
    c = compare_eer(s, s.copy(), y, how=Resampling(n_resamples=200))
    assert c.eer_a == c.eer_b
    assert c.difference.low == c.difference.high == 0.0 and c.p_value == 1.0


def test_a_clearly_better_system_is_significant_and_the_sign_says_which():
    s, y, _ = trials(1000, 3.0)
    rng = np.random.default_rng(1)
    worse = s + 1.5 * rng.standard_normal(s.size)  # the same trials, more noise
    c = compare_eer(s, worse, y, how=Resampling(n_resamples=300))
    assert c.eer_a < c.eer_b
    assert c.difference.high < 0.0 and c.p_value < 0.01
    flipped = compare_eer(worse, s, y, how=Resampling(n_resamples=300))
    assert flipped.difference.low > 0.0
    assert flipped.difference.estimate == pytest.approx(-c.difference.estimate)


def test_a_tiny_difference_is_not_significant():
    s, y, _ = trials(400, 2.0)
    rng = np.random.default_rng(2)
    nearly = s + 0.05 * rng.standard_normal(s.size)
    c = compare_eer(s, nearly, y, how=Resampling(n_resamples=300))
    assert c.difference.low < 0.0 < c.difference.high or c.difference.estimate == 0.0
    assert c.p_value > 0.05


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"how": Resampling("file")}, "unit"),  # type: ignore[arg-type]
        ({"how": Resampling(level=1.0)}, "level"),
        ({"how": Resampling("speaker")}, "one speaker per trial"),
        ({"how": Resampling("speaker"), "groups": ["S0"] * 20}, "at least two speakers"),
    ],
)
def test_bad_requests_fail_with_one_clear_line(kwargs, message):
    s, y, _ = trials(10, 1.0)
    with pytest.raises(MetricError, match=message) as err:
        eer_interval(s, y, **kwargs)
    assert "\n" not in str(err.value)


def test_missing_class_and_mismatched_systems_are_errors():
    s, y, _ = trials(10, 1.0)
    with pytest.raises(MetricError, match="both bona fide and spoof"):
        eer_interval(s[y], y[y])
    with pytest.raises(MetricError, match="scores 20 trials, system b 19"):
        compare_eer(s, s[:-1], y)
    with pytest.raises(MetricError, match="20 scores for 19 labels"):
        eer_interval(s, y[:-1])


def test_few_speakers_still_carry_the_trial_noise():
    """Three alike voices: drawing them whole would give ten distinct resamples and hide the
    trial noise; the second stage keeps the speaker interval at least as wide as the trial one."""
    s, y, g = trials(600, 2.0, speakers=3)
    rng = np.random.default_rng(5)
    other = s + 0.7 * rng.standard_normal(s.size)
    by_trial = compare_eer(s, other, y, g, Resampling("trial", n_resamples=400)).difference
    by_speaker = compare_eer(s, other, y, g, Resampling("speaker", n_resamples=400)).difference
    assert by_speaker.high - by_speaker.low >= 0.9 * (by_trial.high - by_trial.low)
