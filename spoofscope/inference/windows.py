"""Fit a recording of any length to a model's fixed input length.

Short recordings are repeat-padded (the whole signal tiled, as AASIST's data loader does, so a
0.3-second word still fills the crop with speech rather than zeros); long ones are cut into
overlapping windows whose scores are averaged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def repeat_pad(wave: np.ndarray, length: int) -> np.ndarray:
    """Tile ``wave`` ``length // len + 1`` times and keep the first ``length`` samples."""
    if wave.shape[-1] >= length:
        return wave[..., :length]
    reps = length // wave.shape[-1] + 1
    return np.tile(wave, reps)[..., :length]


def window_starts(n: int, length: int, hop: int | None = None) -> list[int]:
    """Start sample of each window over ``n`` samples: every ``hop`` (default: a whole window, so
    windows do not overlap), and one more aligned to the end when the hops leave samples out;
    ``[0]`` when ``n <= length``.

    The one definition of where windows fall, shared by whole-file scoring, the block path of long
    files, the timeline, the stream, ``evaluate`` and training's dev pass. Half-overlapping windows
    were the default until 2026-12-07: they cost twice the model time, and on LocalSpoof small
    the shipped default's EER was 5.67% with them against 5.33% without on eval (12.67% on dev
    both ways; docs/architecture.md, "Timeline and aggregate").
    """
    if n <= length:
        return [0]
    hop = hop or length
    starts = list(range(0, n - length + 1, hop))
    if starts[-1] + length < n:
        starts.append(n - length)
    return starts


def windows(wave: np.ndarray, length: int, hop: int | None = None) -> np.ndarray:
    """Split ``wave: [T]`` into ``[N, length]`` windows at :func:`window_starts`; a recording no
    longer than ``length`` gives one repeat-padded window."""
    if wave.ndim != 1:
        raise ValueError("windows() takes a mono waveform [T]")
    if wave.shape[0] <= length:
        return repeat_pad(wave, length)[None, :]
    return np.stack([wave[s : s + length] for s in window_starts(wave.shape[0], length, hop)])


def recording_windows(
    waves: Sequence[np.ndarray], length: int, hop: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`windows` of several recordings stacked: ``([N, length] float32, owner [N])``,
    where ``owner[i]`` is the index in ``waves`` of the recording window ``i`` comes from."""
    parts = [windows(np.asarray(w, dtype=np.float32), length, hop) for w in waves]
    owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    return np.concatenate(parts) if parts else np.zeros((0, length), np.float32), owner


def window_outputs(
    model: torch.nn.Module,
    waves: Sequence[np.ndarray],
    length: int,
    device: str | torch.device = "cpu",
    batch: int = 16,
    method: str = "score",
    hop: int | None = None,
) -> tuple[torch.Tensor, np.ndarray]:
    """``model.<method>`` of every window of ``waves``, batched across recordings.

    Returns ``(outputs [N, ...] on the CPU, owner [N])`` as :func:`recording_windows` orders the
    windows. ``method="score"`` gives window scores; ``"forward"`` the logits, from which a
    trainer takes both the scores and its dev loss in one pass. The caller sets eval mode and
    the grad mode (the trainer's dev pass also runs under autocast).
    """
    chunks, owner = recording_windows(waves, length, hop)
    call = getattr(model, method)
    out = [
        call(torch.from_numpy(chunks[start : start + batch]).to(device)).float().cpu()
        for start in range(0, chunks.shape[0], batch)
    ]
    return (torch.cat(out) if out else torch.zeros(0)), owner


def mean_per_recording(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Mean of the window ``values`` of each of ``n`` recordings (``owner`` as from
    :func:`recording_windows`): the utterance score the Detector reports."""
    sums = np.bincount(owner, weights=np.asarray(values, dtype=np.float64), minlength=n)
    return sums / np.bincount(owner, minlength=n)


@torch.inference_mode()
def window_scores(
    model: torch.nn.Module,
    wave: np.ndarray,
    length: int,
    device: str | torch.device = "cpu",
    batch: int = 16,
    hop: int | None = None,
) -> np.ndarray:
    """Scores ``[N]`` of ``model`` on the :func:`windows` of a mono waveform ``wave: [T]``.

    The one path from a recording of any length to its score: the :class:`Detector`, training's
    dev pass and ``spoofscope evaluate --crop windows`` all go through :func:`window_outputs`, so
    a threshold fitted in training and a figure measured by evaluation are on the scale of the
    scores a deployed detector gives.
    """
    scores, _ = window_outputs(model, [wave], length, device, batch, hop=hop)
    return scores.numpy()
