"""The evaluation report as a researcher reads it: cost cards, the per-attack table, comparisons."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from spoofscope.cli.app import main
from spoofscope.corpora.manifest import Manifest, Utterance
from spoofscope.evaluation.attacks import attack_facts, attack_rows
from spoofscope.evaluation.bootstrap import Resampling
from spoofscope.evaluation.evaluate import compute_metrics
from spoofscope.evaluation.metrics import compute_eer, summarize
from spoofscope.evaluation.report import render
from spoofscope.evaluation.scorefile import ScoreSet, write_scores
from spoofscope.evaluation.text_report import render as render_text

#: LocalSpoof's layout: train sees L01 (espeak-ng) and L06 (pyworld); eval adds L03 (festival)
SYNTH = {"L01": "espeak-ng", "L03": "festival", "L06": "pyworld"}
SPEAKERS = ("LS_FNL_BIG", "LS_FNL_SMALL", "LS_MENARDI", "LS_ARMELLE")


def utterance(i: int, split: str, attack: str) -> Utterance:
    key = "bonafide" if attack == "-" else "spoof"
    extra = {"synthesizer": SYNTH.get(attack, "human")}
    prefix = {"train": "LS_T_", "eval": "LS_E_"}[split]
    speaker = SPEAKERS[i % len(SPEAKERS)]
    return Utterance(f"{prefix}{i:07d}", f"{prefix}{i:07d}.flac", key, speaker, attack, split,
                     "localspoof", extra)  # fmt: skip


def corpus() -> Manifest:
    train = [utterance(i, "train", a) for i, a in enumerate(["-", "L01", "L06"] * 4)]
    attacks = ["-"] * 40 + ["L01"] * 20 + ["L03"] * 20 + ["L06"] * 20
    return Manifest(train + [utterance(100 + i, "eval", a) for i, a in enumerate(attacks)])


def scored(split: Manifest, seed: int = 0) -> ScoreSet:
    """Scores of a system that separates L01 well, L06 less and the unseen L03 barely."""
    rng = np.random.default_rng(seed)
    shift = {"-": 2.0, "L01": -0.5, "L06": 1.0, "L03": 1.8}
    items = list(split)
    return ScoreSet(
        [u.utt_id for u in items], [u.speaker for u in items], [u.attack for u in items],
        [u.key for u in items], np.array([shift[u.attack] + rng.normal() for u in items]),
    )  # fmt: skip


@pytest.fixture
def metrics() -> dict:
    whole = corpus()
    return compute_metrics(scored(whole.filter(split="eval")), facts=attack_facts(whole))


def test_attack_facts_name_each_attack_and_know_what_training_saw() -> None:
    facts = attack_facts(corpus())
    assert facts.names == SYNTH
    assert [facts.is_seen(a) for a in ("L01", "L03", "L06")] == [True, False, True]
    eval_only = attack_facts(corpus().filter(split="eval"))
    assert eval_only.seen is None and eval_only.is_seen("L01") is None


def test_each_attack_row_has_its_counts_eer_and_a_bootstrap_interval() -> None:
    whole = corpus()
    scores = scored(whole.filter(split="eval"))
    rows = attack_rows(scores.score, scores.key, scores.attack, attack_facts(whole),
                       Resampling(n_resamples=200))  # fmt: skip
    assert [(r.attack, r.name, r.seen, r.n_spoof, r.n_bonafide) for r in rows] == [
        ("L01", "espeak-ng", True, 20, 40),
        ("L03", "festival", False, 20, 40),
        ("L06", "pyworld", True, 20, 40),
    ]
    key, attack = np.asarray(scores.key), np.asarray(scores.attack)
    for row in rows:
        want = compute_eer(scores.score[key == "bonafide"], scores.score[attack == row.attack])
        assert row.eer == pytest.approx(want.eer)
        assert row.low <= row.eer <= row.high and row.high > row.low
    assert rows[1].eer > rows[2].eer > rows[0].eer  # the unseen attack is the hardest


def test_the_headline_cards_show_the_costs_that_were_computed(metrics: dict) -> None:
    """Without ASV scores (LocalSpoof ships none) the min t-DCF card read n/a while minDCF,
    actDCF and Cllr were computed and never shown."""
    assert "min_tdcf" not in metrics
    page = render(metrics, {})
    cards = dict(re.findall(r'<div class="k">([^<]+)</div><div class="v">([^<]+)</div>', page))
    assert cards["minDCF (ASVspoof 5, CM alone)"] == f"{metrics['min_dcf']:.4f}"
    assert cards["actDCF (scores as LLRs)"] == f"{metrics['act_dcf']:.4f}"
    assert cards["Cllr, bits"] == f"{metrics['cllr']:.4f}"
    assert "n/a" not in cards.values()
    with_asv = render({**metrics, "min_tdcf": 0.1234}, {})
    assert 'min t-DCF (ASVspoof 2019)</div><div class="v">0.1234' in with_asv


def test_the_per_attack_table_names_counts_intervals_and_seen_or_unseen(metrics: dict) -> None:
    page = render(metrics, {})
    table = page[page.index("<h2>EER per attack</h2>") :]
    rows = re.findall(r"<tr><td>(L\d\d)</td><td>([^<]*)</td><td>(\w+)</td><td>(\d+)</td>", table)
    assert rows == [("L01", "espeak-ng", "seen", "20"), ("L03", "festival", "unseen", "20"),
                    ("L06", "pyworld", "seen", "20")]  # fmt: skip
    l03 = next(r for r in metrics["attacks"] if r["attack"] == "L03")
    assert f"{100 * l03['low']:.2f}-{100 * l03['high']:.2f}%" in table


def test_the_text_report_gives_actdcf_and_cllr() -> None:
    scores = scored(corpus().filter(split="eval"))
    summary = summarize(scores.score, scores.key, scores.attack)
    text = render_text(summary)
    assert f"actDCF        {summary.act_dcf:.6f}" in text
    assert f"Cllr          {summary.cllr:.6f}" in text


def test_compare_html_overlays_both_det_curves_and_gives_per_attack_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    split = corpus().filter(split="eval")
    a, b = scored(split, seed=0), scored(split, seed=1)
    b.score = np.where(np.asarray(b.attack) == "L03", b.score - 3.0, b.score)  # B catches L03
    write_scores(tmp_path / "a.tsv", a)
    write_scores(tmp_path / "b.tsv", b)
    page_path = tmp_path / "pages" / "compare.html"
    argv = ["compare", str(tmp_path / "a.tsv"), str(tmp_path / "b.tsv"), "--resamples", "200"]
    assert main([*argv, "--html", str(page_path)]) == 0
    assert "A - B" in capsys.readouterr().out
    page = page_path.read_text()
    assert page.count("data:image/png;base64,") == 1
    rows = dict(re.findall(r"<tr><td>(L\d\d) \(20 spoofs\)</td>(.*?)</tr>", page))
    assert set(rows) == {"L01", "L03", "L06"}
    verdict = re.findall(r"<td>([AB–])</td>$", rows["L03"])
    assert verdict == ["B"], "B's gain on L03 is larger than its interval"
