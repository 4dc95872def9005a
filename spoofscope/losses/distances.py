"""Distances between embeddings, shared by the metric-learning losses (triplet, contrastive).

Three metrics, chosen by name: ``euclidean`` (L2), ``sqeuclidean`` (squared L2, the form FaceNet's
triplet loss uses) and ``cosine`` (``1 - cos``, in ``[0, 2]``). The Euclidean distance goes through a
square root whose gradient is infinite at zero; :func:`_safe_sqrt` gives zero distances a zero
gradient instead, because the diagonal of a batch distance matrix is always zero.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from spoofscope.errors import UnknownNameError

# Squared distances at or below this are treated as exactly zero (float32 cancellation noise in
# ||a||² + ||b||² - 2ab is around 1e-7 relative; this only guards the sqrt's gradient).
_ZERO_SQ = 1e-12


def _safe_sqrt(sq: torch.Tensor) -> torch.Tensor:
    zero = sq <= _ZERO_SQ
    return torch.sqrt(sq.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)


def _pairwise_sq(x: torch.Tensor) -> torch.Tensor:
    # x: [B, D] -> [B, B]; the Gram-matrix form is O(B² D) in one matmul instead of a [B, B, D] tensor.
    norms = (x * x).sum(dim=1)
    sq = norms[:, None] + norms[None, :] - 2.0 * (x @ x.T)
    sq = sq.clamp_min(0.0)
    # The diagonal is zero by definition; cancellation would otherwise leave small positive values.
    return sq * (1.0 - torch.eye(x.shape[0], dtype=x.dtype, device=x.device))


def _pairwise_cos(x: torch.Tensor) -> torch.Tensor:
    unit = F.normalize(x, dim=1)
    return (1.0 - unit @ unit.T).clamp(0.0, 2.0)


def _paired_sq(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((a - b) ** 2).sum(dim=1)


def _paired_cos(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (1.0 - F.cosine_similarity(a, b, dim=1)).clamp(0.0, 2.0)


_PAIRWISE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "euclidean": lambda x: _safe_sqrt(_pairwise_sq(x)),
    "sqeuclidean": _pairwise_sq,
    "cosine": _pairwise_cos,
}
_PAIRED: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "euclidean": lambda a, b: _safe_sqrt(_paired_sq(a, b)),
    "sqeuclidean": _paired_sq,
    "cosine": _paired_cos,
}

#: names accepted by :func:`pairwise_distance` and :func:`paired_distance`.
DISTANCES: tuple[str, ...] = tuple(_PAIRWISE)


def check_distance(name: str) -> str:
    """Return ``name`` if it is a known distance; raise UnknownNameError listing the choices."""
    if name not in _PAIRWISE:
        raise UnknownNameError("distance", name, list(DISTANCES))
    return name


def pairwise_distance(x: torch.Tensor, metric: str = "euclidean") -> torch.Tensor:
    """Distance between every pair of rows of a batch.

    Args:
        x: embeddings ``[B, D]``.
        metric: one of :data:`DISTANCES`.

    Returns:
        ``[B, B]`` non-negative distances with an exact zero diagonal, differentiable everywhere.

    Raises:
        UnknownNameError: unknown ``metric``.
    """
    return _PAIRWISE[check_distance(metric)](x)


def paired_distance(a: torch.Tensor, b: torch.Tensor, metric: str = "euclidean") -> torch.Tensor:
    """Distance between matching rows of two batches: ``[B, D], [B, D] -> [B]``.

    Raises:
        UnknownNameError: unknown ``metric``.
    """
    return _PAIRED[check_distance(metric)](a, b)
