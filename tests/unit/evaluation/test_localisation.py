"""Localisation of partial spoofs: what counts as a hit, what chance is, and the within-file AUC."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.evaluation.localisation import by_duration, span_hit, summarise, write_hits
from spoofscope.inference.timeline import Segment


def timeline(scores: list[float], window: float = 1.0, hop: float = 0.5,
             speech: list[bool] | None = None) -> list[Segment]:  # fmt: skip
    flags = speech or [True] * len(scores)
    return [
        Segment(i * hop, i * hop + window, s, 0.5, flag)
        for i, (s, flag) in enumerate(zip(scores, flags, strict=True))
    ]


def test_the_lowest_window_on_the_span_is_a_hit_and_chance_counts_windows_touching_it() -> None:
    # windows [0,1] [0.5,1.5] [1,2] [1.5,2.5] [2,3]; the span 2.2-2.6 touches the last two
    hit = span_hit("u", timeline([3.0, 2.0, 0.0, -1.0, 0.5]), (2.2, 2.6))
    assert hit.hit and hit.windows == 5 and hit.on_span == 2
    assert hit.chance == pytest.approx(0.4)
    assert hit.auc == pytest.approx(5 / 6)  # -1 is below all three off the span, 0.5 below two
    assert hit.duration_s == 3.0


def test_a_suspicious_window_off_the_span_misses() -> None:
    hit = span_hit("u", timeline([-2.0, 2.0, 1.0, 1.5, 0.5]), (2.2, 2.6))
    assert not hit.hit
    assert hit.auc == pytest.approx(3 / 6)  # 1.5 is below 2.0; 0.5 below 2.0 and 1.0


def test_windows_without_speech_are_not_candidates() -> None:
    # the lowest window is silence: most_suspicious skips it, and chance counts speech windows only
    tl = timeline([-5.0, 1.0, 0.0, 2.0], speech=[False, True, True, True])
    hit = span_hit("u", tl, (0.1, 0.4))  # only the silent first window touches the span
    assert not hit.hit and hit.windows == 3 and hit.on_span == 0 and hit.auc is None


def test_a_span_every_window_touches_has_no_auc_and_certain_chance() -> None:
    hit = span_hit("u", timeline([0.3, 0.1]), (0.6, 0.9))
    assert hit.hit and hit.chance == 1.0 and hit.auc is None


def test_touching_ends_do_not_count_as_overlap() -> None:
    hit = span_hit("u", timeline([0.0, 1.0], hop=1.0), (1.0, 1.5))  # [0,1] ends where it starts
    assert hit.on_span == 1 and not hit.hit


def test_summary_pools_hits_chance_and_auc_with_a_wilson_interval() -> None:
    hits = [span_hit("a", timeline([3.0, 2.0, 0.0, -1.0, 0.5]), (2.2, 2.6)),
            span_hit("b", timeline([-2.0, 2.0, 1.0, 1.5, 0.5]), (2.2, 2.6)),
            span_hit("c", timeline([0.3, 0.1]), (0.6, 0.9))]  # fmt: skip
    figures = summarise(hits)
    assert figures.files == 3 and figures.hit_rate == pytest.approx(2 / 3)
    assert figures.chance_rate == pytest.approx((0.4 + 0.4 + 1.0) / 3)
    assert figures.auc == pytest.approx((5 / 6 + 3 / 6) / 2) and figures.auc_files == 2
    low, high = figures.hit_interval
    assert 0.1 < low < 2 / 3 < high < 1.0
    with pytest.raises(ValueError, match="no partial spoofs"):
        summarise([])


def test_duration_bands_split_short_words_from_long_recordings(tmp_path: Path) -> None:
    short = span_hit("w", timeline([0.2], window=0.7), (0.1, 0.5))
    long = span_hit("s", timeline([3.0, 2.0, 1.0, -1.0, 0.5, 0.4, 0.3]), (2.2, 2.6))
    bands = by_duration([short, long])
    assert list(bands) == ["0-1 s", "3 s and over"]
    assert bands["0-1 s"].files == 1 and bands["3 s and over"].files == 1
    write_hits(str(tmp_path / "loc.tsv"), [short, long])
    rows = (tmp_path / "loc.tsv").read_text().splitlines()
    assert rows[0].split("\t")[:4] == ["utt_id", "start_s", "end_s", "duration_s"]
    assert rows[2].split("\t")[6] == "1"  # long: hit
