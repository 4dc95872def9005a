"""Platt scaling of scores into ``p_spoof``, fitted on the dev split.

``p_spoof = 1 / (1 + exp(a * score + b))`` (higher score = more bona fide, so ``a > 0`` for a
useful model). The fit weighs both classes equally, so ``p_spoof = 0.5`` means equal evidence for
either class whatever the dev split's class balance; a deployment with a known spoof prior shifts
``b`` by the log prior odds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.errors import MetricError


def fit_platt(scores: np.ndarray, labels: np.ndarray, iterations: int = 50) -> dict[str, Any]:
    """Fit ``a, b`` by class-balanced logistic regression (Newton's method, a small L2 prior).

    Args:
        scores: ``[N]`` scores, higher = bona fide.
        labels: ``[N]`` 1 = bona fide, 0 = spoof.

    Returns:
        ``{"kind": "platt", "a": float, "b": float, "p_spoof": formula}``.

    Raises:
        MetricError: a class is empty or a score is not finite.
    """
    x = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    n_bona, n_spoof = int(y.sum()), int((1 - y).sum())
    if n_bona == 0 or n_spoof == 0 or not np.isfinite(x).all():
        raise MetricError("calibration", "needs finite scores of both classes")
    weight = np.where(y == 1, 0.5 / n_bona, 0.5 / n_spoof)
    # Model p_bona = sigmoid(a*x + b); p_spoof is its complement.
    design = np.stack([x, np.ones_like(x)], axis=1)  # [N, 2]
    theta = np.zeros(2)
    ridge = 1e-6
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        grad = design.T @ (weight * (p - y)) + ridge * theta
        hess = (design * (weight * p * (1 - p))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    a, b = float(theta[0]), float(theta[1])
    return {"kind": "platt", "a": a, "b": b, "p_spoof": "1 / (1 + exp(a * score + b))"}


def p_spoof(scores: np.ndarray, calibration: dict[str, Any]) -> np.ndarray:
    """Apply a fitted calibration to ``scores``."""
    z = calibration["a"] * np.asarray(scores, dtype=np.float64) + calibration["b"]
    return 1.0 / (1.0 + np.exp(np.clip(z, -500, 500)))
