"""Batch-hard triplet loss, mined online inside each batch (Hermans, Beyer & Leibe, "In defense of
the triplet loss for person re-identification", arXiv:1703.07737, 2017).

For every anchor the hardest positive (the farthest embedding with the same label) and the hardest
negative (the nearest with another label) are taken from the batch distance matrix, so one
``[B, B]`` matrix yields ``B`` triplets without any offline mining. In spoofscope the label is the
class (bona fide vs spoof) by default; any integer ids work. With the speaker-balanced P×K sampler
(P speakers, K utterances each, both classes per speaker) pass ``groups=speaker_ids`` to mine only
inside each speaker, so the loss separates bona fide from spoof of the *same* voice instead of
rewarding speaker identity.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from spoofscope.errors import ConfigError
from spoofscope.losses import LOSSES
from spoofscope.losses.distances import check_distance, pairwise_distance


def hardest_pairs(
    dist: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mine the hardest positive and negative of every anchor from a distance matrix.

    Args:
        dist: ``[B, B]`` distances.
        labels: ``[B]`` integer ids; equal ids are positives.
        groups: optional ``[B]`` ids (e.g. speakers); pairs across groups are ignored.

    Returns:
        ``(d_ap, d_an, valid)``, each ``[B]``: the hardest-positive and hardest-negative distances,
        and whether the anchor has at least one positive and one negative (where it does not, the
        distances are 0 and must be ignored).
    """
    labels = labels.reshape(-1)
    same = labels[:, None] == labels[None, :]
    allowed = ~torch.eye(len(labels), dtype=torch.bool, device=dist.device)
    if groups is not None:
        groups = groups.reshape(-1)
        allowed &= groups[:, None] == groups[None, :]
    pos, neg = same & allowed, ~same & allowed
    valid = pos.any(dim=1) & neg.any(dim=1)
    # Masked entries get ∓inf so max/min never pick them; anchors with nothing to pick are zeroed
    # below, which also keeps inf out of the graph.
    d_ap = dist.masked_fill(~pos, float("-inf")).amax(dim=1)
    d_an = dist.masked_fill(~neg, float("inf")).amin(dim=1)
    zero = torch.zeros_like(d_ap)
    return torch.where(valid, d_ap, zero), torch.where(valid, d_an, zero), valid


@LOSSES.register("triplet-batch-hard")
class BatchHardTripletLoss(nn.Module):
    """Batch-hard triplet loss on embeddings ``[B, D]``.

    Args:
        margin: hinge margin ``m`` in ``max(0, d_ap - d_an + m)``; ignored with ``soft_margin``.
        distance: ``euclidean`` (Hermans et al.'s choice), ``sqeuclidean`` or ``cosine``.
        soft_margin: use ``softplus(d_ap - d_an)`` instead of the hinge (Hermans et al.'s
            soft-margin variant: no margin to tune, and satisfied triplets still pull a little).

    Anchors without a positive or without a negative in the batch (or in their group) are left
    out of the mean. A batch with no valid anchor at all (e.g. every utterance bona fide) gives a
    loss of exactly 0 that still back-propagates (zero gradients), so a training step does not
    crash; ``return_stats=True`` reports ``n_valid = 0`` so the caller can see it happened.

    Raises:
        ConfigError: negative ``margin``.
        UnknownNameError: unknown ``distance``.
    """

    inputs: ClassVar[str] = "embeddings"

    def __init__(
        self, margin: float = 1.0, distance: str = "euclidean", soft_margin: bool = False
    ) -> None:
        super().__init__()
        if margin < 0:
            raise ConfigError("loss.margin", f"must be non-negative, got {margin}")
        self.margin = margin
        self.distance = check_distance(distance)
        self.soft_margin = soft_margin

    def forward(
        self,
        embeddings: torch.Tensor,
        labels: torch.Tensor,
        groups: torch.Tensor | None = None,
        return_stats: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, dict[str, float]]:
        """Mean batch-hard loss over valid anchors.

        Args:
            embeddings: ``[B, D]``.
            labels: ``[B]`` integer ids (by default 1 = bona fide, 0 = spoof).
            groups: optional ``[B]`` ids restricting mining to each group (speaker).
            return_stats: also return a dict with ``n_valid`` (anchors used),
                ``fraction_active`` (share of them whose triplet violates the margin, i.e. that
                produce a gradient under the hinge), ``mean_d_ap`` and ``mean_d_an`` (NaN when
                ``n_valid`` is 0).

        Returns:
            The scalar loss, or ``(loss, stats)``.
        """
        dist = pairwise_distance(embeddings, self.distance)  # [B, B]
        d_ap, d_an, valid = hardest_pairs(dist, labels, groups)
        gap = d_ap - d_an  # [B]
        if self.soft_margin:
            per_anchor, violation = F.softplus(gap), gap
        else:
            violation = gap + self.margin
            per_anchor = F.relu(violation)
        # Sum over valid anchors divided by max(n, 1): exactly 0 (with a graph) when n is 0. The
        # count stays a tensor so the loss needs no device-to-host sync.
        n_valid_t = valid.sum()
        masked = torch.where(valid, per_anchor, torch.zeros_like(per_anchor))
        loss = masked.sum() / n_valid_t.clamp_min(1).to(masked.dtype)
        if not return_stats:
            return loss
        n_valid = int(n_valid_t)
        d_ap, d_an, violation = d_ap.detach(), d_an.detach(), violation.detach()
        nan = float("nan")
        stats = {
            "n_valid": float(n_valid),
            "fraction_active": float((violation[valid] > 0).float().mean()) if n_valid else 0.0,
            "mean_d_ap": float(d_ap[valid].mean()) if n_valid else nan,
            "mean_d_an": float(d_an[valid].mean()) if n_valid else nan,
        }
        return loss, stats
