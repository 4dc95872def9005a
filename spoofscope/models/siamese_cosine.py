"""Siamese CNN with a cosine-similarity output and a threshold (the DECRO study, seed 002).

Two weight-shared branches (conv → BN → ReLU → max-pool, three times; global average pool; linear
embedding) map log-mel spectrograms to embeddings; the pair's cosine similarity is compared with a
threshold (0.8 was the study's best on its dev set). As a countermeasure an utterance is compared
with the bona fide reference: the normalised mean embedding of ``references`` bona fide training
utterances, enrolled by the trainer after every epoch (:mod:`spoofscope.training.enrolment`).

Its score is that cosine itself (``score_kind = "similarity"``, in [-1, 1]), so ``evaluate``
reports the write-up's threshold sweep (0.1 … 0.9) on it; ``forward`` gives the logits
``z = scale · (cos - threshold)`` → ``[-z/2, z/2]`` for a classification loss.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.models.base import FeatureCountermeasure, logit_pair, register_model


@register_model("siamese-cosine")
class SiameseCosine(FeatureCountermeasure):
    """Shared-branch CNN; ``similarity(a, b)`` → ``[B]`` cosine; ``forward`` → logits ``[B, 2]``.

    Args:
        frontend / frontend_params: default ``logmel``.
        channels: conv widths of the branch; embedding_dim: embedding size.
        threshold: decision threshold on the cosine similarity; scale: logit scale.
        references: bona fide training utterances whose mean embedding is the reference.
    """

    #: scores are cosine similarities: evaluation sweeps thresholds on them (seeds/002)
    score_kind: ClassVar[str] = "similarity"

    def __init__(
        self,
        frontend: str = "logmel",
        frontend_params: dict[str, Any] | None = None,
        channels: tuple[int, ...] | list[int] = (16, 32, 64),
        embedding_dim: int = 128,
        threshold: float = 0.8,
        scale: float = 10.0,
        references: int = 256,
        crop_samples: int = 64000,
    ) -> None:
        if references < 1:
            raise ConfigError("references", "enrolment needs at least one bona fide reference")
        params = dict(frontend_params or {})
        config = {"frontend": frontend, "frontend_params": params, "channels": list(channels),
                  "embedding_dim": embedding_dim, "threshold": threshold, "scale": scale,
                  "references": references, "crop_samples": crop_samples}  # fmt: skip
        super().__init__(config, frontend, params, crop_samples)
        layers: list[nn.Module] = []
        c_in = 1
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                       nn.MaxPool2d(2)]  # fmt: skip
            c_in = c_out
        self.branch = nn.Sequential(*layers)
        self.project = nn.Linear(c_in, embedding_dim)
        self.threshold, self.scale, self.references = threshold, scale, references
        self.register_buffer("reference", F.normalize(torch.ones(embedding_dim), dim=0))

    def embed(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → embeddings ``[B, embedding_dim]`` (one branch; both share weights)."""
        return self.project(self.branch(self.frontend(wave)).mean(dim=(2, 3)))

    def similarity(self, wave_a: Tensor, wave_b: Tensor) -> Tensor:
        """Cosine similarity of each pair → ``[B]`` in [-1, 1]."""
        return F.cosine_similarity(self.embed(wave_a), self.embed(wave_b), dim=1)

    @torch.no_grad()
    def enroll(self, embeddings: Tensor, labels: Tensor) -> None:
        """Set the bona fide reference to the normalised mean of the bona fide rows of
        ``embeddings: [N, D]`` (``labels``: 1 = bona fide; spoof rows are not used).

        Raises:
            ConfigError: no bona fide reference.
        """
        if not bool((labels == 1).any()):
            raise ConfigError("labels", "no bona fide reference")
        self.reference.copy_(F.normalize(embeddings[labels == 1].mean(dim=0), dim=0))

    def cosine(self, wave: Tensor) -> Tensor:
        """Cosine similarity of each utterance ``wave: [B, T]`` with the bona fide reference → ``[B]``."""
        return F.normalize(self.embed(wave), dim=1) @ self.reference

    def score(self, wave: Tensor) -> Tensor:
        """The cosine with the bona fide reference (higher = more bona fide), not a logit gap."""
        return self.cosine(wave)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        return logit_pair(self.scale * (self.cosine(wave) - self.threshold))
