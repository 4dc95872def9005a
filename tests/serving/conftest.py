"""Fixtures of the service tests: speech-like recordings as uploads, and a running app."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfilt

from tests.fixtures.planted import SR, TALKERS, speech


def encoded(wave: np.ndarray, fmt: str = "WAV") -> bytes:
    """``wave`` at the fixtures' rate as 16-bit WAV or FLAC bytes."""
    buf = io.BytesIO()
    sf.write(buf, wave.astype(np.float32), SR, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def speech_wave(seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    """One talker's syllables at a conversational level."""
    rng = np.random.default_rng(seed)
    return 0.08 * speech(rng, TALKERS[seed % len(TALKERS)], seconds)


def speech_wav(seconds: float = 4.0, seed: int = 0, fmt: str = "WAV") -> bytes:
    """A speech-like recording encoded as 16-bit WAV or FLAC, as a phone app or a call
    recorder uploads it."""
    return encoded(speech_wave(seconds, seed), fmt)


def room_noise_wav(seconds: float = 4.0) -> bytes:
    """A recording that holds no voice: a quiet room's hiss, as a call that never connected."""
    rng = np.random.default_rng(7)
    return encoded(0.003 * rng.standard_normal(round(seconds * SR)))


def band_limited_wav(seconds: float = 4.0, cutoff_hz: float = 1800.0) -> bytes:
    """Speech with nothing above ``cutoff_hz`` (a narrow radio or intercom channel) in a 16 kHz
    file: below the telephone band the default model was trained on."""
    sos = butter(10, cutoff_hz, fs=SR, output="sos")
    return encoded(sosfilt(sos, speech_wave(seconds)))


@pytest.fixture(scope="session")
def wav4() -> bytes:
    return speech_wav(4.0)


@pytest.fixture
def wav_file(tmp_path: Path, wav4: bytes) -> Path:
    path = tmp_path / "call-0001.wav"
    path.write_bytes(wav4)
    return path
