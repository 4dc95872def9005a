"""The stream scores the offline timeline's windows, one update per hop, in bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.inference.detector import Detector
from spoofscope.inference.streaming import StreamingDetector
from spoofscope.models import MODELS

SR = 16000


class LinearProbe(torch.nn.Module):
    """A fixed random projection of each window: any shifted or altered sample changes it."""

    def __init__(self, crop: int) -> None:
        super().__init__()
        weights = torch.randn(crop, generator=torch.Generator().manual_seed(0)) / crop**0.5
        self.register_buffer("weights", weights)

    def score(self, wave: torch.Tensor) -> torch.Tensor:
        return wave @ self.weights


def _detector(crop: int = 2 * SR, channel: str | None = None, **kw) -> Detector:
    card = MODELS.get("lcnn")().card()
    card["input"].update(crop_samples=crop, channel=channel)
    return Detector(LinearProbe(crop), card, **kw)


@pytest.fixture(scope="module")
def talk(reference_dir) -> np.ndarray:
    """ASVspoof 2019 LA speech (rows 3-5 of the AASIST reference inputs), 12.1 s."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[3:].reshape(-1).astype(np.float32)


def _stream(det: Detector, wave: np.ndarray, chunk_ms: float = 250, rate: int = SR):
    stream = StreamingDetector(det, rate=rate)
    step = int(rate * chunk_ms / 1000)
    updates = [u for s in range(0, wave.size, step) for u in stream.feed(wave[s : s + step])]
    return updates, updates + stream.close()


@pytest.mark.parametrize("channel", [None, "telephone"])
@pytest.mark.parametrize("hop_s", [0.5, 2.0])
def test_each_update_is_the_offline_window_and_the_end_is_the_offline_score(talk, channel, hop_s):
    det = _detector(channel=channel, hop_s=hop_s)
    offline = det.score(talk, sr=SR)
    live, every = _stream(det, talk)
    assert len(live) >= len(offline.timeline) - 2  # all but the windows awaiting their end
    assert [(u.start_s, u.end_s) for u in every] == [(s.start_s, s.end_s) for s in offline.timeline]
    np.testing.assert_allclose([u.score for u in every], offline.window_scores, atol=1e-5)
    assert [u.speech for u in every] == [s.speech for s in offline.timeline]
    assert every[-1].running_score == pytest.approx(offline.score, abs=1e-5)
    assert every[-1].verdict == offline.verdict


@pytest.mark.parametrize("aggregate", ["min", "top-k"])
def test_the_running_aggregate_is_the_detectors(talk, aggregate):
    det = _detector(hop_s=1.0, aggregate=aggregate, top_k=3)
    _, every = _stream(det, talk)
    assert every[-1].running_score == pytest.approx(det.score(talk, sr=SR).score, abs=1e-5)


def test_a_stream_shorter_than_a_window_is_scored_at_close(talk):
    det = _detector()
    live, every = _stream(det, talk[: SR // 2])
    assert live == [] and len(every) == 1 and every[0].final
    assert every[0].score == pytest.approx(det.score(talk[: SR // 2], sr=SR).score, abs=1e-5)


def test_8khz_int16_chunks_are_resampled_as_the_loader_resamples(talk):
    import soxr

    det = _detector()
    narrow = soxr.resample(talk, SR, 8000)
    pcm = np.round(narrow * 32767).astype(np.int16)
    _, every = _stream(det, pcm, rate=8000)
    offline = det.score(pcm, sr=8000)
    np.testing.assert_allclose([u.score for u in every], offline.window_scores, atol=1e-3)


def test_memory_stays_bounded_over_a_long_stream(talk):
    det = _detector(hop_s=0.5)
    stream = StreamingDetector(det)
    sizes = []
    for i in range(400):  # 100 s in 250 ms chunks
        stream.feed(talk[(i * 4000) % 190_000 :][:4000])
        sizes.append(stream._buf.size + stream._probs.size)
    assert max(sizes[200:]) <= max(sizes[:200])  # the second 50 s hold no more than the first
    assert max(sizes) < 2 * det.window + 4000


def test_feeding_after_close_and_a_bad_rate_are_errors(talk):
    stream = StreamingDetector(_detector())
    stream.close()
    with pytest.raises(ConfigError, match="after close"):
        stream.feed(talk[:100])
    with pytest.raises(ConfigError, match="rate"):
        StreamingDetector(_detector(), rate=0)
