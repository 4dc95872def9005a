"""The speaker-adversarial loss: a gradient-reversal layer, the loss's two terms, and what it does to
an embedding that carries the speaker."""

import pytest
import torch
import torch.nn.functional as F

from spoofscope.errors import ConfigError
from spoofscope.losses import LOSSES
from spoofscope.losses.adversarial import SpeakerAdversarial, reverse_gradient


def test_reverse_gradient_is_the_identity_forward_and_negates_the_gradient():
    x = torch.randn(4, 3, requires_grad=True)
    weights = torch.randn(4, 3)
    y = reverse_gradient(x)
    assert torch.equal(y, x)
    (y * weights).sum().backward()
    assert torch.equal(x.grad, -weights)


def test_without_embeddings_the_loss_is_the_task_cross_entropy():
    loss = LOSSES.get("speaker-adversarial")(weight=[0.3, 0.7])
    logits, labels = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 0])
    want = F.cross_entropy(logits, labels, weight=torch.tensor([0.3, 0.7]))
    assert torch.allclose(loss(logits, labels), want)


def test_with_embeddings_it_adds_the_weighted_speaker_loss_and_reverses_its_gradient():
    torch.manual_seed(0)
    loss = SpeakerAdversarial(adversary_weight=0.4, hidden=5)
    loss.bind(embedding_dim=8, n_speakers=3)
    logits, labels = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 0])
    emb = torch.randn(6, 8, requires_grad=True)
    groups = torch.tensor([0, 1, 2, 0, 1, 2])
    value = loss(logits, labels, emb, groups)
    speaker = F.cross_entropy(loss.adversary(emb), groups)
    assert value.item() == pytest.approx((F.cross_entropy(logits, labels) + 0.4 * speaker).item())
    value.backward()
    # the embedding gets the opposite of what would help the adversary, the adversary its own
    want = -0.4 * torch.autograd.grad(speaker, emb, retain_graph=True)[0]
    torch.testing.assert_close(emb.grad, want)
    adversary_grad = torch.autograd.grad(0.4 * speaker, loss.adversary[0].weight)[0]
    torch.testing.assert_close(loss.adversary[0].weight.grad, adversary_grad)


def test_training_against_the_adversary_removes_the_speaker_from_the_embedding():
    # Inputs carry the class in one direction and the speaker in another; a linear embedding
    # trained with the adversary keeps the class and drops the speaker, one trained without it
    # keeps both (nothing asks it to drop them).
    def train(adversary_weight: float) -> float:
        torch.manual_seed(1)
        n = 256
        labels = torch.randint(0, 2, (n,))
        speakers = torch.randint(0, 2, (n,))
        x = torch.randn(n, 6) * 0.3
        x[:, 0] += 2.0 * labels - 1.0
        x[:, 1] += 2.0 * speakers - 1.0
        embed = torch.nn.Linear(6, 4)
        head = torch.nn.Linear(4, 2)
        loss = SpeakerAdversarial(adversary_weight=adversary_weight, hidden=16)
        loss.bind(4, 2)
        opt = torch.optim.Adam([*embed.parameters(), *head.parameters(), *loss.parameters()], 0.02)
        for _ in range(400):
            e = embed(x)
            value = loss(head(e), labels, e, speakers)
            opt.zero_grad()
            value.backward()
            opt.step()
        # how well a fresh linear probe reads the speaker from the trained embedding
        e = embed(x).detach()
        probe = torch.nn.Linear(4, 2)
        popt = torch.optim.Adam(probe.parameters(), 0.05)
        for _ in range(300):
            popt.zero_grad()
            F.cross_entropy(probe(e), speakers).backward()
            popt.step()
        task_acc = (head(e).argmax(1) == labels).float().mean().item()
        assert task_acc > 0.95
        return (probe(e).argmax(1) == speakers).float().mean().item()

    assert train(0.0) > 0.95
    assert train(1.0) < 0.75


def test_bad_parameters_and_a_missing_bind_fail_clearly():
    with pytest.raises(ConfigError, match="adversary_weight"):
        SpeakerAdversarial(adversary_weight=-1.0)
    with pytest.raises(ConfigError, match="hidden"):
        SpeakerAdversarial(hidden=0)
    with pytest.raises(ConfigError, match="lr_scale"):
        SpeakerAdversarial(lr_scale=0.0)
    with pytest.raises(ConfigError, match="at least two train speakers"):
        SpeakerAdversarial().bind(8, 1)
    loss = SpeakerAdversarial()
    with pytest.raises(RuntimeError, match="bind"):
        loss(torch.randn(2, 2), torch.tensor([0, 1]), torch.randn(2, 8), torch.tensor([0, 1]))
