"""A tiny ASVspoof 2019 LA tree whose classes a model can actually learn apart in a few steps.

Layout and protocol spelling follow the LA release (``LA/ASVspoof2019_LA_<split>/flac/*.flac``,
``LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.<split>.{trn,trl}.txt`` with lines
``LA_0079 LA_T_1000137 - A01 spoof``, ASV scores ``LA_0079 target 1.52``). Bona fide utterances are
voiced: harmonics of a speaker-specific, slowly gliding f0 under a syllable envelope plus breath
noise. Spoofs mimic two vocoder artefacts: ``A01`` a buzzy, jitter-free harmonic series with an
over-bright top, ``A02`` the same voice low-passed and coarsely quantised.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
SPEAKERS = ("LA_0079", "LA_0080", "LA_0081", "LA_0082")
ATTACKS = ("A01", "A02")
PREFIX = {"train": "LA_T_", "dev": "LA_D_", "eval": "LA_E_"}
TRIALS = {"train": "trn", "dev": "trl", "eval": "trl"}


def voice(rng: np.random.Generator, f0: float, seconds: float, jitter: float) -> np.ndarray:
    """Harmonics of a gliding f0 (with cycle jitter) under a syllable envelope: ``[T]``."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    glide = f0 * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t))
    glide *= 1 + jitter * rng.standard_normal(n).cumsum() / np.sqrt(n)
    phase = 2 * np.pi * np.cumsum(glide) / SR
    wave = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * rng.uniform(2.0, 4.0) * t)) + 0.1
    return wave * envelope


def utterance(rng: np.random.Generator, speaker: int, attack: str, seconds: float) -> np.ndarray:
    """One utterance, ``[T]`` float32 in [-1, 1]: bona fide when ``attack`` is ``-``."""
    f0 = 110.0 + 35.0 * speaker
    if attack == "-":
        wave = voice(rng, f0, seconds, jitter=0.02) + 0.05 * rng.standard_normal(int(seconds * SR))
    elif attack == "A01":
        wave = voice(rng, f0, seconds, jitter=0.0)
        t = np.arange(len(wave)) / SR
        wave += 0.3 * np.sign(np.sin(2 * np.pi * 4 * f0 * t))  # bright buzz
    else:
        wave = voice(rng, f0, seconds, jitter=0.02)
        kernel = np.ones(8) / 8  # crude low-pass
        wave = np.round(np.convolve(wave, kernel, mode="same") * 8) / 8
    return (0.8 * wave / np.abs(wave).max()).astype(np.float32)


def build_la(
    root: Path,
    per_speaker: dict[str, int] | None = None,
    seconds: float = 0.5,
    splits: tuple[str, ...] = ("train", "dev", "eval"),
    seed: int = 0,
) -> Path:
    """Write the tree under ``root``; return ``root``.

    Args:
        root: corpus root (the folder holding ``LA/``).
        per_speaker: utterances per class per speaker for each split (default 4 / 2 / 2).
        seconds: duration of every utterance.
        splits: the partitions to write (``("eval",)`` gives an eval-only tree).
        seed: fixes the audio.
    """
    per_speaker = per_speaker or {"train": 4, "dev": 2, "eval": 2}
    rng = np.random.default_rng(seed)
    base = root / "LA"
    protocols = base / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True, exist_ok=True)
    counter = 1000000
    for split in splits:
        flac = base / f"ASVspoof2019_LA_{split}" / "flac"
        flac.mkdir(parents=True, exist_ok=True)
        lines = []
        for s, speaker in enumerate(SPEAKERS):
            for i in range(per_speaker[split]):
                for attack in ("-", ATTACKS[i % len(ATTACKS)]):
                    counter += 1
                    utt = f"{PREFIX[split]}{counter}"
                    sf.write(flac / f"{utt}.flac", utterance(rng, s, attack, seconds), SR)
                    key = "bonafide" if attack == "-" else "spoof"
                    lines.append(f"{speaker} {utt} - {attack} {key}")
        name = f"ASVspoof2019.LA.cm.{split}.{TRIALS[split]}.txt"
        (protocols / name).write_text("\n".join(lines) + "\n")
    if "eval" in splits:
        scores = base / "ASVspoof2019_LA_asv_scores"
        scores.mkdir(parents=True, exist_ok=True)
        asv = [f"{SPEAKERS[i % 4]} target {2.0 + rng.normal():.3f}" for i in range(20)]
        asv += [f"{SPEAKERS[i % 4]} nontarget {-2.0 + rng.normal():.3f}" for i in range(20)]
        asv += [f"{ATTACKS[i % 2]} spoof {0.5 + rng.normal():.3f}" for i in range(20)]
        (scores / "ASVspoof2019.LA.asv.eval.gi.trl.scores.txt").write_text("\n".join(asv) + "\n")
    return root
