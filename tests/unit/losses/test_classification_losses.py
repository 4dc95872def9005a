"""Weighted cross-entropy and BCE against explicit per-example formulas."""

import math

import pytest
import torch

from spoofscope.losses.classification import BinaryCrossEntropy, WeightedCrossEntropy


def _reference_weighted_ce(logits, labels, weight):
    num = den = 0.0
    for row, y in zip(logits.tolist(), labels.tolist(), strict=True):
        log_norm = math.log(sum(math.exp(v) for v in row))
        w = 1.0 if weight is None else weight[y]
        num += w * (log_norm - row[y])
        den += w
    return num / den


def _reference_bce(logits, labels, pos_weight):
    total = 0.0
    for z, y in zip(logits.tolist(), labels.tolist(), strict=True):
        p = 1.0 / (1.0 + math.exp(-z))
        pw = 1.0 if pos_weight is None else pos_weight
        total += -(pw * y * math.log(p) + (1 - y) * math.log(1 - p))
    return total / len(labels)


@pytest.mark.parametrize("weight", [None, [0.1, 0.9], [1.0, 3.0]])
def test_cross_entropy_matches_the_weighted_mean(weight):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(32, 2, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 2, (32,), generator=gen)
    got = WeightedCrossEntropy(weight=weight)(logits, labels)
    assert got.item() == pytest.approx(_reference_weighted_ce(logits, labels, weight), rel=1e-6)


def test_cross_entropy_weights_shift_the_loss_towards_the_bonafide_class():
    # All bona fide rows wrong, all spoof rows right: weighting bona fide up must raise the loss.
    logits = torch.tensor([[2.0, -2.0]] * 4)
    labels = torch.tensor([1, 1, 0, 0])
    plain = WeightedCrossEntropy()(logits, labels)
    aasist = WeightedCrossEntropy(weight=[0.1, 0.9])(logits, labels)
    assert aasist.item() > plain.item() * 1.5


def test_cross_entropy_gradient_reaches_the_logits():
    logits = torch.randn(8, 2, requires_grad=True)
    WeightedCrossEntropy(weight=[0.1, 0.9])(logits, torch.tensor([0, 1] * 4)).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


@pytest.mark.parametrize("pos_weight", [None, 9.0])
@pytest.mark.parametrize("shape", [(16,), (16, 1)])
def test_bce_matches_the_explicit_formula(pos_weight, shape):
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(*shape, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 2, (16,), generator=gen)
    got = BinaryCrossEntropy(pos_weight=pos_weight)(logits, labels)
    want = _reference_bce(logits.reshape(-1), labels, pos_weight)
    assert got.item() == pytest.approx(want, rel=1e-6)


def test_weights_follow_the_module_to_another_dtype():
    loss = WeightedCrossEntropy(weight=[0.1, 0.9]).double()
    logits = torch.randn(4, 2, dtype=torch.float64)
    assert loss(logits, torch.tensor([0, 1, 1, 0])).dtype == torch.float64
