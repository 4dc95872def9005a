"""Long recordings are decoded and scored in blocks, in memory that does not grow with their length.

``load`` keeps its 10-minute cap; a caller who raises it (``Detector.score(path, max_seconds=None)``)
gets a file longer than :attr:`Detector.block_over_seconds` decoded block by block, resampled by a
streaming resampler, and windowed as :func:`spoofscope.inference.windows.windows` windows it: the
same windows, the same scores as the whole-file path, on a file short enough to take both.
Measured by hand (a fresh process per case, warmed up on a full batch of windows; 2 shared cores):
a 1-hour 16 kHz PCM_16 file (115 MB) in blocks raised the peak RSS by 5 MiB (numpy peak 9.9 MiB),
12 MiB through the telephone channel (13.8 MiB): the same as for 11 minutes. The whole-file path,
all windows at once, took 1.1 GB (numpy 1098 MiB) for it.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope import errors
from spoofscope.inference import detector as detector_module
from spoofscope.inference.detector import Detector
from spoofscope.models import MODELS

SR = 16000


class LinearProbe(torch.nn.Module):
    """A fixed random projection of each window: scores in microseconds, and any shifted, missing
    or altered sample changes them, which is what comparing two windowing paths needs."""

    def __init__(self, crop: int) -> None:
        super().__init__()
        weights = torch.randn(crop, generator=torch.Generator().manual_seed(0)) / crop**0.5
        self.register_buffer("weights", weights)

    def score(self, wave: torch.Tensor) -> torch.Tensor:  # wave: [B, crop] -> [B]
        return wave @ self.weights


def _card(crop: int, channel: str | None = None) -> dict:
    card = MODELS.get("lcnn")().card()
    card["input"].update(crop_samples=crop, channel=channel)
    return card


def _call(reference_dir: Path, seconds: float, sr: int) -> np.ndarray:
    """``seconds`` of a call: the six ASVspoof 2019 LA test utterances in turn, at varying level."""
    inputs = np.load(reference_dir / "aasist" / "inputs.npy")
    gains = np.linspace(0.3, 1.2, len(inputs), dtype=np.float32)[:, None]
    talk = (inputs * gains).reshape(-1)
    if sr != SR:
        talk = (
            talk[:: SR // sr]
            if SR % sr == 0
            else np.interp(np.arange(0, talk.size, SR / sr), np.arange(talk.size), talk).astype(
                np.float32
            )
        )
    n = int(seconds * sr)
    return np.resize(talk, n)  # np.resize repeats the call to fill n samples


def _blockwise(det: Detector, monkeypatch: pytest.MonkeyPatch) -> Detector:
    """``det`` set to score every file over 5 s in 2-s blocks, and unable to load a whole file."""
    det.block_over_seconds, det.block_seconds = 5, 2

    def whole_file(*args, **kwargs):
        raise AssertionError("the block path decoded the whole file")

    monkeypatch.setattr(detector_module, "load", whole_file)
    return det


def test_an_8khz_call_in_blocks_scores_as_the_whole_file_through_the_telephone_band(
    reference_dir, tmp_path, monkeypatch
):
    path = tmp_path / "call_8k.wav"
    sf.write(path, _call(reference_dir, 31.3, 8000), 8000, subtype="PCM_16")
    torch.manual_seed(0)
    model = MODELS.get("lcnn")()
    card = model.card()
    card["input"]["channel"] = "telephone"
    whole = Detector(model, card).score(path)
    blocks = _blockwise(Detector(model, card), monkeypatch).score(path)
    assert (
        len(blocks.window_scores) == len(whole.window_scores) == 8
    )  # 0-4, 4-8, .. 24-28, 27.3-31.3 s
    assert blocks.window_scores == pytest.approx(whole.window_scores, abs=1e-5)
    assert blocks.duration == whole.duration and blocks.quality == whole.quality


def test_a_hot_44khz_stereo_float_file_in_blocks_equals_the_whole_file(
    reference_dir, tmp_path, monkeypatch
):
    # Float at integer scale (rescaled, found by a first pass), two channels, a 44.1 -> 16 kHz
    # stream resampler: window for window the same samples as the whole-file path.
    talk = _call(reference_dir, 12.7, 44100)
    path = tmp_path / "studio.wav"
    sf.write(path, np.stack([talk, 0.5 * talk], axis=1) * 32768, 44100, subtype="FLOAT")
    probe = LinearProbe(64000)
    with pytest.warns(UserWarning, match="rescaled"):
        whole = Detector(probe, _card(64000)).score(path)
    with pytest.warns(UserWarning, match="rescaled"):
        blocks = _blockwise(Detector(probe, _card(64000)), monkeypatch).score(path)
    assert blocks.window_scores == whole.window_scores and len(whole.window_scores) == 4
    assert blocks.quality == whole.quality == ["rescaled"]


def test_eleven_minutes_score_in_bounded_memory_once_the_cap_is_raised(reference_dir, tmp_path):
    seconds, crop = 660, 64000
    samples = _call(reference_dir, seconds, SR)
    path = tmp_path / "conference_call.wav"
    sf.write(path, samples, SR, subtype="PCM_16")
    pcm = sf.read(path, dtype="float32")[0]  # what the probe sees, for the expected scores
    del samples
    det = Detector(LinearProbe(crop), _card(crop))
    with pytest.raises(errors.AudioTooLongError, match="maximum 600 s"):
        det.score(path)  # the loader's 10-minute cap stays the default

    expected = [
        float(det.model.score(torch.from_numpy(pcm[s : s + crop])[None])[0])
        for s in (0, crop, pcm.size - crop)
    ]
    del pcm
    tracemalloc.start()
    try:
        result = det.score(path, max_seconds=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Whole, the file is 21 MB of int16 and 42 MB of float32; in 30-s blocks the peak is the
    # blocks, one batch of windows and the scores.
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert result.duration == seconds and len(result.window_scores) == seconds // 4
    got = [result.window_scores[i] for i in (0, 1, -1)]
    assert got == pytest.approx(expected, abs=1e-5)


def test_a_cap_between_is_kept(reference_dir, tmp_path):
    path = tmp_path / "voicemail.wav"
    sf.write(path, _call(reference_dir, 70, SR), SR, subtype="PCM_16")
    det = Detector(LinearProbe(64000), _card(64000))
    assert det.score(path, max_seconds=900).duration == 70  # over a minute: the block path
    with pytest.raises(errors.AudioTooLongError, match=r"70\.0 s is longer than the maximum 60 s"):
        det.score(path, max_seconds=60)
