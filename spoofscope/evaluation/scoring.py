"""Scoring a whole split: every recording of a loader to one score, as evaluation and training do.

Two ways, one per crop policy of ``spoofscope evaluate --crop``:

* :func:`score_windowed` (``windows``, the default): each recording is cut into the model's
  crop-length windows (:mod:`spoofscope.inference.windows`, the Detector's own path) and its
  score is their mean. Training's dev pass uses it too, so the threshold and calibration a run's
  card carries are on the scale of the scores the Detector returns for that run.
* :func:`score_loader` (``first``, ``centre``, ``full``): one model pass per loader item.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


@torch.no_grad()
def score_loader(
    model: nn.Module, loader: DataLoader, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (higher = bona fide) and labels of every item of ``loader``, in its order."""
    model.eval()
    scores: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for wave, label, *_ in loader:
        scores.append(model.score(wave.to(device)).float().cpu().numpy().reshape(-1))
        labels.append(np.asarray(label).reshape(-1))
    if not scores:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(scores).astype(np.float64), np.concatenate(labels).astype(np.int64)


@torch.no_grad()
def score_windowed(
    model: nn.Module,
    loader: DataLoader,
    length: int,
    device: torch.device,
    batch: int = 16,
    loss: nn.Module | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Window-mean scores and labels of the whole recordings of ``loader``, and with ``loss`` its
    mean over the windows.

    ``loader`` yields ``(waves: list of [T] tensors, labels [B], ...)`` (a full-length
    :class:`~spoofscope.corpora.dataset.AudioDataset` with ``collate_fn=collate_list``). With a
    ``loss`` the model must be a logits model whose score is ``logits[:, 1] - logits[:, 0]``: one
    pass then gives both, each window taking its recording's label, as training crops do.
    """
    from spoofscope.inference.windows import mean_per_recording, window_outputs

    model.eval()
    if loss is not None:
        loss.eval()
    method = "score" if loss is None else "forward"
    scores: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    total, n = 0.0, 0
    for waves, label, *_ in loader:
        label = torch.as_tensor(label).reshape(-1)
        out, owner = window_outputs(
            model, [w.numpy() for w in waves], length, device, batch, method
        )
        if loss is not None:
            per_window = label[torch.from_numpy(owner)].to(device)
            total += float(loss(out.to(device), per_window)) * len(owner)
            n += len(owner)
            out = out[:, 1] - out[:, 0]
        scores.append(mean_per_recording(out.numpy(), owner, len(waves)))
        labels.append(label.numpy())
    mean_loss = total / n if n else None
    if not scores:
        return np.zeros(0), np.zeros(0, dtype=np.int64), mean_loss
    return np.concatenate(scores), np.concatenate(labels).astype(np.int64), mean_loss
