"""Batch-hard triplet loss against an explicit loop over anchors, positives and negatives."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spoofscope.losses.triplet import BatchHardTripletLoss


def _distance(a, b, metric):
    if metric == "cosine":
        dot = sum(x * y for x, y in zip(a, b, strict=True))
        return 1.0 - dot / (math.hypot(*a) * math.hypot(*b))
    sq = sum((x - y) ** 2 for x, y in zip(a, b, strict=True))
    return sq if metric == "sqeuclidean" else math.sqrt(sq)


def _reference(emb, labels, groups, margin, metric, soft):
    """Slow batch-hard loss: for each anchor, scan the batch for its hardest pair."""
    rows, labels = emb.tolist(), labels.tolist()
    groups = groups.tolist() if groups is not None else [0] * len(rows)
    losses, d_aps, d_ans = [], [], []
    for i, anchor in enumerate(rows):
        pos, neg = [], []
        for j, other in enumerate(rows):
            if j == i or groups[j] != groups[i]:
                continue
            (pos if labels[j] == labels[i] else neg).append(_distance(anchor, other, metric))
        if not pos or not neg:
            continue
        d_ap, d_an = max(pos), min(neg)
        gap = d_ap - d_an
        losses.append(math.log1p(math.exp(gap)) if soft else max(0.0, gap + margin))
        d_aps.append(d_ap)
        d_ans.append(d_an)
    return losses, d_aps, d_ans


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    batch=st.integers(2, 16),
    n_labels=st.integers(1, 4),
    n_groups=st.integers(0, 3),
    metric=st.sampled_from(["euclidean", "sqeuclidean", "cosine"]),
    soft=st.booleans(),
    margin=st.floats(0.0, 2.0),
)
def test_matches_the_explicit_loop(seed, batch, n_labels, n_groups, metric, soft, margin):
    gen = torch.Generator().manual_seed(seed)
    emb = torch.randn(batch, 6, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, n_labels, (batch,), generator=gen)
    groups = torch.randint(0, n_groups, (batch,), generator=gen) if n_groups else None
    loss_fn = BatchHardTripletLoss(margin=margin, distance=metric, soft_margin=soft)
    got, stats = loss_fn(emb, labels, groups, return_stats=True)
    losses, d_aps, d_ans = _reference(emb, labels, groups, margin, metric, soft)
    assert stats["n_valid"] == len(losses)
    if losses:
        assert got.item() == pytest.approx(sum(losses) / len(losses), rel=1e-6, abs=1e-9)
        assert stats["mean_d_ap"] == pytest.approx(sum(d_aps) / len(d_aps), rel=1e-6, abs=1e-9)
        assert stats["mean_d_an"] == pytest.approx(sum(d_ans) / len(d_ans), rel=1e-6, abs=1e-9)
    else:
        assert got.item() == 0.0


def _pk_batch(gen, p=4, k_per_class=2, dim=8):
    """A P×K batch as the Siamese recipe draws it: P speakers, 2 bona fide + 2 spoof each."""
    speakers = torch.arange(p).repeat_interleave(2 * k_per_class)
    labels = torch.tensor([1] * k_per_class + [0] * k_per_class).repeat(p)
    return torch.randn(len(labels), dim, generator=gen), labels, speakers


def test_pk_batch_with_speaker_groups_uses_every_anchor():
    emb, labels, speakers = _pk_batch(torch.Generator().manual_seed(0))
    loss, stats = BatchHardTripletLoss()(emb, labels, speakers, return_stats=True)
    assert stats["n_valid"] == 16
    losses, _, _ = _reference(emb.double(), labels, speakers, 1.0, "euclidean", False)
    assert loss.item() == pytest.approx(sum(losses) / 16, rel=1e-5)


def test_single_class_batch_gives_zero_loss_that_still_backpropagates():
    emb = torch.randn(6, 4, requires_grad=True)
    loss, stats = BatchHardTripletLoss()(emb, torch.ones(6, dtype=torch.long), return_stats=True)
    loss.backward()
    assert loss.item() == 0.0
    assert stats["n_valid"] == 0 and stats["fraction_active"] == 0.0
    assert math.isnan(stats["mean_d_ap"]) and math.isnan(stats["mean_d_an"])
    assert torch.equal(emb.grad, torch.zeros_like(emb))


def test_anchor_without_positive_is_left_out():
    # One lone spoof: it has negatives but no positive, so only the 3 bona fide anchors count.
    emb = torch.tensor([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0]])
    labels = torch.tensor([1, 1, 1, 0])
    loss, stats = BatchHardTripletLoss(margin=1.0)(emb, labels, return_stats=True)
    assert stats["n_valid"] == 3
    assert loss.item() == 0.0  # every bona fide anchor meets the margin by far


def test_zero_loss_when_the_margin_is_met_and_positive_when_not():
    emb = torch.tensor([[0.0, 0.0], [0.0, 0.5], [3.0, 0.0], [3.0, 0.5]])
    labels = torch.tensor([1, 1, 0, 0])
    met, stats = BatchHardTripletLoss(margin=2.0)(emb, labels, return_stats=True)
    assert met.item() == 0.0 and stats["fraction_active"] == 0.0
    # d_ap = 0.5 and d_an = 3 for every anchor, so a margin of 3 leaves 0.5 each.
    missed, stats = BatchHardTripletLoss(margin=3.0)(emb, labels, return_stats=True)
    assert missed.item() == pytest.approx(0.5) and stats["fraction_active"] == 1.0


def test_gradients_flow_and_are_finite_with_duplicate_embeddings():
    emb = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.1], [0.0, 1.0]], requires_grad=True)
    loss = BatchHardTripletLoss(margin=2.0)(emb, torch.tensor([1, 1, 0, 0]))
    loss.backward()
    assert torch.isfinite(emb.grad).all() and emb.grad.abs().sum() > 0


def test_descent_separates_the_classes():
    torch.manual_seed(0)
    emb, labels, speakers = _pk_batch(torch.Generator().manual_seed(1))
    emb.requires_grad_(True)
    loss_fn = BatchHardTripletLoss(margin=1.0)
    opt = torch.optim.SGD([emb], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss_fn(emb, labels, speakers).backward()
        opt.step()
    final, stats = loss_fn(emb, labels, speakers, return_stats=True)
    assert final.item() < 0.05
    assert stats["mean_d_an"] > stats["mean_d_ap"] + 0.9
