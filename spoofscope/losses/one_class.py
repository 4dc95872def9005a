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
from spoofscope.models.heads import bona_fide_direction, cosine_to


def check_margins(m_real: float, m_fake: float, alpha: float) -> tuple[float, float, float]:
    """The OC-softmax hyper-parameters, checked.

    Raises:
        ConfigError: ``m_fake >= m_real``, margins outside ``[-1, 1]`` or ``alpha <= 0``.
    """
    if not -1.0 <= m_fake < m_real <= 1.0:
        raise ConfigError(
            "loss.m_real/m_fake",
            f"need -1 <= m_fake < m_real <= 1, got m_fake={m_fake}, m_real={m_real}",
        )
    if alpha <= 0:
        raise ConfigError("loss.alpha", f"must be positive, got {alpha}")
    return m_real, m_fake, alpha


def one_class_margin(
    cos: torch.Tensor, labels: torch.Tensor, m_real: float, m_fake: float, alpha: float
) -> torch.Tensor:
    """Mean OC-softmax loss of cosines ``cos: [B]`` to the bona fide direction (module docstring)."""
    bonafide = labels.reshape(-1) == BONAFIDE
    margin_gap = torch.where(bonafide, m_real - cos, cos - m_fake)
    return F.softplus(alpha * margin_gap).mean()


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
        self.m_real, self.m_fake, self.alpha = check_margins(m_real, m_fake, alpha)
        self.center = bona_fide_direction(embedding_dim)

    def score(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Cosine between each embedding ``[B, D]`` and the centre: ``[B]`` in ``[-1, 1]``,
        higher = more bona fide (the score a model trained with this loss reports)."""
        return cosine_to(embeddings, self.center)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean OC-softmax loss.

        Args:
            embeddings: ``[B, D]``.
            labels: ``[B]``, 1 = bona fide, 0 = spoof.

        Returns:
            A scalar tensor.
        """
        return one_class_margin(
            self.score(embeddings), labels, self.m_real, self.m_fake, self.alpha
        )


@LOSSES.register("oc-softmax-head")
class OCSoftmaxHead(nn.Module):
    """OC-softmax on a model whose one-class head holds the bona fide direction.

    :class:`OCSoftmax` keeps the direction itself, so a checkpoint of the model alone cannot
    score; with ``head: one-class`` (:class:`spoofscope.models.heads.OneClassHead`) the model
    outputs the cosine as its score (``logits[:, 1] - logits[:, 0]``) and this loss applies the
    margins to it. The trainer refuses it for a model without that head.

    Args:
        m_real, m_fake, alpha: as for :class:`OCSoftmax` (the paper's defaults).

    Raises:
        ConfigError: as :func:`check_margins`.
    """

    inputs: ClassVar[str] = "logits"
    #: the model ``head`` this loss needs
    head: ClassVar[str] = "one-class"

    def __init__(self, m_real: float = 0.9, m_fake: float = 0.2, alpha: float = 20.0) -> None:
        super().__init__()
        self.m_real, self.m_fake, self.alpha = check_margins(m_real, m_fake, alpha)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean loss of one-class logits ``[B, 2]`` (their difference is the cosine)."""
        cos = logits[:, 1] - logits[:, 0]
        return one_class_margin(cos, labels, self.m_real, self.m_fake, self.alpha)
