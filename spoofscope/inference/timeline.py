"""What a Detector says about a recording beyond its score: the window timeline, the aggregate
that turns it into one score, and the warnings that put the verdict in context.

The aggregate is a choice (``docs/architecture.md``, "Timeline and aggregate", gives the
measurement on LocalSpoof that made ``mean`` the default): ``mean`` of the window scores, the
``min`` (the most suspicious window decides, for partial spoofs: one synthetic word spliced into a
real call), or ``top-k``, the mean of the k lowest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from spoofscope.errors import ConfigError


@dataclass(frozen=True)
class Segment:
    """One window of a recording's timeline.

    Attributes:
        start_s: start, in seconds from the start of the recording.
        end_s: end, in seconds (a recording shorter than the window ends it).
        score: the window's score (higher = more bona fide).
        p_spoof: its probability of spoof.
        speech: whether the voice-activity check found speech in it (None: no check was run).
    """

    start_s: float
    end_s: float
    score: float
    p_spoof: float
    speech: bool | None = None


def _mean(scores: np.ndarray, k: int) -> float:
    return float(scores.mean())


def _min(scores: np.ndarray, k: int) -> float:
    return float(scores.min())


def _top_k(scores: np.ndarray, k: int) -> float:
    return float(np.sort(scores)[:k].mean())


#: name → function of (window scores, k) giving the recording's score
AGGREGATES: dict[str, Callable[[np.ndarray, int], float]] = {
    "mean": _mean,
    "min": _min,
    "top-k": _top_k,
}


def check_aggregate(name: str, k: int) -> None:
    """Raise ConfigError for an unknown aggregate or a ``top-k`` with k < 1."""
    if name not in AGGREGATES:
        raise ConfigError("aggregate", f"unknown {name!r}; choose one of {', '.join(AGGREGATES)}")
    if k < 1:
        raise ConfigError("top_k", f"must be at least 1, got {k}")


def aggregate(scores: np.ndarray, name: str, k: int) -> float:
    """The recording's score from all its window ``scores`` (see :data:`AGGREGATES`).

    Windows without speech count too: ``evaluate`` and training's dev pass, which fit a model's
    threshold and calibration, average every window, so the Detector's score must be on their
    scale. On LocalSpoof small, counting only speech windows changed no EER (dev 12.67%, eval
    5.33% either way); a recording without any speech is ``no-speech`` whatever its score.
    """
    return AGGREGATES[name](scores, k)


def most_suspicious(timeline: list[Segment]) -> Segment | None:
    """The lowest-scoring window with speech (any window when none has speech)."""
    speech = [s for s in timeline if s.speech] or timeline
    return min(speech, key=lambda s: s.score) if speech else None


# -- context ------------------------------------------------------------------------------------

#: energy above a frequency below this share of the total counts as no content there: -40 dB.
#: Wideband speech keeps 1-5% of its energy above 4 kHz; an 8 kHz call resampled to 16 kHz keeps
#: under 1e-6, so the rule separates them by two orders of magnitude either way.
BAND_ENERGY_FLOOR = 1e-4
#: an input whose band is narrower than this share of the model's is reported
BAND_SHARE = 0.75
#: seconds of the start of a recording the band is measured on: enough to hold speech, few enough
#: that the measure costs no memory worth counting next to a block of a long file
BAND_SECONDS = 8
#: samples per frame of the band estimate (31 Hz bins at 16 kHz)
BAND_FRAME = 512


def effective_band(wave: np.ndarray, sr: int) -> float | None:
    """The frequency, in Hz, above which less than :data:`BAND_ENERGY_FLOOR` of the energy lies
    (None for a recording too short or silent to tell)."""
    x = np.asarray(wave[: BAND_SECONDS * sr], dtype=np.float32)
    if x.shape[0] < BAND_FRAME or not np.any(x):
        return None
    # A band edge needs an average spectrum, not Welch's variance-reduced one: disjoint Hann
    # frames in one batched FFT cost an eighth of scipy's overlapped, per-segment welch (10 ms of
    # a served request before), and find the same edge on calls and wideband speech.
    frames = x[: x.shape[0] // BAND_FRAME * BAND_FRAME].reshape(-1, BAND_FRAME)
    frames = (frames - frames.mean(axis=1, keepdims=True)) * _hann(BAND_FRAME)
    power = np.square(np.abs(np.fft.rfft(frames, axis=1))).sum(axis=0, dtype=np.float64)
    above = np.cumsum(power[::-1])[::-1]  # energy at and above each bin
    total = above[0]
    if total <= 0:
        return None
    freqs = np.fft.rfftfreq(BAND_FRAME, 1 / sr)
    return float(freqs[np.argmax(above < BAND_ENERGY_FLOOR * total)] or freqs[-1])


@lru_cache(maxsize=4)
def _hann(n: int) -> np.ndarray:
    return np.hanning(n + 1)[:-1].astype(np.float32)  # periodic, as spectral estimates use


def input_warnings(
    wave: np.ndarray, sr: int, source_sr: int | None, model_band_hz: float
) -> list[str]:
    """Warnings (``<code>: <why>``) about input narrower than the model's training band: a file sampled below
    twice the model's band, or content band-limited inside a higher rate (an 8 kHz call
    resampled into a 16 kHz file, scored by a wideband model). A model trained on the telephone
    band (``model_band_hz`` 3400) takes 8 kHz calls without a warning."""
    if source_sr is not None and source_sr / 2 < BAND_SHARE * model_band_hz:
        return [
            f"low-rate: input sampled at {source_sr} Hz, too low for the "
            f"{model_band_hz / 1000:.1f} kHz band the model was trained on, so the verdict is "
            "outside its training conditions"
        ]
    band = effective_band(wave, sr)
    if band is not None and band < BAND_SHARE * model_band_hz:
        return [
            f"band-limited: content ends near {band / 1000:.1f} kHz, below the "
            f"{model_band_hz / 1000:.1f} kHz band the model was trained on, so the verdict is "
            "outside its training conditions"
        ]
    return []
