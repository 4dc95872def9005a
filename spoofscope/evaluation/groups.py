"""Errors of a scored split by group of trials: bona fide source, channel, and seconds of speech.

A pooled EER hides where a detector fails. LocalSpoof v2's eval holds bona fide recordings from
packages and recording chains training never shows (HF radio, an MP3 audiobook, one-syllable
Mandarin clips), so the figure that says whether a detector generalises to other people and
devices is, for each bona fide source, the share of its files rejected at the split's overall EER
threshold (how the LocalSpoof issue defines the per-source figure). A spoof has no bona fide
source of its own (a synthesizer reads a text), so the EER beside it pits that source's bona fide
files against every spoof of the split.

Channels and speech lengths, in contrast, hold both classes: each group's EER is of its own
bona fide files against its own spoofs. Seconds of speech are counted by the voice-activity
detector (:mod:`spoofscope.audio.vad`), not read from the header, since a corpus pads and trims
its files (LocalSpoof pads every file with 0.4 s of noise floor): a 0.3 s word is a 0.7 s file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spoofscope.evaluation.metrics import compute_eer, per_duration_errors

#: Recordings with less speech than this are reported apart: single words and syllables, where a
#: detector has least to go on and which a pooled EER over sentences hides.
SHORT_SPEECH_SECONDS = 1.0
#: manifest columns (``Utterance.extra``) naming a bona fide trial's source, in order of
#: preference: LocalSpoof's Debian package, ASVspoof 2021 DF's source corpus
SOURCE_COLUMNS = ("source_package", "source")
#: manifest columns naming a trial's channel: ASVspoof 2021 LA's and ASVspoof 5's codec, then
#: LocalSpoof's (one chain for a whole build)
CHANNEL_COLUMNS = ("codec", "channel")


def column(extras: Sequence[dict[str, str]], names: Sequence[str]) -> list[str] | None:
    """Each trial's value of the first of ``names`` that any trial's ``extra`` holds, or None."""
    for name in names:
        if any(name in extra for extra in extras):
            return [str(extra.get(name) or "") for extra in extras]
    return None


def _rate(mask: np.ndarray, hit: np.ndarray) -> float | None:
    """The share of ``mask``'s trials where ``hit`` holds; None without trials."""
    return float(hit[mask].mean()) if mask.any() else None


def _eer(bona: np.ndarray, spoof: np.ndarray) -> float | None:
    return compute_eer(bona, spoof).eer if bona.size and spoof.size else None


def per_source_errors(
    scores: np.ndarray, keys: Sequence[str], sources: Sequence[str], threshold: float
) -> dict[str, dict[str, float | int | None]]:
    """For each bona fide source (sorted; empty names left out), at ``threshold`` (accepting at
    ``score >= threshold``): its bona fide trials, the share of them rejected, and the EER of
    those trials against every spoof of the split.

    Args:
        scores: one score per trial, higher = more bona fide.
        keys: "bonafide" / "spoof" per trial.
        sources: the bona fide source of each trial (LocalSpoof's ``source_package``); a spoof's
            entry is not read.
        threshold: the split's overall EER threshold.
    """
    scores = np.asarray(scores, dtype=np.float64)
    bona = np.asarray(keys) == "bonafide"
    names = np.asarray(sources, dtype=object)
    spoof_scores = scores[~bona]
    out: dict[str, dict[str, float | int | None]] = {}
    for source in sorted({str(s) for s in names[bona] if s}):
        mine = bona & (names == source)
        out[source] = {
            "n_bonafide": int(mine.sum()),
            "bonafide_rejected": _rate(mine, scores < threshold),
            "eer_against_all_spoofs": _eer(scores[mine], spoof_scores),
        }
    return out


def per_channel_errors(
    scores: np.ndarray, keys: Sequence[str], channels: Sequence[str], threshold: float
) -> dict[str, dict[str, float | int | None]]:
    """For each channel (sorted): its trials of each class, the EER of its bona fide trials
    against its spoofs (None unless both are there) and, at ``threshold``, the share of its bona
    fide trials rejected and of its spoofs accepted."""
    scores = np.asarray(scores, dtype=np.float64)
    bona = np.asarray(keys) == "bonafide"
    names = np.asarray(channels, dtype=object)
    accept = scores >= threshold
    out: dict[str, dict[str, float | int | None]] = {}
    for channel in sorted({str(c) for c in names}):
        b, f = bona & (names == channel), ~bona & (names == channel)
        out[channel] = {
            "n_bonafide": int(b.sum()),
            "n_spoof": int(f.sum()),
            "eer": _eer(scores[b], scores[f]),
            "bonafide_rejected": _rate(b, ~accept),
            "spoof_accepted": _rate(f, accept),
        }
    return out


def short_speech_errors(
    scores: np.ndarray,
    keys: Sequence[str],
    speech_seconds: Sequence[float] | np.ndarray,
    threshold: float,
    limit: float = SHORT_SPEECH_SECONDS,
) -> list[dict[str, Any]]:
    """Two rows (see :func:`~spoofscope.evaluation.metrics.per_duration_errors`): trials with
    less than ``limit`` seconds of speech and those with more, each with its own EER; a row
    without trials is left out."""
    return per_duration_errors(scores, keys, speech_seconds, threshold, edges=(limit,))


def group_metrics(
    scores: np.ndarray,
    keys: Sequence[str],
    threshold: float,
    sources: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    speech_seconds: Sequence[float] | np.ndarray | None = None,
) -> dict[str, Any]:
    """The ``metrics.json`` entries of what is given: ``per_source`` (when any trial names a
    source), ``per_channel`` (when trials name two channels or more: one channel is the split),
    ``per_speech_duration`` (the bands of
    :data:`~spoofscope.evaluation.metrics.DURATION_EDGES`, by seconds of speech) and
    ``short_speech`` (below and above :data:`SHORT_SPEECH_SECONDS`)."""
    out: dict[str, Any] = {}
    if sources is not None and any(sources):
        out["per_source"] = per_source_errors(scores, keys, sources, threshold)
    if channels is not None and len(set(channels)) > 1:
        out["per_channel"] = per_channel_errors(scores, keys, channels, threshold)
    if speech_seconds is not None:
        out["per_speech_duration"] = per_duration_errors(scores, keys, speech_seconds, threshold)
        out["short_speech"] = short_speech_errors(scores, keys, speech_seconds, threshold)
    return out


def text_lines(metrics: dict[str, Any]) -> list[str]:
    """The groups of ``metrics`` as plain-text lines, for a terminal."""

    def pct(value: float | None) -> str:
        return "   n/a" if value is None else f"{100 * value:5.1f}%"

    lines: list[str] = []
    sources = metrics.get("per_source") or {}
    if sources:
        lines.append("bona fide source: rejected at the EER threshold, EER against all spoofs")
        lines += [
            f"  {name:<34} {pct(r['bonafide_rejected'])} of {r['n_bonafide']:<5} "
            f"EER {pct(r['eer_against_all_spoofs'])}"
            for name, r in sources.items()
        ]
    for title, rows in (
        ("channel", list((metrics.get("per_channel") or {}).items())),
        ("seconds of speech", [(r["band"], r) for r in metrics.get("per_speech_duration") or []]),
        ("recording length", [(r["band"], r) for r in metrics.get("per_duration") or []]),
    ):
        if rows:
            lines.append(f"{title}: EER, bona fide rejected, spoofs accepted (at the threshold)")
            lines += [
                f"  {name:<34} EER {pct(r['eer'])}  {pct(r['bonafide_rejected'])} of "
                f"{r['n_bonafide']:<5} {pct(r['spoof_accepted'])} of {r['n_spoof']}"
                for name, r in rows
            ]
    short = (metrics.get("short_speech") or [{}])[0]
    if short.get("max_seconds") == SHORT_SPEECH_SECONDS:
        lines.append(
            f"below {SHORT_SPEECH_SECONDS:g} s of speech: EER {pct(short['eer']).strip()} "
            f"({short['n_bonafide']} bona fide, {short['n_spoof']} spoof)"
        )
    return lines
