"""Vocoded copies: more resynthesis spoofs of a LocalSpoof build's own training recordings.

A resynthesis attack (WORLD, Griffin-Lim, LPC) keeps its source's speaker, words and timing, so a
detector can only learn it from the vocoder's traces. A build holds one spoof for each bona fide
file, shared among eight attacks, so only about one train recording in eight has a WORLD
conversion. Wang and Yamagishi (ICASSP 2023, "Spoofed training data for speech spoofing
countermeasure can be efficiently created using neural vocoders") trained on vocoded copies of
every bona fide utterance instead, which is what this module makes: every bona fide file of a
split gets ``copies`` conversions by the given attacks, with fresh settings planned from the seed,
rendered through the same telephone channel as the build.

The copies go to their own folder, laid out like a build (``localspoof.csv``, the split's
protocol, ``checksums.tsv``) and read by the ``localspoof`` recipe, so a training recipe adds them
with ``data.extra_train`` while the build itself, and so its dev and eval splits, stay as they
are. Copies are made of training recordings only by default: they are training data, and the
attacks used must be among those the model is allowed to see (the benchmark protocol sees only
L06 of the three).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.errors import ConfigError
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack
from spoofscope.localspoof.digest import build_digest
from spoofscope.localspoof.layout import check_build_info, read_manifest
from spoofscope.localspoof.plan import SPLIT_LETTER, Job
from spoofscope.localspoof.protocols import voice_of
from spoofscope.localspoof.rendering import BuildResult, render_and_record

#: Marks the copies' utterance ids (``LS_TV_0000001``), disjoint from a build's ``LS_T_…``.
ID_MARK = "V"


def conversion_attacks() -> list[str]:
    """Ids of the attacks that transform a recording (the only ones that can make a copy)."""
    return sorted(a for a in ATTACKS.names() if issubclass(ATTACKS.get(a), ConversionAttack))


def plan_copies(
    rows: list[dict[str, str]],
    attacks: list[str],
    copies: int = 1,
    split: str = "train",
    seed: int = 0,
) -> list[Job]:
    """The jobs of ``copies`` conversions of each bona fide row of ``split``.

    Attacks take turns over the rows (so each gets an equal share), the settings of each job are
    drawn by the attack's own ``plan`` for the source speaker's gender, and the spoof keeps the
    source's speaker, language and transcript, as a build's conversions do.

    Args:
        rows: a build's manifest rows (:func:`spoofscope.localspoof.layout.read_manifest`).
        attacks: conversion attack ids.
        copies: conversions per bona fide file.
        split: whose bona fide files are converted.
        seed: fixes the settings and the channel noise of every job.

    Raises:
        ConfigError: an attack that does not convert recordings, ``copies`` below 1, or a split
            without bona fide files.
    """
    allowed = conversion_attacks()
    bad = [a for a in attacks if a not in allowed]
    if bad or not attacks:
        raise ConfigError(
            "--attacks", f"copies need conversion attacks, one or more of {allowed} (got {bad})"
        )
    if copies < 1:
        raise ConfigError("--copies", f"must be at least 1 (got {copies})")
    sources = [r for r in rows if r["split"] == split and r["key"] == "bonafide"]
    if not sources:
        raise ConfigError("--split", f"the build has no bona fide files in split '{split}'")
    rng = np.random.default_rng([seed, len(sources), copies])
    made = {a: ATTACKS.get(a)() for a in attacks}
    jobs = []
    for n in range(len(sources) * copies):
        row = sources[n % len(sources)]
        attack_id = attacks[n % len(attacks)]
        settings = made[attack_id].plan(rng, voice_of(row["speaker"]).gender)
        jobs.append(
            Job(
                utt_id=f"LS_{SPLIT_LETTER[split]}{ID_MARK}_{n + 1:07d}",
                split=split,
                key="spoof",
                speaker=row["speaker"],
                attack=attack_id,
                language=row["language"],
                gender=str(settings["gender"]),
                source_package=row["source_package"],
                source_file=row["source_file"],
                synthesizer=made[attack_id].synthesizer,
                settings=json.dumps(settings, sort_keys=True, ensure_ascii=False),
                text=row["text"],
                seed=int(rng.integers(2**31)),
            )
        )
    return jobs


def build_copies(
    root: str | Path,
    out: str | Path,
    attacks: list[str],
    copies: int = 1,
    split: str = "train",
    workers: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> BuildResult:
    """Render (or resume) the vocoded copies of ``root``'s ``split`` into ``out``.

    ``out`` records the build it copies by digest (``build.json``), so copies of another build,
    or with other options, are refused there rather than mixed in.

    Raises:
        CorpusError: ``root`` is not a LocalSpoof build, or a source recording cannot be read
            (its Debian package is not installed).
        ConfigError: bad options, or ``out`` holds other copies.
    """
    start = time.perf_counter()
    jobs = plan_copies(read_manifest(root), attacks, copies, split, seed)
    for attack_id in attacks:
        ATTACKS.get(attack_id)().check()
    target = Path(out)
    if target.resolve() == Path(root).resolve():
        raise ConfigError("--out", "copies go to their own folder, not into the build")
    target.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "copies_of": build_digest(root),
        "split": split,
        "attacks": list(attacks),
        "copies": copies,
        "seed": seed,
        "files": len(jobs),
    }
    check_build_info(target, info)
    result = render_and_record(target, jobs, workers, progress)
    result.seconds = time.perf_counter() - start
    return result
