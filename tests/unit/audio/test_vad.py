"""The voice-activity check: Silero's probabilities, batched, and what counts as speech."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.audio.vad import (
    FRAME,
    MIN_SPEECH_SECONDS,
    SpeechTracker,
    speech_activity,
)
from spoofscope.errors import ConfigError

SR = 16000


@pytest.fixture(scope="module")
def talk(reference_dir) -> np.ndarray:
    """Four seconds of ASVspoof 2019 LA speech (the reference inputs of the AASIST release)."""
    return np.load(reference_dir / "aasist" / "inputs.npy")[3].astype(np.float32)


def _wheel_probs(wave: np.ndarray) -> np.ndarray:
    """The wheel's own runtime, called frame by frame as its documentation does."""
    from silero_vad import load_silero_vad

    model = load_silero_vad()
    model.reset_states()
    padded = np.pad(wave, (0, -wave.shape[0] % FRAME))
    with torch.inference_mode():
        return np.array(
            [
                float(model(torch.from_numpy(padded[i : i + FRAME]), SR))
                for i in range(0, padded.shape[0], FRAME)
            ]
        )


def test_batched_probabilities_equal_the_wheels_frame_by_frame(talk):
    ours = speech_activity(talk[:40_000], SR).probs
    np.testing.assert_allclose(ours, _wheel_probs(talk[:40_000]), atol=1e-5)


@pytest.mark.parametrize("piece", [1, 511, 512, 5_000, 100_000])
def test_a_recording_fed_in_pieces_gives_the_probabilities_of_the_whole(talk, piece):
    tracker = SpeechTracker()
    parts = [tracker.feed(talk[s : s + piece]) for s in range(0, talk.shape[0], piece)]
    fed = np.concatenate([*parts, tracker.flush()])
    np.testing.assert_allclose(fed, speech_activity(talk, SR).probs, atol=1e-5)


def test_speech_is_speech(talk):
    activity = speech_activity(talk, SR)
    assert activity.has_speech and activity.speech_seconds > 1.0


def _tone(hz: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize(
    "signal",
    [
        np.zeros(2 * SR, np.float32),
        _tone(300, 2),
        _tone(1000, 2),
        (0.1 * np.random.default_rng(0).standard_normal(2 * SR)).astype(np.float32),
        sum(0.1 / k * _tone(50 * k, 2) for k in range(1, 10)),  # mains hum and its harmonics
    ],
    ids=["silence", "300Hz", "1kHz", "white-noise", "hum"],
)
def test_silence_tones_and_noise_are_not_speech(signal):
    assert not speech_activity(signal, SR).has_speech


def test_a_span_holds_speech_only_where_the_talk_is(talk):
    gap = np.zeros(2 * SR, np.float32)
    activity = speech_activity(np.concatenate([gap, talk, gap]), SR)
    assert not activity.speech_in(0.0, 1.9)
    assert activity.speech_in(2.0, 4.0)
    assert not activity.speech_in(6.2, 8.0)
    assert MIN_SPEECH_SECONDS < 0.1


def test_another_rate_is_refused():
    with pytest.raises(ConfigError, match="16000 Hz"):
        speech_activity(np.zeros(800, np.float32), 8000)
