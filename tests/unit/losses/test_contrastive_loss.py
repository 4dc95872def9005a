"""Contrastive loss against Hadsell et al.'s formula, per pair."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spoofscope.losses.contrastive import ContrastiveLoss


def _reference(dists, same, margin):
    total = 0.0
    for d, s in zip(dists, same, strict=True):
        total += 0.5 * (d * d if s else max(0.0, margin - d) ** 2)
    return total / len(dists)


def _pair_distance(a, b, metric):
    if metric == "euclidean":
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 1.0 - dot / (na * nb)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    batch=st.integers(1, 12),
    margin=st.floats(0.1, 3.0),
    metric=st.sampled_from(["euclidean", "cosine"]),
)
def test_matches_the_explicit_formula(seed, batch, margin, metric):
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(batch, 5, generator=gen, dtype=torch.float64)
    b = torch.randn(batch, 5, generator=gen, dtype=torch.float64)
    same = torch.randint(0, 2, (batch,), generator=gen)
    dists = [_pair_distance(x, y, metric) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    got = ContrastiveLoss(margin=margin, distance=metric)(a, b, same)
    assert got.item() == pytest.approx(_reference(dists, same.tolist(), margin), rel=1e-6, abs=1e-9)


def test_from_similarity_uses_one_minus_cosine():
    sim = torch.tensor([0.9, -0.2, 0.4, 0.95], dtype=torch.float64)
    same = torch.tensor([True, False, False, True])
    got = ContrastiveLoss(margin=1.0).from_similarity(sim, same)
    want = _reference([0.1, 1.2, 0.6, 0.05], [1, 0, 0, 1], 1.0)
    assert got.item() == pytest.approx(want)


def test_zero_loss_for_identical_similar_pairs_and_far_dissimilar_pairs():
    a = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    b = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    loss = ContrastiveLoss(margin=2.0)(a, b, torch.tensor([1, 0]))
    assert loss.item() == 0.0


def test_gradient_is_finite_for_identical_pairs():
    # d = 0 is the optimum of a similar pair; the sqrt must not turn it into NaN gradients.
    a = torch.ones(3, 4, requires_grad=True)
    b = torch.ones(3, 4)
    b[1, 0] += 1e-3  # a dissimilar pair that is almost on top of each other
    ContrastiveLoss()(a, b, torch.tensor([1, 0, 1])).backward()
    assert torch.isfinite(a.grad).all()
    assert a.grad[0].abs().sum() == 0  # similar pair at its optimum
    assert a.grad[1, 0] == pytest.approx(0.999 / 3, rel=1e-3)  # pushed apart along the offset
