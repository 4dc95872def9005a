"""spoofscope's metrics against the official ASVspoof evaluation code's numbers (shared/reference/metrics)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spoofscope.evaluation import metrics as m
from spoofscope.evaluation.scorefile import read_asv_scores, read_scores

TOL = 1e-9  # issue 3 asks 1e-9; the reference README says 1e-12 holds, and we assert that below too


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "metrics" / "reference.json").read_text())


@pytest.fixture(scope="module", params=["cm_main", "cm_separable"])
def case(request, reference_dir, ref):
    name = request.param
    file = {"cm_main": "cm_scores.txt", "cm_separable": "cm_scores_separable.txt"}[name]
    scores = read_scores(reference_dir / "metrics" / file)
    asv = read_asv_scores(reference_dir / "metrics" / "asv_scores.txt")
    return name, scores, asv, ref["sets"][name]


def _split(scores):
    keys = np.asarray(scores.key)
    return scores.score[keys == "bonafide"], scores.score[keys == "spoof"]


def test_eer_matches_official(case):
    _, scores, _, expected = case
    bona, spoof = _split(scores)
    eer = m.compute_eer(bona, spoof)
    assert eer.eer == pytest.approx(expected["eer"]["fraction"], abs=1e-12)
    assert eer.percent == pytest.approx(expected["eer"]["percent"], abs=1e-10)
    assert eer.threshold == expected["eer"]["threshold"]
    assert eer.index == expected["eer"]["det_index"]


def test_per_attack_eer_matches_official(case):
    _, scores, _, expected = case
    got = m.per_attack_eer(scores.score, scores.key, scores.attack)
    assert sorted(got) == sorted(expected["per_attack_eer"])
    for attack, want in expected["per_attack_eer"].items():
        assert got[attack].eer == pytest.approx(want["fraction"], abs=TOL)
        assert got[attack].threshold == want["threshold"]
        assert got[attack].index == want["det_index"]


def test_asv_operating_point_matches_official(case):
    _, _, asv, expected = case
    rates = m.asv_error_rates(asv["target"], asv["nontarget"], asv["spoof"])
    want = expected["asv"]
    assert rates.threshold == want["eer_threshold"]
    assert rates.Pfa == pytest.approx(want["Pfa_asv"], abs=1e-12)
    assert rates.Pmiss == pytest.approx(want["Pmiss_asv"], abs=1e-12)
    assert rates.Pmiss_spoof == pytest.approx(want["Pmiss_spoof_asv"], abs=1e-12)
    assert rates.Pfa_spoof == pytest.approx(want["Pfa_spoof_asv"], abs=1e-12)


def test_min_tdcf_2019_and_2021_match_official(case):
    _, scores, asv, expected = case
    bona, spoof = _split(scores)
    rates = m.asv_error_rates(asv["target"], asv["nontarget"], asv["spoof"])
    t19 = m.min_tdcf_2019(bona, spoof, rates)
    assert t19.min_tdcf == pytest.approx(expected["min_tdcf_2019"]["value"], abs=1e-12)
    t21 = m.min_tdcf_2021(bona, spoof, rates)
    assert t21.min_tdcf == pytest.approx(expected["min_tdcf_2021"]["value"], abs=1e-12)
    if "C0" in expected["min_tdcf_2021"]:
        c012 = m.tdcf_2021_constants(rates)
        want = [expected["min_tdcf_2021"][k] for k in ("C0", "C1", "C2")]
        assert c012 == pytest.approx(want, abs=1e-12)
    if "cm_threshold" in expected["min_tdcf_2019"]:
        assert t19.threshold == expected["min_tdcf_2019"]["cm_threshold"]


def test_per_attack_decomposed_min_tdcf_2021(reference_dir, ref):
    """Per attack: C012 from all targets/nontargets and that attack's ASV spoofs (2021 package)."""
    scores = read_scores(reference_dir / "metrics" / "cm_scores.txt")
    asv = read_asv_scores(reference_dir / "metrics" / "asv_scores.txt")
    want = ref["sets"]["cm_main"]["per_attack_2021_decomposed"]["min_tdcf"]
    bona, _ = _split(scores)
    keys, attacks = np.asarray(scores.key), np.asarray(scores.attack)
    for attack, value in want.items():
        if attack == "Pooled":
            spoof_cm = scores.score[keys == "spoof"]
            spoof_asv = asv["spoof"]
        else:
            spoof_cm = scores.score[(keys == "spoof") & (attacks == attack)]
            spoof_asv = asv["spoof"][asv["spoof_source"] == attack]
        rates = m.asv_error_rates(asv["target"], asv["nontarget"], spoof_asv)
        got = m.min_tdcf_2021(bona, spoof_cm, rates).min_tdcf
        assert got == pytest.approx(value, abs=1e-12), attack


def test_asvspoof5_track1_matches_official(case):
    _, scores, _, expected = case
    bona, spoof = _split(scores)
    want = expected["asvspoof5_track1"]
    mindcf, thr = m.min_dcf(bona, spoof)
    assert mindcf == pytest.approx(want["minDCF"], abs=1e-12)
    assert thr == want["minDCF_threshold"]
    actdcf, act_thr = m.act_dcf(bona, spoof)
    assert actdcf == pytest.approx(want["actDCF"], abs=1e-12)
    assert act_thr == pytest.approx(want["actDCF_threshold"], abs=1e-12)
    assert m.cllr(bona, spoof) == pytest.approx(want["cllr_bits"], abs=1e-12)


def test_tiny_cases_match_official_det(ref):
    for case in ref["tiny_cases"]["cases"]:
        det = m.det_curve(np.array(case["bonafide"]), np.array(case["spoof"]))
        np.testing.assert_allclose(det.frr, case["det_frr"], atol=1e-12, err_msg=case["name"])
        np.testing.assert_allclose(det.far, case["det_far"], atol=1e-12, err_msg=case["name"])
        np.testing.assert_allclose(det.thresholds, case["det_thresholds"], atol=1e-12)
        eer = m.compute_eer(case["bonafide"], case["spoof"])
        assert eer.eer == pytest.approx(case["eer_fraction"], abs=1e-12), case["name"]
        assert eer.threshold == case["eer_threshold"], case["name"]


def test_asvspoof5_a_dcf_matches_official(reference_dir, ref):
    """Track 2 (SASV) a-DCF from the sasv-score column, keys from the separate keys file."""
    import csv

    metrics_dir = reference_dir / "metrics"
    with open(metrics_dir / "asvspoof5_sasv_keys.tsv") as fh:
        label = {r["filename"]: r["asv-label"] for r in csv.DictReader(fh, delimiter="\t")}
    with open(metrics_dir / "asvspoof5_sasv_scores.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    scores = np.array([float(r["sasv-score"]) for r in rows])
    labels = np.array([label[r["filename"]] for r in rows])
    value, threshold = m.a_dcf(
        scores[labels == "target"], scores[labels == "nontarget"], scores[labels == "spoof"]
    )
    want = ref["asvspoof5_track2_on_sasv_files"]
    assert value == pytest.approx(want["a_dcf"], abs=1e-12)
    assert threshold == want["a_dcf_threshold"]
