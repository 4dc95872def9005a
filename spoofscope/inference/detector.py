"""The ``Detector`` API: load a model once, score files or arrays, get a verdict.

>>> from spoofscope import Detector
>>> det = Detector.load("default")
>>> result = det.score("call.wav")
>>> result.verdict, result.score, result.p_spoof

Scores follow the project contract: higher = more bona fide. ``p_spoof`` comes from the logistic
calibration stored in the model card (fitted on the model's dev split); a model without one falls
back to a unit-slope logistic centred on its threshold and says so in ``calibrated``.

Every source goes through :mod:`spoofscope.audio.io`'s one validation (a file through ``load``,
samples through ``from_array``). A file longer than :attr:`Detector.block_over_seconds` is decoded
and scored in blocks, in memory that does not grow with its length, on the windows a whole-file
pass would score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from os import PathLike
from typing import Any, BinaryIO

import numpy as np
import torch

from spoofscope.audio.io import DEFAULT_LIMITS, BlockReader, Waveform, from_array, load
from spoofscope.errors import ConfigError, NonFiniteAudioError
from spoofscope.inference.device import for_inference
from spoofscope.inference.windows import window_outputs, window_scores
from spoofscope.models.card import ModelCard

VERDICTS = ("bonafide", "spoof", "uncertain", "too-short")

#: recordings shorter than this, in seconds, get the verdict ``too-short`` instead of a guess:
#: under about a syllable, the crop a model sees is one sound repeat-padded over and over, and
#: its score says little about the voice. Length only; whether there is speech is another check.
TOO_SHORT_SECONDS = 0.3

#: seconds of context either side of each piece the card's channel is applied to in the block
#: path, so that a filter's start-up transient falls outside what is kept: the telephone band's
#: Butterworth and soxr's filters settle within tens of milliseconds, and with 1 s the pieces
#: differ from the whole-file channel by 6e-8 at most (float32 rounding).
CHANNEL_MARGIN_SECONDS = 1


@dataclass
class Detection:
    """One scored recording.

    Attributes:
        score: mean window score, higher = more bona fide.
        p_spoof: probability of spoof in [0, 1].
        verdict: ``bonafide``, ``spoof``, ``uncertain`` (inside the band around the threshold) or
            ``too-short`` (under :data:`TOO_SHORT_SECONDS`; score and p_spoof are still given).
        threshold: the model's decision threshold on ``score``.
        duration: seconds of audio scored.
        window_scores: score of each window (one for recordings shorter than the model's crop).
        quality: loader flags such as ``silent`` or ``clipped``.
        calibrated: whether p_spoof comes from a fitted calibration.
        source: file name, or ``<array>``.
    """

    score: float
    p_spoof: float
    verdict: str
    threshold: float
    duration: float
    window_scores: list[float] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)
    calibrated: bool = False
    source: str = "<array>"

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
        batch_windows: how many windows go through the model at once.
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
        batch_windows: int = 16,
    ) -> None:
        if not 0 <= uncertain_band < 0.5:
            raise ConfigError("uncertain_band", f"must be in [0, 0.5), got {uncertain_band}")
        self.model = for_inference(model, device)
        self.device = device
        self.uncertain_band = uncertain_band
        self.batch_windows = batch_windows
        if not isinstance(card, ModelCard):  # a card built in code: validated like one read
            card = ModelCard.parse(card, "card")
        self.card = card
        self.sample_rate = card.input.sample_rate
        self.crop = card.input.crop_samples
        # A model trained on one channel (LocalSpoof: the telephone band) is only meaningful on
        # it, so its card may name a codec of spoofscope.audio.channel applied before scoring.
        self.channel = card.input.channel
        self.threshold = card.threshold if card.threshold is not None else 0.0
        self.calibrated = card.calibrated
        # Fallback: unit slope, centred on the threshold, so p_spoof = 0.5 at the threshold.
        self._a = card.calibration.a if card.calibration else 1.0
        self._b = card.calibration.b if card.calibration else -self.threshold

    @classmethod
    def load(cls, spec: str | PathLike = "default", **kwargs: Any) -> Detector:
        """Load ``default``, a pretrained name (``aasist-19la``), a checkpoint or run directory."""
        from spoofscope.inference.resolve import load_model

        model, card = load_model(spec)
        return cls(model, card, **kwargs)

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

    # -- scoring -----------------------------------------------------------------------------------

    def score_windows(self, wave: np.ndarray) -> np.ndarray:
        """Scores of the model's windows over a mono waveform at the model's rate."""
        return window_scores(self.model, wave, self.crop, self.device, self.batch_windows)

    def score(
        self,
        source: str | PathLike | bytes | BinaryIO | np.ndarray | Waveform | torch.Tensor,
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
            The :class:`Detection`; its verdict is ``too-short`` under :data:`TOO_SHORT_SECONDS`.

        Raises:
            AudioError subclasses for a recording that cannot be used (unreadable, not audio,
            NaN, outside the limits) and NonFiniteAudioError when the model's score on it is not
            finite; ConfigError for samples without ``sr``.
        """
        limits = replace(DEFAULT_LIMITS, max_duration=max_seconds)
        if isinstance(source, str | PathLike):
            reader = BlockReader(source, self.sample_rate, limits, self.block_seconds)
            if reader.streamable and (reader.duration or 0.0) > self.block_over_seconds:
                per_window = self._score_blocks(reader)
                return self._detection(per_window, reader.length, reader.quality, reader.path)
        if isinstance(source, str | PathLike | bytes) or hasattr(source, "read"):
            wave = load(source, sr=self.sample_rate, limits=limits)  # type: ignore[arg-type]
        else:
            wave = from_array(source, sr, target_sr=self.sample_rate, limits=limits)
        samples = np.asarray(wave)
        if self.channel:
            from spoofscope.audio.channel import apply_codec

            samples = apply_codec(samples, self.sample_rate, self.channel)
        per_window = self.score_windows(samples)
        return self._detection(per_window, wave.shape[-1], wave.quality, wave.path)

    @torch.inference_mode()
    def _score_blocks(self, reader: BlockReader) -> np.ndarray:
        """Window scores of a file read in blocks: the windows :func:`score_windows` scores on the
        whole file, batched as it batches them, so the scores are the same."""
        blocks: Iterable[np.ndarray] = reader
        if self.channel:
            blocks = _channel_in_pieces(blocks, self.sample_rate, self.channel, self.block_seconds)
        scores, batch = [], []
        for window in _stream_windows(blocks, self.crop):
            batch.append(window)
            if len(batch) == self.batch_windows:
                scores.append(self._score_batch(batch))
                batch = []
        if batch:
            scores.append(self._score_batch(batch))
        return np.concatenate(scores)

    def _score_batch(self, windows: list[np.ndarray]) -> np.ndarray:
        # Each window is exactly one crop (or a whole short recording, which window_outputs
        # repeat-pads), so window_outputs scores them as they are: one path to the model.
        out, _ = window_outputs(self.model, windows, self.crop, self.device, self.batch_windows)
        return out.numpy()

    def _detection(
        self, per_window: np.ndarray, length: int, quality: frozenset[str], name: str
    ) -> Detection:
        """The :class:`Detection` of ``length`` samples at the model's rate from their window scores."""
        if not np.isfinite(per_window).all():
            # A NaN score would print as "nan" and break --json; it is an error on this file.
            raise NonFiniteAudioError(name, "the model's score is not finite")
        score = float(per_window.mean())
        duration = length / self.sample_rate
        return Detection(
            score=score,
            p_spoof=self.p_spoof(score),
            verdict="too-short" if duration < TOO_SHORT_SECONDS else self.verdict(score),
            threshold=self.threshold,
            duration=duration,
            window_scores=[float(s) for s in per_window],
            quality=sorted(quality),
            calibrated=self.calibrated,
            source=name,
        )


def _stream_windows(blocks: Iterable[np.ndarray], length: int) -> Iterator[np.ndarray]:
    """The windows :func:`spoofscope.inference.windows.windows` cuts from ``blocks`` put end to
    end, without holding them: ``length`` samples at half-overlap, the last aligned to the end;
    a recording no longer than ``length`` is yielded whole (for the caller to repeat-pad)."""
    hop = length // 2
    buf, base, start = np.zeros(0, np.float32), 0, 0  # buf: samples [base, base + len(buf))
    for block in blocks:
        buf = np.concatenate([buf, block])
        while base + buf.shape[0] >= start + length:
            yield buf[start - base : start - base + length]
            start += hop
        # Keep what the next window needs, and the last `length` samples for an end window.
        keep = max(base, min(start, base + buf.shape[0] - length))
        buf, base = buf[keep - base :], keep
    end = base + buf.shape[0]
    if start == 0:
        yield buf
    elif start - hop + length < end:
        yield buf[buf.shape[0] - length :]


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
