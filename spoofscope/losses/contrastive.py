"""Pairwise contrastive loss for Siamese models (Hadsell, Chopra & LeCun, "Dimensionality reduction
by learning an invariant mapping", CVPR 2006).

For a pair at distance ``d`` with ``same = 1`` (both bona fide, or both spoof) the loss is
``d² / 2``; with ``same = 0`` it is ``max(0, margin - d)² / 2``: similar pairs are pulled together,
dissimilar ones pushed at least ``margin`` apart and then left alone. A Siamese model that already
outputs a cosine similarity ``s`` (the Siamese-cosine baseline) uses :meth:`ContrastiveLoss.from_similarity`,
where the distance is ``1 - s``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from spoofscope.errors import ConfigError, UnknownNameError
from spoofscope.losses import LOSSES
from spoofscope.losses.distances import paired_distance

# Hadsell et al. define the loss on a true distance; squared Euclidean would square it twice.
_CONTRASTIVE_DISTANCES = ("euclidean", "cosine")


@LOSSES.register("contrastive")
class ContrastiveLoss(nn.Module):
    """Contrastive loss on Siamese pairs.

    Args:
        margin: distance beyond which a dissimilar pair costs nothing (1.0 as in Hadsell et al.;
            with ``distance="cosine"`` a margin of 1 means "cosine similarity at most 0").
        distance: ``euclidean`` or ``cosine`` (``1 - cos``) between the two embeddings.

    Raises:
        ConfigError: ``margin`` is not positive.
        UnknownNameError: unknown ``distance``.
    """

    inputs: ClassVar[str] = "pairs"

    def __init__(self, margin: float = 1.0, distance: str = "euclidean") -> None:
        super().__init__()
        if margin <= 0:
            raise ConfigError("loss.margin", f"must be positive, got {margin}")
        if distance not in _CONTRASTIVE_DISTANCES:
            raise UnknownNameError("distance", distance, list(_CONTRASTIVE_DISTANCES))
        self.margin = margin
        self.distance = distance

    def forward(self, emb_a: torch.Tensor, emb_b: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        """Mean loss over pairs.

        Args:
            emb_a: ``[B, D]`` first branch.
            emb_b: ``[B, D]`` second branch.
            same: ``[B]`` 1 where the pair has the same class, 0 otherwise (bool, int or float).

        Returns:
            A scalar tensor.
        """
        return self._from_distance(paired_distance(emb_a, emb_b, self.distance), same)

    def from_similarity(self, similarity: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        """Mean loss from cosine similarities ``[B]`` in ``[-1, 1]`` and ``same`` ``[B]``.

        The distance is ``1 - similarity`` whatever ``distance`` the loss was built with.
        """
        return self._from_distance(1.0 - similarity.reshape(-1), same)

    def _from_distance(self, dist: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        same = same.reshape(-1).to(dist.dtype)
        pull = dist.pow(2)
        push = F.relu(self.margin - dist).pow(2)
        return (0.5 * (same * pull + (1.0 - same) * push)).mean()
