"""AudioDataset crop / pad policies, determinism, sliding windows and padded collation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.corpora import CORPORA
from spoofscope.corpora.dataset import AudioDataset, CropPolicy, collate_list


def test_repeat_pad_matches_aasist_tiling() -> None:
    x = np.arange(1, 4, dtype=np.float32)  # [1, 2, 3]
    out = CropPolicy(length=8, pad="repeat").apply(x)
    # AASIST: tile int(8 / 3) + 1 = 3 times, then cut
    assert out.tolist() == [1, 2, 3, 1, 2, 3, 1, 2]


def test_zero_pad_and_first_centre_crops() -> None:
    x = np.arange(10, dtype=np.float32)
    assert CropPolicy(length=4, pad="zero").apply(x[:2]).tolist() == [0, 1, 0, 0]
    assert CropPolicy(length=4, select="first").apply(x).tolist() == [0, 1, 2, 3]
    assert CropPolicy(length=4, select="centre").apply(x).tolist() == [3, 4, 5, 6]
    assert CropPolicy(select="full").apply(x) is x


def test_random_crop_is_a_window_chosen_by_the_generator() -> None:
    x = np.arange(100, dtype=np.float32)
    policy = CropPolicy(length=10, select="random")
    a = policy.apply(x, np.random.default_rng(1))
    b = policy.apply(x, np.random.default_rng(1))
    assert np.array_equal(a, b) and np.array_equal(a, np.arange(a[0], a[0] + 10))
    starts = {int(policy.apply(x, np.random.default_rng(s))[0]) for s in range(20)}
    assert len(starts) > 5
    with pytest.raises(ValueError, match="generator"):
        policy.apply(x)


def test_invalid_policy_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="select"):
        CropPolicy(select="middle")
    with pytest.raises(ValueError, match="pad"):
        CropPolicy(pad="reflect")


def test_dataset_items_labels_and_determinism(la2019) -> None:
    manifest = CORPORA.get("asvspoof2019-la")().prepare(la2019.root)
    policy = CropPolicy(length=4000, select="random")
    ds = AudioDataset(manifest, crop=policy, seed=7)
    wave, label, index = ds[0]
    assert wave.dtype == torch.float32 and wave.shape == (4000,)
    assert (label, index) == (1, 0)
    assert [ds[i][1] for i in range(len(ds))] == manifest.labels
    again = AudioDataset(manifest, crop=policy, seed=7)
    assert torch.equal(again[3][0], ds[3][0])
    ds.set_epoch(1)
    assert not torch.equal(again[3][0], ds[3][0])  # a new epoch draws new crops


def test_augment_receives_the_item_generator(la2019) -> None:
    manifest = CORPORA.get("asvspoof2019-la")().prepare(la2019.root)
    seen = []

    def gain(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = rng.uniform(0.5, 1.0)
        seen.append(g)
        return wave * g

    ds = AudioDataset(manifest, crop=CropPolicy(select="full"), augment=gain, seed=3)
    plain = AudioDataset(manifest, crop=CropPolicy(select="full"))
    wave = ds[2][0]
    assert torch.allclose(wave, plain[2][0] * seen[0])


def test_collate_list_keeps_whole_recordings_of_any_length() -> None:
    batch = [(torch.zeros(5), 1, 0), (torch.ones(3), 0, 7)]
    waves, labels, index = collate_list(batch)
    assert [len(w) for w in waves] == [5, 3]
    assert labels.tolist() == [1, 0] and index.tolist() == [0, 7]
