"""Class-balanced and speaker-balanced P×K samplers: balance, determinism, distributed shards."""

from __future__ import annotations

from collections import Counter

import pytest

from spoofscope.corpora.samplers import ClassBalancedSampler, SpeakerBalancedBatchSampler

LABELS = [1] * 10 + [0] * 90


def test_class_balanced_draws_both_classes_equally() -> None:
    sampler = ClassBalancedSampler(LABELS, num_samples=4000, seed=0)
    drawn = Counter(LABELS[i] for i in sampler)
    assert len(sampler) == 4000
    assert abs(drawn[1] / 4000 - 0.5) < 0.03


def test_class_balanced_is_deterministic_per_seed_and_epoch() -> None:
    a, b = ClassBalancedSampler(LABELS, seed=5), ClassBalancedSampler(LABELS, seed=5)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)


def test_class_balanced_shards_partition_the_epoch_across_ranks() -> None:
    full = list(ClassBalancedSampler(LABELS, num_samples=10, seed=2))
    shards = [
        list(ClassBalancedSampler(LABELS, num_samples=10, seed=2, rank=r, world_size=3))
        for r in range(3)
    ]
    assert [len(s) for s in shards] == [4, 4, 4]
    padded = full + full[:2]  # wrapped so every rank gets 4
    assert shards == [padded[r:12:3] for r in range(3)]
    with pytest.raises(ValueError, match="rank"):
        ClassBalancedSampler(LABELS, rank=3, world_size=3)


def test_stratified_balance_removes_what_the_strata_say_about_the_label() -> None:
    # stratum 0 is 90% spoof, stratum 1 is 90% bona fide: the stratum predicts the label
    labels = [0] * 90 + [1] * 10 + [1] * 45 + [0] * 5
    strata = [0] * 100 + [1] * 50
    sampler = ClassBalancedSampler(labels, num_samples=6000, seed=1, strata=strata)
    drawn = Counter((strata[i], labels[i]) for i in sampler)
    for s, size in ((0, 100), (1, 50)):
        inside = drawn[(s, 0)] + drawn[(s, 1)]
        assert abs(inside / 6000 - size / 150) < 0.03  # strata keep their share of the data
        assert abs(drawn[(s, 1)] / inside - 0.5) < 0.03  # and each is half bona fide


def test_stratified_balance_checks_its_strata() -> None:
    with pytest.raises(ValueError, match="strata"):
        ClassBalancedSampler(LABELS, strata=[0, 1])


def test_weights_set_the_draws_inside_a_class_and_leave_the_classes_balanced() -> None:
    # spoofs 10-54 weigh 3, spoofs 55-99 weigh 1: three quarters of the spoof draws go to the first
    weights = [1.0] * 10 + [3.0] * 45 + [1.0] * 45
    for strata in (None, [i % 2 for i in range(100)]):
        sampler = ClassBalancedSampler(
            LABELS, num_samples=8000, seed=3, strata=strata, weights=weights
        )
        drawn = list(sampler)
        spoofs = [i for i in drawn if LABELS[i] == 0]
        assert abs(len(spoofs) / 8000 - 0.5) < 0.03
        assert abs(sum(i < 55 for i in spoofs) / len(spoofs) - 0.75) < 0.03
        assert set(drawn) == set(range(100))  # every item still comes up


def test_weights_must_be_one_positive_value_per_item() -> None:
    with pytest.raises(ValueError, match="positive weights"):
        ClassBalancedSampler(LABELS, weights=[1.0] * 99)
    with pytest.raises(ValueError, match="positive weights"):
        ClassBalancedSampler(LABELS, weights=[0.0] + [1.0] * 99)


SPEAKERS = ["s1"] * 6 + ["s2"] * 6 + ["s3"] * 3 + ["s4"] * 4
SPK_LABELS = [1, 1, 1, 0, 0, 0] * 2 + [1, 0, 0] + [0, 0, 0, 0]


def test_pk_batches_hold_p_speakers_with_k_of_each_class() -> None:
    sampler = SpeakerBalancedBatchSampler(SPEAKERS, SPK_LABELS, p=2, k=2, num_batches=20, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 20
    for batch in batches:
        assert len(batch) == 2 * 2 * 2
        speakers = Counter(SPEAKERS[i] for i in batch)
        assert len(speakers) == 2 and set(speakers.values()) == {4}
        assert "s4" not in speakers  # s4 has no bona fide item
        for spk in speakers:
            labels = Counter(SPK_LABELS[i] for i in batch if SPEAKERS[i] == spk)
            assert labels == {1: 2, 0: 2}
    # s3 has one bona fide item, so its bona fide pair is that item twice (with replacement)
    s3 = [[i for i in b if SPEAKERS[i] == "s3" and SPK_LABELS[i] == 1] for b in batches]
    assert any(pair == [12, 12] for pair in s3)


def test_pk_is_deterministic_sharded_and_checks_speakers() -> None:
    def make(**kw) -> SpeakerBalancedBatchSampler:
        return SpeakerBalancedBatchSampler(
            SPEAKERS, SPK_LABELS, p=2, k=1, num_batches=6, seed=4, **kw
        )

    full = list(make())
    assert full == list(make())
    assert list(make(rank=1, world_size=2)) == full[1::2]
    with pytest.raises(ValueError, match="speakers have both classes"):
        SpeakerBalancedBatchSampler(SPEAKERS, SPK_LABELS, p=4, k=1)
