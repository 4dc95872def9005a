"""Study statistics on synthetic scores with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spoofscope.errors import ConfigError
from spoofscope.evaluation.bootstrap import Resampling
from spoofscope.evaluation.scorefile import ScoreSet
from spoofscope.studies import stats
from spoofscope.studies.runs import figures

N_BONA, N_SPOOF = 150, 350  # an imbalanced eval split, as ASVspoof's


def _trials() -> stats.Trials:
    is_bona = np.r_[np.ones(N_BONA, bool), np.zeros(N_SPOOF, bool)]
    ids = tuple(f"LA_E_{1000000 + i}" for i in range(is_bona.size))
    speakers = tuple(f"LA_00{79 + i % 4}" for i in range(is_bona.size))
    return stats.Trials(ids, is_bona, speakers)


def _run(seed: int, draw: int, separation: float, trials: stats.Trials) -> stats.SeedRun:
    """Scores of a detector whose bona fide scores sit ``separation`` above the spoofs'."""
    rng = np.random.default_rng([seed, draw])
    scores = rng.standard_normal(trials.is_bona.size) + separation * trials.is_bona
    keys = ["bonafide" if b else "spoof" for b in trials.is_bona]
    scored = ScoreSet(list(trials.utt_id), list(trials.speaker), ["A01"] * len(keys), keys, scores)
    return stats.SeedRun(
        seed, {"eval": figures(scored, None), "dev": figures(scored, None)}, scores
    )


def _study(separations: dict[str, float], seeds=(1, 2, 3, 4, 5)) -> stats.Analysis:
    trials = _trials()
    runs = {
        name: [_run(s, k, sep, trials) for s in seeds]
        for k, (name, sep) in enumerate(separations.items())
    }
    labels = {name: name for name in separations}
    return stats.analyse(runs, labels, "all", trials, how=Resampling(n_resamples=300))


def test_a_planted_important_coefficient_is_found_and_a_null_one_is_not():
    # leaving out c4 costs the detector most of its separation; leaving out c5 costs nothing
    analysis = _study({"all": 2.0, "drop-04": 0.6, "drop-05": 2.0})
    rows = {r.variant: r for r in analysis.rows}
    important, null = rows["drop-04"], rows["drop-05"]
    assert important.significant and important.delta_eer > 0.15
    assert important.ci_low > 0 and important.rank == 1
    assert not null.significant and null.ci_low < 0 < null.ci_high
    assert abs(null.delta_eer) < 0.04
    assert "drop-04" in analysis.statement[0] and "drop-05" not in analysis.statement[0]
    assert "Holm" in analysis.statement[0]
    # every seed saw the same sign for the planted coefficient
    assert all(d > 0 for d in important.per_seed_delta) and important.test == "paired t-test"
    assert len(important.seeds) == 5 and important.std["eer"] > 0


def test_holm_turns_a_raw_call_into_no_call():
    p = [0.01, 0.04, 0.03, 0.5]  # 0.04 and 0.03 pass alpha 0.05 raw
    holm = stats.adjust(p, "holm")
    np.testing.assert_allclose(holm, [0.04, 0.09, 0.09, 0.5])
    assert [q <= 0.05 for q in holm] == [True, False, False, False]


def test_benjamini_hochberg_keeps_what_holm_drops():
    p = [0.01, 0.02, 0.03, 0.04]
    np.testing.assert_allclose(stats.adjust(p, "holm"), [0.04, 0.06, 0.06, 0.06])
    np.testing.assert_allclose(stats.adjust(p, "bh"), [0.04, 0.04, 0.04, 0.04])
    assert stats.adjust([0.2, float("nan")], "bh")[0] == pytest.approx(0.2)  # NaN not counted


def test_the_correction_changes_a_borderline_call_and_keeps_a_clear_one():
    # three seeds each: drop-01 passes alpha 0.05 tested alone (p = 0.026) but not among three
    # variants under Holm (x3: 0.078); drop-02 is clear (p = 0.003) and stays significant
    deltas = {"drop-01": [0.009, 0.016, 0.012], "drop-02": [0.010, 0.012, 0.011],
              "drop-03": [0.001, -0.002, 0.001]}  # fmt: skip
    raw = [stats.paired_test(d, "t")[0] for d in deltas.values()]
    assert raw[0] == pytest.approx(0.026, abs=0.001) and raw[0] < 0.05 < raw[2]
    holm = stats.adjust(raw, "holm")
    assert holm[0] > 0.05 and holm[1] < 0.05 and holm[2] > 0.05
    # a borderline p-value among others that are small too is kept by Benjamini-Hochberg
    assert (
        stats.adjust([raw[0], 0.03, 0.04], "bh")[0]
        <= 0.05
        < stats.adjust([raw[0], 0.03, 0.04], "holm")[0]
    )


def test_paired_tests_and_their_limits():
    p, name = stats.paired_test([0.02, 0.03, 0.025, 0.028], "t")
    assert name == "paired t-test" and p < 0.01
    assert stats.paired_test([0.0, 0.0], "t")[0] == 1.0
    assert math.isnan(stats.paired_test([0.01, 0.01], "t")[0])
    with pytest.raises(ConfigError, match="6\\+ seeds"):
        stats.paired_test([0.1] * 5, "wilcoxon")
    p, name = stats.paired_test([0.01, 0.02, 0.03, 0.04, 0.05, 0.06], "wilcoxon")
    assert name == "Wilcoxon signed-rank" and p == pytest.approx(2 / 64)
    with pytest.raises(ConfigError, match="2 or more seeds"):
        stats.paired_test([0.1], "t")


def test_one_seed_falls_back_to_the_bootstrap_and_says_so():
    analysis = _study({"all": 2.0, "drop-04": 0.5}, seeds=(1,))
    row = next(r for r in analysis.rows if r.variant == "drop-04")
    assert "bootstrap" in row.test and row.significant
    assert analysis.rank_stability is None


def test_rank_stability_is_high_for_a_clear_ranking_and_low_for_noise():
    clear = _study({"all": 2.0, "drop-01": 0.4, "drop-02": 1.0, "drop-03": 1.6, "drop-04": 2.0})
    noise = _study({"all": 2.0, "drop-01": 2.0, "drop-02": 2.0, "drop-03": 2.0, "drop-04": 2.0})
    assert clear.rank_stability["mean_tau"] > 0.8
    assert noise.rank_stability["mean_tau"] < 0.5
    assert clear.rank_stability["pairs"] == 10  # 5 seeds


def test_bootstrap_delta_of_identical_systems_is_zero_with_p_one():
    trials = _trials()
    scores = np.random.default_rng(0).standard_normal((2, trials.is_bona.size))
    est, low, high, p = stats.bootstrap_delta(
        scores, scores, trials.is_bona, Resampling(n_resamples=50)
    )
    assert est == low == high == 0.0 and p == 1.0


def test_bad_statistics_are_refused_before_any_run_trains():
    from spoofscope.studies.study import Statistics

    for bad, key in (({"correction": "bonferroni"}, "--correction"), ({"test": "u"}, "--test"),
                     ({"alpha": 0.0}, "--alpha"), ({"resamples": 0}, "--resamples")):  # fmt: skip
        with pytest.raises(ConfigError, match=key):
            Statistics(**bad)
    assert Statistics(correction="bh", test="wilcoxon").correction == "bh"


def test_bad_choices_fail_in_one_line():
    with pytest.raises(ConfigError, match="'sidak' is not one of holm, bh"):
        stats.adjust([0.1], "sidak")
    with pytest.raises(ConfigError, match="--alpha"):
        stats.analyse({}, {}, "all", _trials(), alpha=1.5)
