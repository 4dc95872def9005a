"""Plan a LocalSpoof build from its seed: every file to make, before any audio is made.

Planning is cheap and deterministic, so a build (or a resumed build) renders exactly the jobs the
seed says, and the protocols can be written from the plan alone.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from spoofscope.errors import ConfigError
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import TtsAttack
from spoofscope.localspoof.prompts import PROMPTS
from spoofscope.localspoof.sources import SPLITS, SourceFile, asterisk_texts, fillets_texts

#: Bona fide files per split for each size; spoof files equal bona fide ones in every split.
#: ``full`` takes every usable source file.
SIZES: dict[str, dict[str, int] | None] = {
    "tiny": {"train": 8, "dev": 6, "eval": 16},
    "small": {"train": 300, "dev": 150, "eval": 300},
    "full": None,
}
#: Attacks seen in training (as ASVspoof 2019 LA keeps A01-A06 for train/dev).
SEEN_ATTACKS = ("L01", "L02", "L06")
ALL_ATTACKS = ("L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08")
SPLIT_LETTER = {"train": "T", "dev": "D", "eval": "E"}
#: Probability that a TTS job speaks the transcript of its source recording rather than a pool line.
OWN_TEXT_P = 0.6
BONAFIDE = "-"


@dataclass(frozen=True)
class Job:
    """One file of the corpus: what to render and the protocol / manifest row it becomes."""

    utt_id: str
    split: str
    key: str  # "bonafide" | "spoof"
    speaker: str
    attack: str  # "-" for bona fide, else L01..L08
    language: str
    gender: str
    source_package: str
    source_file: str
    synthesizer: str
    settings: str  # JSON
    text: str
    seed: int

    def as_dict(self) -> dict[str, object]:
        """The job as a plain dict (for process pools and JSON)."""
        return asdict(self)


def attacks_by_split(
    attacks: Sequence[str] | None = None,
    seen: Sequence[str] = SEEN_ATTACKS,
    pool: Sequence[str] = ALL_ATTACKS,
) -> dict[str, tuple[str, ...]]:
    """Attacks of each split: train/dev use ``seen``, eval every attack of the protocol's
    ``pool``, both cut to ``attacks``.

    Raises:
        UnknownNameError: for an attack id that is not registered.
        ConfigError: when the selection leaves a split without attacks.
    """
    chosen = tuple(attacks) if attacks else tuple(pool)
    for a in (*chosen, *seen):
        ATTACKS.get(a)
    out = {
        "train": tuple(a for a in seen if a in chosen),
        "dev": tuple(a for a in seen if a in chosen),
        "eval": tuple(a for a in pool if a in chosen),
    }
    for split, names in out.items():
        if not names:
            raise ConfigError(
                "--attacks",
                f"leaves the {split} split without an attack; include one of {', '.join(seen)}",
            )
    return out


_TEMPLATE = re.compile(r"%\d")


def text_pool(language: str) -> list[str]:
    """Lines in ``language`` for the synthesizers: source transcripts and the project's prompts."""
    lines = [t for t in asterisk_texts(language).values() if t and not t.startswith("[")]
    lines += [t for t in fillets_texts(language).values() if t]
    lines += list(PROMPTS.get(language, ()))
    # The game scripts hold format templates ("J%1.", "C%1.") that are no speech and make some
    # festival voices write an unreadable file.
    return sorted({t for t in lines if not _TEMPLATE.search(t)})


def _pick_bonafide(
    files: list[SourceFile], n: int | None, rng: np.random.Generator
) -> list[SourceFile]:
    """``n`` files (all when None) spread evenly over the speakers, in a seed-fixed order."""
    by_speaker: dict[str, list[SourceFile]] = defaultdict(list)
    for f in files:
        by_speaker[f.speaker].append(f)
    queues = []
    for speaker in sorted(by_speaker):
        items = by_speaker[speaker]
        queues.append([items[i] for i in rng.permutation(len(items))])
    picked: list[SourceFile] = []
    limit = sum(len(q) for q in queues) if n is None else n
    while len(picked) < limit and any(queues):
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop())
    return picked


def _spoof_job(attack_id: str, source: SourceFile, rng: np.random.Generator) -> dict[str, object]:
    attack = ATTACKS.get(attack_id)()
    gender = "female" if rng.random() < 0.5 else "male"
    if isinstance(attack, TtsAttack):
        langs = sorted(attack.languages())
        language = (
            source.language if source.language in langs else langs[int(rng.integers(len(langs)))]
        )
        settings = attack.plan(rng, language, gender)
        if settings["language"] == source.language and source.text and rng.random() < OWN_TEXT_P:
            text = source.text
        else:
            pool = text_pool(settings["language"])
            text = pool[int(rng.integers(len(pool)))]
        return {
            "language": settings["language"],
            "gender": settings["gender"],
            "source_package": "",
            "source_file": "",
            "settings": settings,
            "text": text,
        }
    settings = attack.plan(rng, source.gender)
    return {
        "language": source.language,
        "gender": settings["gender"],
        "source_package": source.package,
        "source_file": source.path,
        "settings": settings,
        "text": source.text,
    }


def plan(
    sources: list[SourceFile],
    size: str = "small",
    attacks: Sequence[str] | None = None,
    seed: int = 0,
    seen: Sequence[str] = SEEN_ATTACKS,
    pool: Sequence[str] = ALL_ATTACKS,
) -> list[Job]:
    """Every job of a build, in utterance-id order.

    Spoof jobs mirror the split's bona fide files: each takes one as its *source* (the recording a
    conversion transforms, or the language and transcript a synthesizer speaks) and its speaker as
    the target speaker, as ASVspoof labels spoofs with the speaker they imitate.

    Args:
        sources: bona fide recordings (:func:`spoofscope.localspoof.sources.discover`).
        size: "tiny", "small" or "full".
        attacks: attack ids to use (default all); see :func:`attacks_by_split`.
        seed: fixes every choice.
        seen: attacks of the train and dev splits (the benchmark's L01, L02, L06 by default;
            every attack for the model a practitioner ships, whose eval *speakers* stay unseen).
        pool: every attack of the protocol, the eval split's (v1's eight by default).

    Raises:
        ConfigError: for an unknown size or a split without sources or attacks.
    """
    if size not in SIZES:
        raise ConfigError(f"size '{size}'", f"choose one of: {', '.join(SIZES)}")
    per_split = attacks_by_split(attacks, seen, pool)
    rng = np.random.default_rng(seed)
    jobs: list[Job] = []
    for split in SPLITS:
        files = [f for f in sources if f.split == split]
        if not files:
            raise ConfigError(f"split {split}", "has no bona fide source recordings")
        counts = SIZES[size]
        bonafide = _pick_bonafide(files, None if counts is None else counts[split], rng)
        jobs += _split_jobs(bonafide, per_split[split], split, SPLIT_LETTER[split], rng)
    return jobs


def _split_jobs(
    bonafide: list[SourceFile],
    names: Sequence[str],
    split: str,
    prefix: str,
    rng: np.random.Generator,
) -> list[Job]:
    """The bona fide jobs of ``bonafide`` and as many spoofs mirroring them, the attacks of
    ``names`` in turn, under shuffled ids ``LS_<prefix>_0000001``…"""
    rows: list[dict[str, object]] = []
    for f in bonafide:
        rows.append(
            {
                "key": "bonafide",
                "speaker": f.speaker,
                "attack": BONAFIDE,
                "language": f.language,
                "gender": f.gender,
                "source_package": f.package,
                "source_file": f.path,
                "synthesizer": "human",
                "settings": {},
                "text": f.text,
            }
        )
    for i in range(len(bonafide)):
        attack_id = names[i % len(names)]
        source = bonafide[int(rng.integers(len(bonafide)))]
        row = _spoof_job(attack_id, source, rng)
        row.update(
            key="spoof",
            speaker=source.speaker,
            attack=attack_id,
            synthesizer=ATTACKS.get(attack_id).synthesizer,
        )
        rows.append(row)
    order = rng.permutation(len(rows))  # ids must not reveal the class
    jobs = []
    for n, idx in enumerate(order):
        row = rows[idx]
        jobs.append(
            Job(
                utt_id=f"LS_{prefix}_{n + 1:07d}",
                split=split,
                key=str(row["key"]),
                speaker=str(row["speaker"]),
                attack=str(row["attack"]),
                language=str(row["language"]),
                gender=str(row["gender"]),
                source_package=str(row["source_package"]),
                source_file=str(row["source_file"]),
                synthesizer=str(row["synthesizer"]),
                settings=json.dumps(row["settings"], sort_keys=True, ensure_ascii=False),
                text=str(row["text"]),
                seed=int(rng.integers(2**31)),
            )
        )
    return jobs


#: Marks the jobs of extra training voices (``LS_TX_0000001``), disjoint from a build's ``LS_T_…``.
EXTRA_MARK = "X"


def plan_extras(
    sources: list[SourceFile],
    seen: Sequence[str] = SEEN_ATTACKS,
    per_voice: int | None = None,
    seed: int = 0,
) -> list[Job]:
    """Training jobs for extra voices: their recordings and one spoof each, as a build's train.

    The spoofs follow :func:`plan`'s rules (the attacks of ``seen`` in turn, each mirroring a
    recording of the same voices), drawn from a stream of their own so that adding extras never
    changes a build's files.

    Args:
        sources: the extra voices' recordings (``discover(EXTRA_VOICES)``), all of split train.
        seen: attacks the spoofs use: those the build's train split holds.
        per_voice: at most this many recordings of each voice, drawn by the seed (None: all).
        seed: fixes every choice.

    Raises:
        ConfigError: no sources, a source outside the train split, or ``per_voice`` below 1.
    """
    if per_voice is not None and per_voice < 1:
        raise ConfigError("--per-voice", f"must be at least 1 (got {per_voice})")
    if not sources:
        raise ConfigError("extra voices", "have no usable recordings")
    outside = sorted({f.speaker for f in sources if f.split != "train"})
    if outside:
        raise ConfigError("extra voices", f"{', '.join(outside)} are not training voices")
    names = attacks_by_split(None, seen)["train"]
    rng = np.random.default_rng([seed, len(sources)])
    by_speaker: dict[str, list[SourceFile]] = defaultdict(list)
    for f in sources:
        by_speaker[f.speaker].append(f)
    bonafide: list[SourceFile] = []
    for speaker in sorted(by_speaker):
        files = by_speaker[speaker]
        keep = len(files) if per_voice is None else min(per_voice, len(files))
        bonafide += [files[i] for i in sorted(rng.permutation(len(files))[:keep])]
    return _split_jobs(bonafide, names, "train", SPLIT_LETTER["train"] + EXTRA_MARK, rng)
