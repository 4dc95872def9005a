"""Fit a recording of any length to a model's fixed input length.

Short recordings are repeat-padded (the whole signal tiled, as AASIST's data loader does, so a
0.3-second word still fills the crop with speech rather than zeros); long ones are cut into
overlapping windows whose scores are averaged.
"""

from __future__ import annotations

import numpy as np
import torch


def repeat_pad(wave: np.ndarray, length: int) -> np.ndarray:
    """Tile ``wave`` ``length // len + 1`` times and keep the first ``length`` samples."""
    if wave.shape[-1] >= length:
        return wave[..., :length]
    reps = length // wave.shape[-1] + 1
    return np.tile(wave, reps)[..., :length]


def windows(wave: np.ndarray, length: int, hop: int | None = None) -> np.ndarray:
    """Split ``wave: [T]`` into ``[N, length]`` windows with hop ``hop`` (default half a window).

    The last window is aligned to the end of the recording so no sample is left out; a recording
    no longer than ``length`` gives one repeat-padded window.
    """
    if wave.ndim != 1:
        raise ValueError("windows() takes a mono waveform [T]")
    if wave.shape[0] <= length:
        return repeat_pad(wave, length)[None, :]
    hop = hop or length // 2
    starts = list(range(0, wave.shape[0] - length + 1, hop))
    if starts[-1] + length < wave.shape[0]:
        starts.append(wave.shape[0] - length)
    return np.stack([wave[s : s + length] for s in starts])


@torch.inference_mode()
def window_scores(
    model: torch.nn.Module,
    wave: np.ndarray,
    length: int,
    device: str | torch.device = "cpu",
    batch: int = 16,
) -> np.ndarray:
    """Scores ``[N]`` of ``model`` on the :func:`windows` of a mono waveform ``wave: [T]``.

    The one place a recording of any length becomes a score list: the :class:`Detector` and
    ``spoofscope evaluate --crop windows`` both call it, so a figure measured by evaluation is
    the figure a deployed detector gives.
    """
    chunks = windows(np.asarray(wave, dtype=np.float32), length)  # [N, length]
    out = []
    for start in range(0, chunks.shape[0], batch):
        block = torch.from_numpy(chunks[start : start + batch]).to(device)
        out.append(model.score(block).float().cpu().numpy())
    return np.concatenate(out)
