"""Strata for class balancing: F0 bands and speakers, each with enough files of both classes."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.corpora import CORPORA
from spoofscope.training.strata import assign_strata, strata_of
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe


def test_numeric_values_are_cut_into_quantile_bands() -> None:
    values = np.arange(40, dtype=float)
    labels = [0, 1] * 20
    got = assign_strata(values, labels, n_strata=4, min_per_class=3)
    assert got.tolist() == [0] * 10 + [1] * 10 + [2] * 10 + [3] * 10


def test_a_band_short_of_a_class_joins_the_next_one_up() -> None:
    # the lowest quarter is all spoof, as LocalSpoof's lowest F0 band nearly is
    values = np.arange(40, dtype=float)
    labels = [0] * 10 + [0, 1] * 15
    got = assign_strata(values, labels, n_strata=4, min_per_class=3)
    assert got.tolist() == [0] * 20 + [1] * 10 + [2] * 10
    # and the top band merges downwards
    got = assign_strata(values[::-1].copy(), labels, n_strata=4, min_per_class=3)
    assert got.tolist() == [2] * 20 + [1] * 10 + [0] * 10


def test_speakers_short_of_a_class_are_pooled() -> None:
    speakers = np.array(["a"] * 6 + ["b"] * 6 + ["c"] * 2 + ["d"] * 2)
    labels = [1, 1, 1, 0, 0, 0] * 2 + [1, 1] + [0, 0]
    got = assign_strata(speakers, labels, n_strata=8, min_per_class=2)
    assert got.tolist() == [0] * 6 + [1] * 6 + [2] * 4


def test_too_few_files_of_a_class_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs 5 files of each class"):
        assign_strata(np.arange(6.0), [1, 0, 0, 0, 0, 0], n_strata=2, min_per_class=5)


def test_f0_strata_follow_the_voices_of_a_corpus(tiny_la) -> None:
    # the tiny corpus's speakers speak at 110, 145, 180 and 215 Hz, both classes alike
    train = CORPORA.get("asvspoof2019-la")().prepare(tiny_la).filter(split="train")
    got = strata_of(train, "f0", n_strata=4, min_per_class=2)
    by_speaker = {u.speaker: set() for u in train}
    for u, s in zip(train, got, strict=True):
        by_speaker[u.speaker].add(int(s))
    assert [sorted(v) for _, v in sorted(by_speaker.items())] == [[0], [1], [2], [3]]


def test_a_recipe_trains_with_f0_strata(tiny_la, tmp_path) -> None:
    cfg = recipe(tiny_la, "train.epochs=1", "data.sampler.name=class-balanced",
                 "data.sampler.strata=f0", "data.sampler.n_strata=2",
                 "data.sampler.min_per_class=4")  # fmt: skip
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    assert len(trainer.sampler.pools) == 2
    assert trainer.fit().steps == 4
