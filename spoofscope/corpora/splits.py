"""Choosing the utterances of one split: the one place training and evaluation both take them from.

Training reads a train and a dev split (:func:`spoofscope.training.data.load_splits`), evaluation
one split (:func:`spoofscope.evaluation.evaluate.load_split`); both read corpora and cap splits
with these functions, so a capped dev set and a capped ``evaluate --max-files`` pick files alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spoofscope.corpora.findings import Finding
from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import ConfigError


def prepare(corpus: str, root: str | Path) -> Manifest:
    """Every utterance of ``corpus`` at ``root``.

    Raises:
        UnknownNameError: unknown corpus name.
        CorpusError: the root holds no such corpus.
    """
    return read(corpus, root)[0]


def read(corpus: str, root: str | Path) -> tuple[Manifest, list[Finding]]:
    """Every utterance of ``corpus`` at ``root``, and findings for the protocol lines left out.

    Raises:
        UnknownNameError: unknown corpus name.
        CorpusError: the root holds no such corpus.
    """
    from spoofscope.corpora import CORPORA

    return CORPORA.get(corpus)().read(root)


def split_of(manifest: Manifest, split: str, root: str | Path, key: str) -> Manifest:
    """The utterances of ``split`` in ``manifest`` (read from ``root``).

    Raises:
        ConfigError: the split is empty (``key`` names the recipe key or option that chose it).
    """
    part = manifest.filter(split=split)
    if not len(part):
        found = ", ".join(manifest.splits()) or "none"
        raise ConfigError(key, f"split '{split}' is empty in {root} (found: {found})")
    return part


def keep_attacks(manifest: Manifest, attacks: list[str], split: str) -> Manifest:
    """Bona fide plus the spoofs of ``attacks`` (a leave-attacks-out protocol).

    Raises:
        ConfigError: an attack is not in the split.
    """
    present = {u.attack for u in manifest if u.key == "spoof"}
    missing = sorted(set(attacks) - present)
    if missing:
        raise ConfigError(
            "data.attacks", f"{missing} not in split '{split}' (it has {sorted(present)})"
        )
    return manifest.filter(where=lambda u: u.key == "bonafide" or u.attack in attacks)


def stratified_subset(manifest: Manifest, cap: int | None, seed: int) -> Manifest:
    """At most ``cap`` utterances, each class keeping its share (at least one), seeded; in order."""
    if cap is None or cap >= len(manifest):
        return manifest
    rng = np.random.default_rng(seed)
    labels = np.asarray(manifest.labels)
    keep: list[int] = []
    for cls in (1, 0):
        idx = np.flatnonzero(labels == cls)
        if idx.size:
            n = max(1, round(cap * idx.size / len(manifest)))
            keep += rng.choice(idx, size=min(n, idx.size), replace=False).tolist()
    return Manifest(manifest[i] for i in sorted(keep))
