"""Speaker-adversarial training: cross-entropy on the task, and a speaker classifier the model must fool.

A countermeasure trained on a handful of bona fide voices can learn "one of these voices" as its
bona fide class, and then rejects an unseen voice as a whole. Following domain-adversarial
training (Ganin & Lempitsky, "Unsupervised domain adaptation by backpropagation", ICML 2015),
an adversary predicts the training speaker from the embedding the model's classification head
receives, through a gradient-reversal layer: the adversary learns to tell speakers apart while
the model is pushed towards embeddings from which it cannot. Speaker labels are the protocol's
(a spoof carries the speaker whose recording or prompt it mirrors), so the model is also pushed
away from the language and recording source that come with each speaker.

The loss is ``CE(logits, labels) + adversary_weight * CE(adversary(R(e)), speakers)`` where ``R``
is the identity forward and ``-1 ×`` the gradient backward. The trainer taps ``e`` as the input of
the model's submodule ``tap`` (LCNN's output layer, ``out``) and sizes the adversary from it with
:meth:`SpeakerAdversarial.bind` before the optimiser is built. Without embeddings (the dev pass),
the loss is the task's cross-entropy alone, so dev losses compare with plain cross-entropy runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from spoofscope.errors import ConfigError
from spoofscope.losses import LOSSES
from spoofscope.losses.classification import WeightedCrossEntropy


class _ReverseGradient(torch.autograd.Function):
    """Identity forward; the incoming gradient negated backward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return -grad


def reverse_gradient(x: torch.Tensor) -> torch.Tensor:
    """``x`` unchanged, with its gradient negated on the way back (the gradient-reversal layer)."""
    return _ReverseGradient.apply(x)


@LOSSES.register("speaker-adversarial")
class SpeakerAdversarial(nn.Module):
    """Weighted cross-entropy plus a gradient-reversed speaker classifier (module docstring).

    Args:
        weight: per-class weights ``[spoof, bonafide]`` of the task's cross-entropy (as
            ``cross-entropy``; ``loss.auto_weight`` fills it).
        label_smoothing: the task's label smoothing.
        adversary_weight: weight of the speaker loss; the reversed gradient reaching the model is
            scaled by the same factor.
        hidden: width of the adversary's hidden layer.
        tap: the model submodule whose input is the embedding (``out``: LCNN's output layer).
        lr_scale: the adversary's learning rate as a multiple of the model's, for an adversary
            that falls behind a model moving its embedding against it at every step. On
            LocalSpoof's four train speakers neither 1 nor 10 took the speaker out of the LCNN's
            embedding (docs/models.md, sixteenth round).

    Raises:
        ConfigError: a negative ``adversary_weight``, ``hidden < 1``, ``lr_scale <= 0``, or the
            task's bad weights.
    """

    inputs: ClassVar[str] = "tapped"

    def __init__(
        self,
        weight: Sequence[float] | None = None,
        label_smoothing: float = 0.0,
        adversary_weight: float = 0.5,
        hidden: int = 128,
        tap: str = "out",
        lr_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if adversary_weight < 0:
            raise ConfigError(
                "loss.adversary_weight", f"must be non-negative, got {adversary_weight}"
            )
        if hidden < 1:
            raise ConfigError("loss.hidden", f"must be at least 1, got {hidden}")
        if lr_scale <= 0:
            raise ConfigError("loss.lr_scale", f"must be positive, got {lr_scale}")
        self.task = WeightedCrossEntropy(weight, label_smoothing)
        self.adversary_weight = adversary_weight
        self.hidden = hidden
        self.tap = tap
        self.lr_scale = lr_scale
        self.adversary: nn.Module | None = None

    def bind(self, embedding_dim: int, n_speakers: int) -> None:
        """Build the adversary for ``embedding_dim``-wide embeddings and ``n_speakers`` classes.

        Raises:
            ConfigError: fewer than two speakers (nothing to be invariant to).
        """
        if n_speakers < 2:
            raise ConfigError(
                "loss.name",
                f"speaker-adversarial needs at least two train speakers, got {n_speakers}",
            )
        self.adversary = nn.Sequential(
            nn.Linear(embedding_dim, self.hidden), nn.ReLU(), nn.Linear(self.hidden, n_speakers)
        )

    def forward(
        self,
        logits: torch.Tensor,
        labels: torch.Tensor,
        embeddings: torch.Tensor | None = None,
        groups: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The task loss, plus the weighted speaker loss when ``embeddings`` and ``groups`` come.

        Args:
            logits: ``[B, 2]``, column 1 = bona fide.
            labels: ``[B]``, 1 = bona fide.
            embeddings: ``[B, D]`` inputs of the model's head (training only).
            groups: ``[B]`` train speaker indices in ``[0, n_speakers)``.
        """
        task = self.task(logits, labels)
        if embeddings is None or groups is None:
            return task
        if self.adversary is None:
            raise RuntimeError("speaker-adversarial: bind() the adversary before training")
        guess = self.adversary(reverse_gradient(embeddings.float()))
        return task + self.adversary_weight * F.cross_entropy(guess, groups.long())
