"""Scoring audio that is still arriving: one update per hop, in memory that does not grow.

>>> from spoofscope import Detector, StreamingDetector
>>> stream = StreamingDetector(Detector.load("default", hop_s=0.5), rate=8000)
>>> for chunk in call_audio_chunks():          # any sizes, at 8 kHz
...     for update in stream.feed(chunk):
...         print(update.end_s, update.p_spoof, update.running_p_spoof)
>>> final = stream.close()                      # the end-aligned last window, if any

The stream scores the windows the Detector's offline timeline scores, where it scores them
(:func:`~spoofscope.inference.windows.window_starts`: every hop, the last aligned to the end),
through the same :meth:`Detector.score_excerpts`, so each update equals the offline score of
that window and the final running aggregate equals the offline score of the whole recording.
Two things make that hold:

- a model whose card names a channel (the shipped default: the telephone band) has it applied
  to each window with context either side, starting on a whole second so a channel that
  resamples keeps its phase; a window is therefore scored :data:`LOOKAHEAD_SECONDS` after it
  ends, when that context has arrived (with 0.1 s of context the window equals the whole-file
  channel to 3e-7);
- the running aggregate keeps only what it needs: a sum and count for the mean, the k lowest
  scores for ``min`` and ``top-k``.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from spoofscope.audio.vad import SpeechTracker
from spoofscope.errors import ConfigError
from spoofscope.inference.detector import Detector
from spoofscope.inference.windows import window_starts

#: seconds of audio after a window's end the stream waits for when the model's card names a
#: channel, so the channel sees context past the window as it does in the whole recording
LOOKAHEAD_SECONDS = 0.25


@dataclass(frozen=True)
class StreamUpdate:
    """What the stream knows after scoring one more window.

    Attributes:
        start_s, end_s: the window, in seconds from the start of the stream.
        score, p_spoof: the window's score and probability of spoof.
        speech: whether the window holds speech (None: no voice-activity check).
        running_score, running_p_spoof: the aggregate of every window so far.
        verdict: the verdict the running aggregate gives (``no-speech`` while none was heard).
        latency_ms: milliseconds from the arrival of the audio that completed the window to the
            update (the model's time and the stream's own, not the lookahead).
        final: True for the end-aligned window :meth:`StreamingDetector.close` adds.
    """

    start_s: float
    end_s: float
    score: float
    p_spoof: float
    speech: bool | None
    running_score: float
    running_p_spoof: float
    verdict: str
    latency_ms: float
    final: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunningAggregate:
    """The Detector's aggregate of a growing list of window scores, in constant memory."""

    def __init__(self, name: str, k: int) -> None:
        self.name, self.k = name, 1 if name == "min" else k
        self.total, self.count = 0.0, 0
        self._lowest: list[float] = []  # max-heap (negated) of the k lowest scores

    def add(self, score: float) -> float:
        self.total += score
        self.count += 1
        if len(self._lowest) < self.k:
            heapq.heappush(self._lowest, -score)
        elif score < -self._lowest[0]:
            heapq.heapreplace(self._lowest, -score)
        return self.value

    @property
    def value(self) -> float:
        if self.name == "mean":
            return self.total / self.count
        return float(np.mean([-s for s in self._lowest]))


class StreamingDetector:
    """Feed chunks of a recording as they arrive; get one :class:`StreamUpdate` per window.

    Args:
        detector: the loaded Detector; its window, hop, aggregate and voice-activity setting
            are the stream's.
        rate: sample rate of the chunks (resampled to the model's rate as they arrive).

    Raises:
        ConfigError: a rate that is not a positive integer.
    """

    def __init__(self, detector: Detector, rate: int | None = None) -> None:
        self.detector = detector
        self.sr = detector.sample_rate
        self.rate = self.sr if rate is None else rate
        if not isinstance(self.rate, int) or self.rate <= 0:
            raise ConfigError("rate", f"must be a positive number of Hz, got {rate}")
        self.window, self.hop = detector.window, detector.hop
        self.lookahead = math.ceil(LOOKAHEAD_SECONDS * self.sr) if detector.channel else 0
        self._resampler = None
        if self.rate != self.sr:
            import soxr

            self._resampler = soxr.ResampleStream(self.rate, self.sr, 1, dtype="float32")
        self._buf = np.zeros(0, np.float32)  # samples [base, base + len(buf)) of the stream
        self._base = 0
        self._next = 0  # start of the next window to score
        self._tracker = SpeechTracker() if detector.vad else None
        self._probs = np.zeros(0, np.float32)  # speech probabilities from frame _probs_base on
        self._probs_base = 0
        self._heard = False
        self._aggregate = RunningAggregate(detector.aggregate, detector.top_k)
        self.closed = False

    @property
    def samples(self) -> int:
        """Samples received so far, at the model's rate."""
        return self._base + self._buf.shape[0]

    def feed(self, chunk: np.ndarray) -> list[StreamUpdate]:
        """Add samples (mono, float in [-1, 1] or int16 PCM) and score every window they
        complete. Returns the updates, oldest first (none until a window and its lookahead
        have arrived)."""
        if self.closed:
            raise ConfigError("stream", "feed() after close()")
        arrived = time.perf_counter()
        samples = _as_float(chunk)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        self._append(samples)
        updates = []
        while self._next + self.window + self.lookahead <= self.samples:
            updates.append(self._score(self._next, self._next + self.window, arrived))
            self._next += self.hop
        self._trim()
        return updates

    def close(self) -> list[StreamUpdate]:
        """End the stream: score what the offline timeline scores and the hops have not, the
        end-aligned last window (or, for a stream shorter than a window, all of it)."""
        if self.closed:
            return []
        self.closed = True
        arrived = time.perf_counter()
        if self._resampler is not None:
            self._append(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        if self._tracker is not None:
            self._add_probs(self._tracker.flush())
        n = self.samples
        if n == 0:
            return []  # nothing arrived: nothing to score
        # Windows on the hop grid before _next were scored as they arrived; the rest of the
        # offline windows (those whose lookahead never came, and the end-aligned one) now.
        pending = [
            start
            for start in window_starts(n, self.window, self.hop)
            if not (start < self._next and start % self.hop == 0)
        ]
        return [self._score(s, min(s + self.window, n), arrived, final=True) for s in pending]

    # -- internals ---------------------------------------------------------------------------------

    def _append(self, samples: np.ndarray) -> None:
        if self._tracker is not None:
            self._add_probs(self._tracker.feed(samples))
        self._buf = np.concatenate([self._buf, samples])

    def _add_probs(self, probs: np.ndarray) -> None:
        self._probs = np.concatenate([self._probs, probs])

    def _trim(self) -> None:
        """Drop samples and speech frames no later window needs (the end window included)."""
        keep_from = min(self._next, self.samples - self.window)
        keep_from = max(self._base, self._context_start(keep_from))
        self._buf, self._base = self._buf[keep_from - self._base :], keep_from
        frame = self._tracker_frame_seconds()
        if frame:
            first = max(self._probs_base, int(keep_from / self.sr / frame) - 1)
            self._probs = self._probs[first - self._probs_base :]
            self._probs_base = first

    def _tracker_frame_seconds(self) -> float:
        from spoofscope.audio.vad import FRAME, VAD_RATE

        return FRAME / VAD_RATE if self._tracker is not None else 0.0

    def _context_start(self, start: int) -> int:
        """Where the channel's input for a window starting at ``start`` begins: at least the
        lookahead before it, on a whole second (the block path's pieces start on whole seconds
        too, so a channel that resamples samples every path with the same phase)."""
        if not self.lookahead:
            return max(0, start)
        return max(0, (start - self.lookahead) // self.sr * self.sr)

    def _excerpt(self, start: int, end: int) -> np.ndarray:
        """The window's samples as the model sees them, the card's channel applied."""
        if not self.detector.channel:
            return self._buf[start - self._base : end - self._base]
        lo = max(self._base, self._context_start(start))
        hi = min(self.samples, end + self.lookahead)
        coded = self.detector._apply_channel(self._buf[lo - self._base : hi - self._base])
        return coded[start - lo : end - lo]

    def _speech(self, start: int, end: int) -> bool | None:
        if self._tracker is None:
            return None
        from spoofscope.audio.vad import SpeechActivity

        frame = self._tracker_frame_seconds()
        activity = SpeechActivity(self._probs)
        offset = self._probs_base * frame
        speech = activity.speech_in(start / self.sr - offset, end / self.sr - offset)
        self._heard = self._heard or speech
        return speech

    def _score(self, start: int, end: int, arrived: float, final: bool = False) -> StreamUpdate:
        det = self.detector
        score = float(det.score_excerpts([self._excerpt(start, end)])[0])
        speech = self._speech(start, end)
        running = self._aggregate.add(score)
        heard = None if speech is None else self._heard
        verdict = det.recording_verdict(running, self.samples / self.sr, heard)
        return StreamUpdate(
            start_s=start / self.sr,
            end_s=end / self.sr,
            score=score,
            p_spoof=det.p_spoof(score),
            speech=speech,
            running_score=running,
            running_p_spoof=det.p_spoof(running),
            verdict=verdict,
            latency_ms=(time.perf_counter() - arrived) * 1000,
            final=final,
        )


def _as_float(chunk: np.ndarray) -> np.ndarray:
    """Mono float32 samples from a chunk of float or int16 PCM."""
    x = np.asarray(chunk)
    if x.dtype == np.int16:
        return (x.astype(np.float32) / 32768.0).reshape(-1)
    if x.dtype.kind != "f":
        raise ConfigError("chunk", f"samples must be float or int16 PCM, got {x.dtype}")
    return x.astype(np.float32, copy=False).reshape(-1)
