"""Classification losses on logits: weighted cross-entropy (two columns) and BCE (one logit).

ASVspoof 2019 LA trains on about 9 spoofed utterances for every bona fide one, so the reference
systems weight the classes: AASIST uses ``weight=[0.1, 0.9]`` for ``[spoof, bonafide]``
(clovaai/aasist, ``main.py``). Column / label ``1`` is bona fide (:data:`spoofscope.losses.BONAFIDE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from spoofscope.errors import ConfigError
from spoofscope.losses import LOSSES


@LOSSES.register("cross-entropy")
class WeightedCrossEntropy(nn.Module):
    """Cross-entropy over ``[B, 2]`` logits with optional class weights.

    Args:
        weight: per-class weights ``[spoof, bonafide]``, e.g. ``[0.1, 0.9]`` (AASIST); None = equal.
        label_smoothing: amount of label smoothing in ``[0, 1)``.

    Raises:
        ConfigError: ``weight`` is not two non-negative numbers with a positive sum, or
            ``label_smoothing`` is out of range.
    """

    inputs: ClassVar[str] = "logits"
    weight: torch.Tensor | None

    def __init__(self, weight: Sequence[float] | None = None, label_smoothing: float = 0.0) -> None:
        super().__init__()
        if weight is not None and (len(weight) != 2 or min(weight) < 0 or sum(weight) <= 0):
            raise ConfigError(
                "loss.weight", f"expected two non-negative weights [spoof, bonafide], got {weight}"
            )
        if not 0.0 <= label_smoothing < 1.0:
            raise ConfigError("loss.label_smoothing", f"must be in [0, 1), got {label_smoothing}")
        self.label_smoothing = label_smoothing
        self.register_buffer(
            "weight", None if weight is None else torch.tensor(weight, dtype=torch.float32)
        )

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean weighted loss (weights normalise the mean, as in ``torch.nn.CrossEntropyLoss``).

        Args:
            logits: ``[B, 2]`` unnormalised scores, column 1 = bona fide.
            labels: ``[B]`` integers, 1 = bona fide, 0 = spoof.

        Returns:
            A scalar tensor.
        """
        weight = None if self.weight is None else self.weight.to(logits.dtype)
        return F.cross_entropy(
            logits, labels.long(), weight=weight, label_smoothing=self.label_smoothing
        )


@LOSSES.register("bce")
class BinaryCrossEntropy(nn.Module):
    """Binary cross-entropy for models that output one logit (higher = more bona fide).

    Args:
        pos_weight: weight of the bona fide (positive) term, e.g. ``n_spoof / n_bonafide`` for an
            imbalanced corpus; None = 1.

    Raises:
        ConfigError: ``pos_weight`` is not positive.
    """

    inputs: ClassVar[str] = "logits"
    pos_weight: torch.Tensor | None

    def __init__(self, pos_weight: float | None = None) -> None:
        super().__init__()
        if pos_weight is not None and pos_weight <= 0:
            raise ConfigError("loss.pos_weight", f"must be positive, got {pos_weight}")
        self.register_buffer(
            "pos_weight",
            None if pos_weight is None else torch.tensor(float(pos_weight), dtype=torch.float32),
        )

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean loss over the batch.

        Args:
            logits: ``[B]`` or ``[B, 1]`` bona fide logits.
            labels: ``[B]`` integers or floats, 1 = bona fide, 0 = spoof.

        Returns:
            A scalar tensor.
        """
        logits = logits.reshape(-1)
        pos_weight = None if self.pos_weight is None else self.pos_weight.to(logits.dtype)
        return F.binary_cross_entropy_with_logits(
            logits, labels.to(logits.dtype).reshape(-1), pos_weight=pos_weight
        )
