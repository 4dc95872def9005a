"""Fixtures of the front-end tests: speech-like waveforms and a tiny self-supervised model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SR = 16000


def speech_like(seconds: float, seed: int = 0, f0: float = 140.0) -> np.ndarray:
    """A voiced, syllable-modulated harmonic signal with breath noise, peak 0.5, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    voiced = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 15))
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t)
    wave = voiced * envelope + 0.05 * rng.standard_normal(t.size)
    return (0.5 * wave / np.abs(wave).max()).astype(np.float32)


@pytest.fixture(scope="session")
def tiny_ssl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer wav2vec 2.0 saved with ``save_pretrained`` (no download)."""
    from tests.fixtures.ssl import save_tiny_wav2vec2

    return save_tiny_wav2vec2(
        tmp_path_factory.mktemp("tiny-wav2vec2"),
        feat_extract_norm="layer",
        do_stable_layer_norm=True,
    )


@pytest.fixture(scope="session")
def frontend_params(tiny_ssl_dir: Path) -> dict[str, dict]:
    """Parameters to build each registered front-end in tests (defaults unless a test needs more)."""
    return {
        "ssl": {"model": str(tiny_ssl_dir)},
        "image": {"size": [64, 48]},
        "fft": {"n_fft": 16384},  # a fixed size, so rows of any length share one F
        "whisper": {"weights": "tiny-random"},
    }
