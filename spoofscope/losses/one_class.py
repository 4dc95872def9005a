"""One-class softmax (OC-softmax), Zhang, Jiang & Duan, "One-class learning towards synthetic voice
spoofing detection", IEEE Signal Processing Letters 28, 2021.

Bona fide embeddings are pulled inside a tight angular margin around one learnable direction ``w``
(cosine above ``m_real``), spoofs are pushed outside a loose one (cosine below ``m_fake``); unseen
attacks then land anywhere outside the bona fide cone. With ``cos_i = ŵ·x̂_i`` the loss is

    mean_i softplus(alpha * (m_real - cos_i))   for bona fide i
           softplus(alpha * (cos_i - m_fake))   for spoof i

The defaults ``m_real = 0.9``, ``m_fake = 0.2``, ``alpha = 20`` and a 256-dimensional embedding are
the paper's.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from spoofscope.errors import ConfigError
from spoofscope.losses import BONAFIDE, LOSSES


@LOSSES.register("oc-softmax")
class OCSoftmax(nn.Module):
    """One-class softmax loss with a learnable centre direction (its only parameter).

    Args:
        embedding_dim: size ``D`` of the embeddings it receives.
        m_real: cosine margin bona fide embeddings must exceed.
        m_fake: cosine margin spoofed embeddings must stay below.
        alpha: scale of the cosine inside the softplus.

    Raises:
        ConfigError: ``embedding_dim`` < 1, ``m_fake >= m_real``, margins outside ``[-1, 1]`` or
            ``alpha <= 0``.
    """

    inputs: ClassVar[str] = "embeddings"

    def __init__(
        self,
        embedding_dim: int = 256,
        m_real: float = 0.9,
        m_fake: float = 0.2,
        alpha: float = 20.0,
    ) -> None:
        super().__init__()
        if embedding_dim < 1:
            raise ConfigError("loss.embedding_dim", f"must be at least 1, got {embedding_dim}")
        if not -1.0 <= m_fake < m_real <= 1.0:
            raise ConfigError(
                "loss.m_real/m_fake",
                f"need -1 <= m_fake < m_real <= 1, got m_fake={m_fake}, m_real={m_real}",
            )
        if alpha <= 0:
            raise ConfigError("loss.alpha", f"must be positive, got {alpha}")
        self.m_real, self.m_fake, self.alpha = m_real, m_fake, alpha
        # Only the direction matters (it is normalised in score()); a random start avoids
        # favouring any embedding axis.
        self.center = nn.Parameter(F.normalize(torch.randn(embedding_dim), dim=0))

    def score(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Cosine between each embedding ``[B, D]`` and the centre: ``[B]`` in ``[-1, 1]``,
        higher = more bona fide (the score a model trained with this loss reports)."""
        return F.normalize(embeddings, dim=1) @ F.normalize(self.center, dim=0)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean OC-softmax loss.

        Args:
            embeddings: ``[B, D]``.
            labels: ``[B]``, 1 = bona fide, 0 = spoof.

        Returns:
            A scalar tensor.
        """
        cos = self.score(embeddings)
        bonafide = labels.reshape(-1) == BONAFIDE
        margin_gap = torch.where(bonafide, self.m_real - cos, cos - self.m_fake)
        return F.softplus(self.alpha * margin_gap).mean()
