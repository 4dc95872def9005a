"""The ``Detector`` API: load a model once, score files or arrays, get a verdict.

>>> from spoofscope import Detector
>>> det = Detector.load("default")
>>> result = det.score("call.wav")
>>> result.verdict, result.score, result.p_spoof

Scores follow the project contract: higher = more bona fide. ``p_spoof`` comes from the logistic
calibration stored in the model card (fitted on the model's dev split); a model without one falls
back to a unit-slope logistic centred on its threshold and says so in ``calibrated``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spoofscope.audio.io import Waveform, load, quality_flags, resample
from spoofscope.errors import ConfigError
from spoofscope.inference.windows import window_scores
from spoofscope.models.card import ModelCard

VERDICTS = ("bonafide", "spoof", "uncertain")


@dataclass
class Detection:
    """One scored recording.

    Attributes:
        score: mean window score, higher = more bona fide.
        p_spoof: probability of spoof in [0, 1].
        verdict: ``bonafide``, ``spoof`` or ``uncertain`` (inside the band around the threshold).
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
        self.model = model.to(device).eval()
        if hasattr(self.model, "fast"):
            self.model.fast = True  # AASIST's vectorised inference path (same outputs within 1e-4)
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
        self, source: str | PathLike | np.ndarray | bytes, sr: int | None = None
    ) -> Detection:
        """Score one recording.

        Args:
            source: a file path, encoded bytes, or a mono float waveform.
            sr: sample rate of an array ``source`` (required for arrays); ignored for files.

        Raises:
            AudioError subclasses for unreadable files; ConfigError for an array without ``sr``.
        """
        if isinstance(source, np.ndarray) and not isinstance(source, Waveform):
            if sr is None:
                raise ConfigError("sr", "an array needs its sample rate (sr=...)")
            wave = np.asarray(source, dtype=np.float32)
            if wave.ndim == 2:
                wave = wave.mean(axis=0 if wave.shape[0] < wave.shape[1] else 1)
            wave = resample(wave, sr, self.sample_rate)
            quality, name = quality_flags(wave), "<array>"
        else:
            wave = load(source, sr=self.sample_rate)
            quality = wave.quality
            name = str(source) if isinstance(source, str | PathLike | Path) else "<bytes>"
        if self.channel:
            from spoofscope.audio.channel import apply_codec

            wave = apply_codec(np.asarray(wave, dtype=np.float32), self.sample_rate, self.channel)
        per_window = self.score_windows(wave)
        score = float(per_window.mean())
        return Detection(
            score=score,
            p_spoof=self.p_spoof(score),
            verdict=self.verdict(score),
            threshold=self.threshold,
            duration=wave.shape[-1] / self.sample_rate,
            window_scores=[float(s) for s in per_window],
            quality=sorted(quality),
            calibrated=self.calibrated,
            source=name,
        )
