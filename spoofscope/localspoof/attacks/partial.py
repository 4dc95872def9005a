"""L14: partial spoofs, one vocoded stretch (a word or two) spliced into a bona fide recording.

A partial spoof keeps nearly all of a real recording: its voice, its channel, its level and its
silences. One stretch of 0.3-1 s is replaced by the same stretch re-synthesised with one of the
seen conversion attacks (WORLD, LPC, phase vocoder, PGHI), in the source's own gender, so that a
detector judging the whole file by its average has little to go on and one judging it window by
window (:mod:`spoofscope.inference.timeline`, ``aggregate: min``) should find the stretch. This is
the setting of the PartialSpoof corpus (Zhang et al., Interspeech 2021), built from local vocoders.

The stretch is placed from the plan and the source alone (:func:`spliced_span`), within the part
of the recording the common channel keeps (a stretch in a trimmed silence would leave no synthetic
speech in the file); the build lists where it lies in each stored file (``partial_spans.tsv``,
:func:`spoofscope.localspoof.rendering.render_with_span`). Its boundaries are moved
to the quietest frame near each end, as a splice at a word boundary would be, and joined with
short raised-cosine cross-fades; the stretch's RMS is matched to the audio it replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack
from spoofscope.localspoof.attacks.world import PYWORLD
from spoofscope.localspoof.chain import kept_range_s

WORK_SR = 16000
#: The conversions a stretch is drawn from: L13 (PGHI) and the seen conversions of v2's train,
#: each of which keeps a recording's length at 16 kHz (so the stretch lines up with what it
#: replaces).
INNER_ATTACKS = ("L06", "L08", "L12", "L13")
#: Shortest and longest stretch drawn, in seconds (one short word to a few).
SPAN_RANGE_S = (0.3, 1.0)
#: At most this share of a recording is replaced, so a one-word prompt stays mostly bona fide.
MAX_SHARE = 0.6
#: How far a boundary may move to the quietest 10-ms frame near it, in seconds.
SNAP_S = 0.08
#: Length of each cross-fade, in seconds.
FADE_S = 0.008
#: Real audio converted on each side of the stretch, so the vocoder's edge effects fall outside it.
CONTEXT_S = 0.25
#: Redraws of the inner plan to find one in the source's gender (each draw crosses with p = 0.5).
GENDER_TRIES = 16


def plan_inner(rng: np.random.Generator, source_gender: str) -> tuple[str, dict[str, Any]]:
    """Draw the inner conversion and its settings, keeping ``source_gender``.

    A spliced word in the other gender would be heard at once; attackers match the voice.
    """
    inner = INNER_ATTACKS[int(rng.integers(len(INNER_ATTACKS)))]
    attack = ATTACKS.get(inner)()
    settings = attack.plan(rng, source_gender)
    for _ in range(GENDER_TRIES):
        if settings["gender"] == source_gender:
            break
        settings = attack.plan(rng, source_gender)
    return inner, settings


def _frame_energy(wave: np.ndarray, frame: int) -> np.ndarray:
    """Mean power of each whole ``frame``-sample frame of ``wave``."""
    n = len(wave) // frame
    return np.square(wave[: n * frame].astype(np.float64)).reshape(n, frame).mean(axis=1)


def _snap(position: int, energy: np.ndarray, frame: int, reach: int) -> int:
    """``position`` moved to the centre of the quietest frame within ``reach`` samples of it."""
    lo = max(0, (position - reach) // frame)
    hi = min(len(energy), (position + reach) // frame + 1)
    if hi <= lo:
        return position
    return int((lo + int(np.argmin(energy[lo:hi]))) * frame + frame // 2)


def spliced_span(wave: np.ndarray, settings: dict[str, Any]) -> tuple[int, int]:
    """Where the synthetic stretch lies in a recording, as samples [start, end) at 16 kHz.

    The stretch lies within the part of the recording the common channel keeps
    (:func:`~spoofscope.localspoof.chain.kept_range_s`): placed in a leading or trailing silence,
    it would be trimmed away and leave a spoof-labelled file with no synthetic speech.

    Args:
        wave: the bona fide recording at 16 kHz (its quiet frames place the boundaries).
        settings: the job's plan (``span_s``, ``position``).
    """
    lo_s, hi_s = kept_range_s(wave, WORK_SR)
    lo, hi = int(lo_s * WORK_SR), min(len(wave), int(hi_s * WORK_SR))
    frame = WORK_SR // 100
    length = int(min(settings["span_s"], MAX_SHARE * (hi - lo) / WORK_SR) * WORK_SR)
    start = lo + int(settings["position"] * (hi - lo - length))
    energy = _frame_energy(wave, frame)
    reach = int(SNAP_S * WORK_SR)
    a = int(np.clip(_snap(start, energy, frame, reach), lo, hi))
    b = int(np.clip(_snap(start + length, energy, frame, reach), a, hi))
    if b - a < length // 2:  # both ends snapped to the same pause: keep the stretch as drawn
        a, b = start, start + length
    return a, b


def _fade_weights(n: int, a: int, b: int, fade: int) -> np.ndarray:
    """Weight of the synthetic signal at each of ``n`` samples: 1 inside [a, b), raised-cosine
    ramps of ``fade`` samples centred on each boundary, 0 elsewhere."""
    w = np.zeros(n)
    w[a:b] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)
    for edge, rising in ((a, True), (b, False)):
        lo, hi = edge - fade // 2, edge - fade // 2 + fade
        idx = np.arange(lo, hi)
        ok = (idx >= 0) & (idx < n)
        w[idx[ok]] = ramp[ok] if rising else ramp[::-1][ok]
    return w


@ATTACKS.register("L14")
class PartialSpoofAttack(ConversionAttack):
    """A bona fide recording with one stretch re-synthesised by a seen conversion."""

    id = "L14"
    title = "partial spoof (vocoded stretch spliced into bona fide)"
    synthesizer = "splice"
    partial = True
    requires = (PYWORLD,)  # WORLD and LPC (its F0) need it; the others are librosa

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        inner, inner_settings = plan_inner(rng, source_gender)
        return {
            "inner": inner,
            "inner_settings": inner_settings,
            "span_s": round(float(rng.uniform(*SPAN_RANGE_S)), 3),
            "position": round(float(rng.uniform(0.0, 1.0)), 3),
            "gender": source_gender,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        out, out_sr, _ = self.convert_with_span(wave, sr, settings)
        return out, out_sr

    def convert_with_span(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int, tuple[float, float]]:
        x = resample(wave.astype(np.float32), sr, WORK_SR).astype(np.float64)
        a, b = spliced_span(x, settings)
        fade = int(FADE_S * WORK_SR)
        context = int(CONTEXT_S * WORK_SR)
        lo, hi = max(0, a - context), min(len(x), b + context)
        inner = ATTACKS.get(settings["inner"])()
        y, y_sr = inner.convert(x[lo:hi].astype(np.float32), WORK_SR, settings["inner_settings"])
        y = resample(np.asarray(y, dtype=np.float32), y_sr, WORK_SR).astype(np.float64)
        window = np.zeros(hi - lo)
        window[: min(len(y), hi - lo)] = y[: hi - lo]
        synthetic = np.zeros(len(x))
        synthetic[lo:hi] = window
        # Vocoders change level; the stretch should not stand out by loudness alone.
        real_rms = np.sqrt(np.mean(np.square(x[a:b])) + 1e-12)
        synth_rms = np.sqrt(np.mean(np.square(synthetic[a:b])) + 1e-12)
        synthetic *= real_rms / synth_rms
        w = _fade_weights(len(x), a, b, fade)
        out = (1.0 - w) * x + w * synthetic
        return out.astype(np.float32), WORK_SR, (a / WORK_SR, b / WORK_SR)
