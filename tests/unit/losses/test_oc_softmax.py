"""OC-softmax against the paper's formula, its score, and that it learns to separate classes."""

import math

import pytest
import torch
import torch.nn.functional as F

from spoofscope.losses.one_class import OCSoftmax


def _reference(emb, labels, center, m_real, m_fake, alpha):
    w = center / center.norm()
    total = 0.0
    for x, y in zip(emb, labels.tolist(), strict=True):
        cos = float(x @ w / x.norm())
        gap = (m_real - cos) if y == 1 else (cos - m_fake)
        total += math.log1p(math.exp(alpha * gap))
    return total / len(labels)


@pytest.mark.parametrize(("m_real", "m_fake", "alpha"), [(0.9, 0.2, 20.0), (0.5, -0.3, 5.0)])
def test_loss_matches_the_paper_formula(m_real, m_fake, alpha):
    torch.manual_seed(0)
    loss = OCSoftmax(embedding_dim=16, m_real=m_real, m_fake=m_fake, alpha=alpha).double()
    emb = torch.randn(24, 16, dtype=torch.float64)
    labels = torch.randint(0, 2, (24,))
    want = _reference(emb, labels, loss.center.detach(), m_real, m_fake, alpha)
    assert loss(emb, labels).item() == pytest.approx(want, rel=1e-9)


def test_score_is_the_cosine_to_the_centre():
    loss = OCSoftmax(embedding_dim=8)
    emb = torch.randn(5, 8)
    want = F.cosine_similarity(emb, loss.center.detach().expand(5, 8), dim=1)
    assert torch.allclose(loss.score(emb), want, atol=1e-6)
    assert torch.allclose(loss.score(3.0 * loss.center.detach()[None]), torch.ones(1), atol=1e-6)


def test_loss_is_only_the_softplus_tail_when_both_margins_are_met():
    loss = OCSoftmax(embedding_dim=4)
    w = loss.center.detach()
    emb = torch.stack([w, 2 * w, -w, -3 * w])  # cos = 1, 1, -1, -1
    value = loss(emb, torch.tensor([1, 1, 0, 0]))
    # bona fide terms softplus(20 * (0.9 - 1)), spoof terms softplus(20 * (-1 - 0.2))
    want = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-24.0))) / 2
    assert value.item() == pytest.approx(want, rel=1e-5)


def test_gradients_reach_the_centre_and_the_embeddings():
    loss = OCSoftmax(embedding_dim=8)
    emb = torch.randn(6, 8, requires_grad=True)
    loss(emb, torch.tensor([0, 1, 0, 1, 0, 1])).backward()
    assert emb.grad.abs().sum() > 0 and loss.center.grad.abs().sum() > 0


def test_training_separates_bonafide_from_spoof_scores():
    torch.manual_seed(3)
    loss = OCSoftmax(embedding_dim=8)
    emb = torch.randn(40, 8, requires_grad=True)
    labels = torch.tensor([0, 1] * 20)
    opt = torch.optim.Adam([emb, *loss.parameters()], lr=0.1)
    for _ in range(60):
        opt.zero_grad()
        loss(emb, labels).backward()
        opt.step()
    score = loss.score(emb.detach())
    assert score[labels == 1].min() > 0.85
    assert score[labels == 0].max() < 0.25


def test_the_head_loss_equals_the_embedding_loss_on_the_same_cosines():
    """oc-softmax-head reads the cosine from a one-class head's logits; the value must be the one
    OCSoftmax gives for the same embeddings and direction."""
    from spoofscope.losses.one_class import OCSoftmaxHead
    from spoofscope.models.heads import OneClassHead

    torch.manual_seed(1)
    head = OneClassHead(16).double()
    reference = OCSoftmax(embedding_dim=16).double()
    reference.center.data.copy_(head.center.data)
    emb = torch.randn(12, 16, dtype=torch.float64)
    labels = torch.randint(0, 2, (12,))
    logits = head(emb)
    assert torch.allclose(logits[:, 1] - logits[:, 0], reference.score(emb))
    assert OCSoftmaxHead()(logits, labels).item() == pytest.approx(
        reference(emb, labels).item(), rel=1e-12
    )
