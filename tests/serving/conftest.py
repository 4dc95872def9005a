"""Fixtures of the service tests: speech-like recordings as uploads, and a running app."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.fixtures.planted import SR, TALKERS, speech


def speech_wav(seconds: float = 4.0, seed: int = 0, fmt: str = "WAV") -> bytes:
    """A speech-like recording (one talker's syllables, at a conversational level) encoded as
    16-bit WAV or FLAC, as a phone app or a call recorder uploads it."""
    rng = np.random.default_rng(seed)
    wave = 0.08 * speech(rng, TALKERS[seed % len(TALKERS)], seconds)
    buf = io.BytesIO()
    sf.write(buf, wave.astype(np.float32), SR, format=fmt, subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="session")
def wav4() -> bytes:
    return speech_wav(4.0)


@pytest.fixture
def wav_file(tmp_path: Path, wav4: bytes) -> Path:
    path = tmp_path / "call-0001.wav"
    path.write_bytes(wav4)
    return path
