"""Output heads shared by the models: what turns a pooled embedding into the ``[B, 2]`` logits of
the model contract (``score = logits[:, 1] - logits[:, 0]``, higher = bona fide)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: model ``head`` values: a linear classifier, or a one-class centre (OC-softmax)
HEADS = ("linear", "one-class")


def bona_fide_direction(embedding_dim: int) -> nn.Parameter:
    """A learnable unit direction; only its direction matters, and a random start favours no axis."""
    return nn.Parameter(F.normalize(torch.randn(embedding_dim), dim=0))


def cosine_to(embeddings: Tensor, direction: Tensor) -> Tensor:
    """Cosine of each embedding ``[B, D]`` with ``direction [D]``: ``[B]`` in ``[-1, 1]``."""
    return F.normalize(embeddings, dim=1) @ F.normalize(direction, dim=0)


class OneClassHead(nn.Module):
    """Cosine of each embedding with one learnable bona fide direction, as logits.

    Zhang, Jiang & Duan's one-class softmax (IEEE SPL 2021) pulls bona fide embeddings towards a
    direction and pushes spoofs away from it; the score is the cosine. Holding the direction in
    the model rather than in the loss puts it in every checkpoint, so a trained model scores
    with it like any other. Output ``[-cos / 2, cos / 2]``: the contract's score is then the
    cosine itself, in ``[-1, 1]``, which ``oc-softmax-head`` reads back.
    """

    def __init__(self, embedding_dim: int) -> None:
        super().__init__()
        self.center = bona_fide_direction(embedding_dim)

    def forward(self, embeddings: Tensor) -> Tensor:
        cos = cosine_to(embeddings, self.center)
        return torch.stack([-cos / 2, cos / 2], dim=1)


def output_head(head: str, width: int, embedding_dim: int) -> nn.Module:
    """The module from a ``width``-dim pooled vector to logits: a linear layer for ``"linear"``,
    a projection to ``embedding_dim`` then :class:`OneClassHead` for ``"one-class"``."""
    if head == "linear":
        return nn.Linear(width, 2)
    return nn.Sequential(nn.Linear(width, embedding_dim), OneClassHead(embedding_dim))
