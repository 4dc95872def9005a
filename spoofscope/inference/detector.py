"""The ``Detector`` API: load a model once, score files or arrays, get a verdict.

>>> from spoofscope import Detector
>>> det = Detector.load("default")
>>> result = det.score("call.wav")
>>> result.verdict, result.score, result.p_spoof, result.suspicious

Scores follow the project contract: higher = more bona fide. ``p_spoof`` comes from the logistic
calibration stored in the model card (fitted on the model's dev split); a model without one falls
back to a unit-slope logistic centred on its threshold and says so in ``calibrated``.

A recording is cut into windows (the model's crop by default, end to end); each window's
score and p_spoof form the ``timeline``, and an aggregate of them (mean by default) is the
recording's score. A voice-activity check runs first: a recording without speech gets the verdict
``no-speech`` rather than a confident guess, and the timeline marks windows without speech.

Every source goes through :mod:`spoofscope.audio.io`'s one validation (a file through ``load``,
samples through ``from_array``). A file longer than :attr:`Detector.block_over_seconds` is decoded
and scored in blocks, in memory that does not grow with its length, on the windows a whole-file
pass would score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from os import PathLike
from typing import Any, BinaryIO

import numpy as np
import torch

from spoofscope.audio.channel import CHANNEL_BANDS
from spoofscope.audio.io import DEFAULT_LIMITS, BlockReader, Waveform, from_array, load
from spoofscope.audio.vad import VAD_RATE, SpeechActivity, SpeechTracker, speech_activity
from spoofscope.errors import ConfigError, NonFiniteAudioError, SpoofscopeError
from spoofscope.inference.device import for_inference
from spoofscope.inference.timeline import (
    BAND_SECONDS,
    Segment,
    aggregate,
    check_aggregate,
    input_warnings,
    most_suspicious,
)
from spoofscope.inference.windows import mean_per_recording, window_outputs, window_starts
from spoofscope.models.card import ModelCard

VERDICTS = ("bonafide", "spoof", "uncertain", "too-short", "no-speech")
#: where a model runs: torch, or ONNX Runtime (``spoofscope.inference.onnx_model``)
BACKENDS = ("torch", "onnx")

#: recordings shorter than this, in seconds, get the verdict ``too-short`` instead of a guess:
#: under about a syllable, the crop a model sees is one sound repeat-padded over and over, and
#: its score says little about the voice. Length only; whether there is speech is the VAD's call.
TOO_SHORT_SECONDS = 0.3

#: seconds of context either side of each piece the card's channel is applied to in the block
#: path, so that a filter's start-up transient falls outside what is kept: the telephone band's
#: Butterworth and soxr's filters settle within tens of milliseconds, and with 1 s the pieces
#: differ from the whole-file channel by 6e-8 at most (float32 rounding).
CHANNEL_MARGIN_SECONDS = 1

#: what ``Detection.warnings`` says of a model without fitted calibration
UNCALIBRATED = (
    "uncalibrated: the model has no fitted calibration, so p_spoof is a unit-slope logistic "
    "around its threshold, not a probability measured on data"
)

Source = str | PathLike | bytes | BinaryIO | np.ndarray | Waveform | torch.Tensor


@dataclass
class Detection:
    """One scored recording.

    Attributes:
        score: the aggregate of the window scores (higher = more bona fide).
        p_spoof: probability of spoof in [0, 1].
        verdict: ``bonafide``, ``spoof``, ``uncertain`` (inside the band around the threshold),
            ``too-short`` (under :data:`TOO_SHORT_SECONDS`) or ``no-speech`` (the voice-activity
            check found none); score and p_spoof are given for every verdict.
        threshold: the model's decision threshold on ``score``.
        duration: seconds of audio scored.
        timeline: one :class:`Segment` per window.
        suspicious: the lowest-scoring window with speech.
        aggregate: how the window scores became ``score`` (``mean``, ``min``, ``top-3``...).
        speech_seconds: seconds of speech the voice-activity check found (None: not run).
        quality: loader flags such as ``silent`` or ``clipped``.
        warnings: what puts the verdict in context (no calibration, input narrower than the
            model's training band).
        calibrated: whether p_spoof comes from a fitted calibration.
        source: file name, or ``<array>``.
    """

    score: float
    p_spoof: float
    verdict: str
    threshold: float
    duration: float
    timeline: list[Segment] = field(default_factory=list)
    suspicious: Segment | None = None
    aggregate: str = "mean"
    speech_seconds: float | None = None
    quality: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    calibrated: bool = False
    source: str = "<array>"

    @property
    def window_scores(self) -> list[float]:
        """The score of each window of the timeline, in order."""
        return [s.score for s in self.timeline]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Detector:
    """A loaded countermeasure with its threshold, calibration and windowing.

    Args:
        model: a model following the spoofscope contract (waveform in, ``score(wave) -> [B]``).
        card: its model card (threshold, calibration, input contract).
        uncertain_band: half-width, in probability, of the band around the threshold's p_spoof
            where the verdict is ``uncertain`` (0 disables it).
        device: torch device to run on.
        batch_windows: how many model inputs go through the model at once. 4, not more: at 16 a
            third of the default model's time went to page faults on its large activations.
        window_s: seconds per timeline window (None: the model's crop). A window longer than the
            crop is scored as a recording of that length is: its crops at half-overlap, averaged.
        hop_s: seconds between window starts (None: a whole window, no overlap).
        aggregate: ``mean``, ``min`` or ``top-k`` (see :mod:`spoofscope.inference.timeline`).
        top_k: k of ``top-k``.
        vad: run the voice-activity check (``no-speech`` verdicts, speech marks on the timeline).

    Raises:
        ConfigError: a parameter out of range.
    """

    #: files longer than this, in seconds (by their header), are decoded and scored in blocks
    block_over_seconds: float = 60.0
    #: seconds decoded at a time in the block path, and the length of the pieces the card's
    #: channel is applied to there (whole seconds: a channel that resamples keeps its phase)
    block_seconds: int = 30

    def __init__(
        self,
        model: torch.nn.Module,
        card: ModelCard | dict[str, Any],
        uncertain_band: float = 0.1,
        device: str = "cpu",
        batch_windows: int = 4,
        window_s: float | None = None,
        hop_s: float | None = None,
        aggregate: str = "mean",
        top_k: int = 3,
        vad: bool = True,
    ) -> None:
        if not 0 <= uncertain_band < 0.5:
            raise ConfigError("uncertain_band", f"must be in [0, 0.5), got {uncertain_band}")
        if batch_windows < 1:
            raise ConfigError("batch_windows", f"must be at least 1, got {batch_windows}")
        check_aggregate(aggregate, top_k)
        self.model = for_inference(model, device)
        self.device = device
        self.uncertain_band = uncertain_band
        self.batch_windows = batch_windows
        if not isinstance(card, ModelCard):  # a card built in code: validated like one read
            card = ModelCard.parse(card, "card")
        self.card = card
        self.sample_rate = card.input.sample_rate
        self.crop = card.input.crop_samples
        self.window = self._samples("window_s", window_s, self.crop)
        self.hop = self._samples("hop_s", hop_s, self.window)
        self.aggregate = aggregate
        self.top_k = top_k
        self.vad = vad and self.sample_rate == VAD_RATE
        # A model trained on one channel (LocalSpoof: the telephone band) is only meaningful on
        # it, so its card may name a codec of spoofscope.audio.channel applied before scoring.
        self.channel = card.input.channel
        self.model_band = CHANNEL_BANDS.get(self.channel or "", self.sample_rate / 2)
        self.threshold = card.threshold if card.threshold is not None else 0.0
        self.calibrated = card.calibrated
        # Fallback: unit slope, centred on the threshold, so p_spoof = 0.5 at the threshold.
        self._a = card.calibration.a if card.calibration else 1.0
        self._b = card.calibration.b if card.calibration else -self.threshold

    def _samples(self, key: str, seconds: float | None, default: int) -> int:
        if seconds is None:
            return default
        if not seconds > 0 or not math.isfinite(seconds):
            raise ConfigError(key, f"must be a positive number of seconds, got {seconds}")
        return max(1, round(seconds * self.sample_rate))

    @classmethod
    def load(
        cls, spec: str | PathLike = "default", backend: str = "torch", **kwargs: Any
    ) -> Detector:
        """Load ``default``, a pretrained name (``aasist-19la``), a checkpoint or run directory,
        or an exported ``MODEL.onnx``.

        Args:
            spec: what to load.
            backend: ``torch``, or ``onnx`` to run a torch checkpoint through ONNX Runtime (it
                is exported first, in seconds); an ``.onnx`` file always runs in ONNX Runtime.
            **kwargs: the Detector's options.

        Raises:
            CheckpointError: the spec names nothing loadable.
            ConfigError: an unknown backend.
        """
        from spoofscope.inference.resolve import load_model

        if backend not in BACKENDS:
            raise ConfigError(
                "backend", f"unknown {backend!r}; choose one of {', '.join(BACKENDS)}"
            )
        model, card = load_model(spec)
        if backend == "onnx":
            from spoofscope.inference.onnx_model import OnnxCountermeasure, as_onnx

            if not isinstance(model, OnnxCountermeasure):
                model = as_onnx(model, card)
        return cls(model, card, **kwargs)

    @property
    def aggregate_name(self) -> str:
        return f"top-{self.top_k}" if self.aggregate == "top-k" else self.aggregate

    # -- probabilities and verdicts ----------------------------------------------------------------

    def p_spoof(self, score: float) -> float:
        """Probability of spoof for a score: ``1 - sigmoid(a * score + b)``."""
        z = self._a * score + self._b
        return 1.0 / (1.0 + math.exp(z)) if z > -700 else 1.0

    def verdict(self, score: float) -> str:
        """``bonafide`` at or above the threshold, ``spoof`` below, ``uncertain`` near it."""
        if abs(self.p_spoof(score) - self.p_spoof(self.threshold)) < self.uncertain_band:
            return "uncertain"
        return "bonafide" if score >= self.threshold else "spoof"

    def recording_verdict(self, score: float, seconds: float, heard: bool | None) -> str:
        """The verdict of a recording (or a stream so far) of ``seconds``: ``too-short`` under
        the minimum, ``no-speech`` when the voice-activity check ran and heard none (``heard``
        False; None when it did not run), else :meth:`verdict` of its aggregate ``score``."""
        if seconds < TOO_SHORT_SECONDS:
            return "too-short"
        if heard is not None and not heard:
            return "no-speech"
        return self.verdict(score)

    # -- scoring -----------------------------------------------------------------------------------

    @torch.inference_mode()
    def score_excerpts(self, excerpts: Sequence[np.ndarray]) -> np.ndarray:
        """Score of each excerpt, scored as a recording of its length is: one crop, repeat-padded
        when shorter, or the mean of its crops at half-overlap when longer. The one path from
        samples to a window's score, for the timeline, the block path and the stream."""
        if not excerpts:
            return np.zeros(0)
        out, owner = window_outputs(
            self.model, excerpts, self.crop, self.device, self.batch_windows
        )
        return mean_per_recording(out.numpy(), owner, len(excerpts))

    def score_windows(self, wave: np.ndarray) -> np.ndarray:
        """Scores of the timeline windows over a mono waveform at the model's rate."""
        n = wave.shape[0]
        return self.score_excerpts(
            [wave[s : s + self.window] for s in window_starts(n, self.window, self.hop)]
        )

    def score(
        self,
        source: Source,
        sr: int | None = None,
        *,
        max_seconds: float | None = DEFAULT_LIMITS.max_duration,
    ) -> Detection:
        """Score one recording.

        Args:
            source: a file path, encoded bytes or a binary file object; or samples: a numpy array,
                a torch tensor or a loaded :class:`Waveform`, ``[T]``, ``[C, T]`` or ``[T, C]``,
                float or integer PCM (see :func:`spoofscope.audio.io.from_array`).
            sr: sample rate of samples (a Waveform carries its own); ignored for files.
            max_seconds: the longest recording accepted, in seconds (None: no limit). A file
                longer than :attr:`block_over_seconds` is scored in blocks, so raising the limit
                does not raise the memory a long file takes.

        Returns:
            The :class:`Detection`.

        Raises:
            AudioError subclasses for a recording that cannot be used (unreadable, not audio,
            NaN, outside the limits) and NonFiniteAudioError when the model's score on it is not
            finite; ConfigError for samples without ``sr``.
        """
        limits = replace(DEFAULT_LIMITS, max_duration=max_seconds)
        if isinstance(source, str | PathLike):
            reader = BlockReader(source, self.sample_rate, limits, self.block_seconds)
            if reader.streamable and (reader.duration or 0.0) > self.block_over_seconds:
                return self._score_blocks(reader)
        return self._detect([self._read(source, sr, limits)])[0]

    def score_batch(
        self,
        items: Iterable[Source],
        sr: int | None = None,
        *,
        max_seconds: float | None = DEFAULT_LIMITS.max_duration,
    ) -> list[Detection | SpoofscopeError]:
        """Score several recordings, their windows batched together through the model.

        Returns one entry per item, in order: its :class:`Detection`, or the error that made it
        unusable (an AudioError), so one bad file costs only its own entry. Recordings longer than
        :attr:`block_over_seconds` go through :meth:`score` one at a time.
        """
        limits = replace(DEFAULT_LIMITS, max_duration=max_seconds)
        results: list[Detection | SpoofscopeError | None] = []
        waves: list[Waveform] = []
        places: list[int] = []
        for item in items:
            try:
                if isinstance(item, str | PathLike):
                    reader = BlockReader(item, self.sample_rate, limits, self.block_seconds)
                    if reader.streamable and (reader.duration or 0.0) > self.block_over_seconds:
                        results.append(self._score_blocks(reader))
                        continue
                waves.append(self._read(item, sr, limits))
                places.append(len(results))
                results.append(None)
            except SpoofscopeError as exc:
                results.append(exc)
        for place, outcome in zip(places, self._detect(waves, keep_errors=True), strict=True):
            results[place] = outcome
        return results  # type: ignore[return-value]

    def _read(self, source: Source, sr: int | None, limits: Any) -> Waveform:
        if isinstance(source, str | PathLike | bytes) or hasattr(source, "read"):
            return load(source, sr=self.sample_rate, limits=limits)  # type: ignore[arg-type]
        return from_array(source, sr, target_sr=self.sample_rate, limits=limits)

    def _detect(self, waves: Sequence[Waveform], keep_errors: bool = False) -> list[Any]:
        """Detections of whole recordings, their timeline windows scored in shared batches."""
        excerpts, owner = [], []
        prepared = []
        for i, wave in enumerate(waves):
            samples = np.asarray(wave)
            activity = speech_activity(samples, self.sample_rate) if self.vad else None
            coded = self._apply_channel(samples)
            starts = window_starts(coded.shape[0], self.window, self.hop)
            excerpts += [coded[s : s + self.window] for s in starts]
            owner += [i] * len(starts)
            prepared.append((wave, samples, activity, starts))
        scores = self.score_excerpts(excerpts)
        owner_arr = np.asarray(owner, dtype=np.int64)
        out: list[Any] = []
        for i, (wave, samples, activity, starts) in enumerate(prepared):
            try:
                out.append(
                    self._detection(
                        scores[owner_arr == i],
                        starts,
                        wave.shape[-1],
                        activity,
                        wave.quality,
                        wave.path,
                        input_warnings(samples, self.sample_rate, wave.source_sr, self.model_band),
                    )
                )
            except SpoofscopeError as exc:
                if not keep_errors:
                    raise
                out.append(exc)
        return out

    def _apply_channel(self, samples: np.ndarray) -> np.ndarray:
        if not self.channel:
            return samples
        from spoofscope.audio.channel import apply_codec

        return apply_codec(samples, self.sample_rate, self.channel)

    def _score_blocks(self, reader: BlockReader) -> Detection:
        """The detection of a file read in blocks: the windows :meth:`score` cuts from the whole
        file, batched as it batches them, so the scores are the same, in memory bounded by a
        block (the speech probabilities kept are 31 numbers a second)."""
        tracker = SpeechTracker() if self.vad else None
        probs: list[np.ndarray] = []
        head: list[np.ndarray] = []  # the first block, for the band check

        def watched(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
            for block in blocks:
                if not head:
                    head.append(block[: BAND_SECONDS * self.sample_rate])
                if tracker is not None:
                    probs.append(tracker.feed(block))
                yield block

        blocks: Iterable[np.ndarray] = watched(reader)
        if self.channel:
            blocks = _channel_in_pieces(blocks, self.sample_rate, self.channel, self.block_seconds)
        scores, starts, batch = [], [], []
        for start, excerpt in stream_windows(blocks, self.window, self.hop):
            starts.append(start)
            batch.append(excerpt)
            if len(batch) == self.batch_windows:
                scores.append(self.score_excerpts(batch))
                batch = []
        if batch:
            scores.append(self.score_excerpts(batch))
        activity = None
        if tracker is not None:
            probs.append(tracker.flush())
            activity = SpeechActivity(np.concatenate(probs))
        warnings = input_warnings(
            head[0] if head else np.zeros(0), self.sample_rate, reader.source_sr, self.model_band
        )
        return self._detection(
            np.concatenate(scores),
            starts,
            reader.length,
            activity,
            reader.quality,
            reader.path,
            warnings,
        )

    def _detection(
        self,
        per_window: np.ndarray,
        starts: Sequence[int],
        length: int,
        activity: SpeechActivity | None,
        quality: frozenset[str],
        name: str,
        warnings: list[str],
    ) -> Detection:
        """The :class:`Detection` of ``length`` samples from the scores of its windows."""
        if not np.isfinite(per_window).all():
            # A NaN score would print as "nan" and break --json; it is an error on this file.
            raise NonFiniteAudioError(name, "the model's score is not finite")
        sr = self.sample_rate
        speech = None
        if activity is not None:
            speech = [activity.speech_in(s / sr, min(s + self.window, length) / sr) for s in starts]
        timeline = [
            Segment(
                s / sr, min(s + self.window, length) / sr, float(v), self.p_spoof(float(v)), flag
            )
            for s, v, flag in zip(starts, per_window, speech or [None] * len(starts), strict=True)
        ]
        score = aggregate(per_window, self.aggregate, self.top_k)
        duration = length / sr
        verdict = self.recording_verdict(
            score, duration, None if activity is None else activity.has_speech
        )
        return Detection(
            score=score,
            p_spoof=self.p_spoof(score),
            verdict=verdict,
            threshold=self.threshold,
            duration=duration,
            timeline=timeline,
            suspicious=most_suspicious(timeline),
            aggregate=self.aggregate_name,
            speech_seconds=None if activity is None else activity.speech_seconds,
            quality=sorted(quality),
            # Context about the input qualifies a verdict; no-speech and too-short have none.
            warnings=([] if self.calibrated else [UNCALIBRATED])
            + (warnings if verdict not in ("no-speech", "too-short") else []),
            calibrated=self.calibrated,
            source=name,
        )


def stream_windows(
    blocks: Iterable[np.ndarray], length: int, hop: int
) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, excerpt)`` of the windows :func:`~spoofscope.inference.windows.window_starts`
    places over ``blocks`` put end to end, without holding them: every ``hop``, the last aligned
    to the end; a recording no longer than ``length`` is yielded whole (its score repeat-pads it).
    """
    buf, base, start = np.zeros(0, np.float32), 0, 0  # buf: samples [base, base + len(buf))
    for block in blocks:
        buf = np.concatenate([buf, block])
        while base + buf.shape[0] >= start + length:
            yield start, buf[start - base : start - base + length]
            start += hop
        # Keep what the next window needs, and the last `length` samples for an end window.
        keep = max(base, min(start, base + buf.shape[0] - length))
        buf, base = buf[keep - base :], keep
    end = base + buf.shape[0]
    if start == 0:
        yield 0, buf
    elif start - hop + length < end:
        yield end - length, buf[buf.shape[0] - length :]


def _channel_in_pieces(
    blocks: Iterable[np.ndarray], sr: int, codec: str, seconds: int
) -> Iterator[np.ndarray]:
    """``blocks`` put end to end and passed through ``codec`` in pieces of ``seconds``, each coded
    with :data:`CHANNEL_MARGIN_SECONDS` of context either side of which only the piece is kept.

    A recording no longer than one piece and its margin is coded in one go, as the whole-file
    path codes it; pieces start on whole seconds, so a channel that resamples (the telephone
    band's 8 kHz) samples them with the same phase as it samples the whole file.
    """
    from spoofscope.audio.channel import apply_codec

    piece, margin = max(1, int(seconds)) * sr, CHANNEL_MARGIN_SECONDS * sr
    buf, base, start = np.zeros(0, np.float32), 0, 0  # buf: samples [base, base + len(buf))

    def coded(stop: int, end: int) -> np.ndarray:
        lo, hi = max(base, start - margin), min(end, stop + margin)
        return apply_codec(buf[lo - base : hi - base], sr, codec)[start - lo : stop - lo]

    for block in blocks:
        buf = np.concatenate([buf, block])
        while base + buf.shape[0] >= start + piece + margin:
            yield coded(start + piece, base + buf.shape[0])
            start += piece
        keep = max(base, start - margin)
        buf, base = buf[keep - base :], keep
    end = base + buf.shape[0]
    while start < end:
        stop = min(start + piece, end)
        yield coded(stop, end)
        start = stop
