"""Per-attack figures of a scored split: each attack's name, counts, EER with its bootstrap
interval, and whether training saw it.

An attack is *seen* when the corpus's train split holds spoofs of it (LocalSpoof's train and dev
see L01, L02 and L06; its eval adds five unseen attacks), *unseen* when it does not, and unknown
(None) when the corpus has no train split to ask. Its name comes from the manifest's own column
naming what made each spoof (LocalSpoof's ``synthesizer``; ``vocoder`` or ``system`` where a
corpus has those), so a report names ``L06`` as ``pyworld`` rather than leaving an id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from spoofscope.corpora.manifest import Manifest
from spoofscope.evaluation.bootstrap import Resampling, compare_eer, eer_interval

#: manifest columns (``Utterance.extra``) that name what made a spoof, in order of preference
NAME_COLUMNS = ("synthesizer", "vocoder", "system")


@dataclass(frozen=True)
class AttackFacts:
    """What the corpus says about its attacks: a name per id and the attacks training saw."""

    names: dict[str, str]
    seen: frozenset[str] | None  # None: the corpus has no train split

    def is_seen(self, attack: str) -> bool | None:
        return None if self.seen is None else attack in self.seen


def attack_facts(manifest: Manifest) -> AttackFacts:
    """Names and seen attacks of a whole corpus manifest (every split)."""
    spoofs = [u for u in manifest if u.key == "spoof"]
    names: dict[str, str] = {}
    for attack in sorted({u.attack for u in spoofs}):
        for column in NAME_COLUMNS:
            values = Counter(u.extra.get(column) for u in spoofs if u.attack == attack)
            values.pop(None, None)
            values.pop("", None)
            if values:
                names[attack] = values.most_common(1)[0][0]
                break
    has_train = any(u.split == "train" for u in manifest)
    seen = frozenset(u.attack for u in spoofs if u.split == "train") if has_train else None
    return AttackFacts(names, seen)


@dataclass(frozen=True)
class AttackRow:
    """One attack of a split: bona fide trials against this attack's spoofs."""

    attack: str
    name: str
    seen: bool | None
    n_spoof: int
    n_bonafide: int
    eer: float
    low: float  # bootstrap interval of the EER, by trial
    high: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _attack_masks(keys: Sequence[str], attacks: Sequence[str]) -> dict[str, np.ndarray]:
    """Per attack id (sorted), the trials of that attack's comparison: bona fide or its spoofs."""
    key, attack = np.asarray(keys), np.asarray(attacks)
    bona = key == "bonafide"
    return {a: bona | (attack == a) for a in sorted(set(attack[~bona].tolist()))}


def attack_rows(
    scores: np.ndarray,
    keys: Sequence[str],
    attacks: Sequence[str],
    facts: AttackFacts | None = None,
    how: Resampling = Resampling(),
) -> list[AttackRow]:
    """Each attack's EER against every bona fide trial, with its trial-bootstrap interval.

    Raises:
        MetricError: the split has no bona fide trial.
    """
    facts = facts or AttackFacts({}, None)
    scores = np.asarray(scores, dtype=np.float64)
    is_bona = np.asarray(keys) == "bonafide"
    rows = []
    for attack, mask in _attack_masks(keys, attacks).items():
        ci = eer_interval(scores[mask], is_bona[mask], how=how)
        name, seen = facts.names.get(attack, ""), facts.is_seen(attack)
        n_spoof, n_bona = int((mask & ~is_bona).sum()), int(is_bona.sum())
        rows.append(AttackRow(attack, name, seen, n_spoof, n_bona, ci.estimate, ci.low, ci.high))
    return rows


def attack_differences(
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    keys: Sequence[str],
    attacks: Sequence[str],
    how: Resampling = Resampling(),
) -> list[dict[str, Any]]:
    """Per attack, the paired bootstrap of ``EER(a) - EER(b)`` on that attack's trials:
    ``{"attack", "n_spoof", "eer_a", "eer_b", "difference": Interval dict, "p_value"}``."""
    a, b = np.asarray(scores_a, np.float64), np.asarray(scores_b, np.float64)
    is_bona = np.asarray(keys) == "bonafide"
    out = []
    for attack, mask in _attack_masks(keys, attacks).items():
        result = compare_eer(a[mask], b[mask], is_bona[mask], how=how)
        out.append({"attack": attack, "n_spoof": int((mask & ~is_bona).sum()), **result.to_dict()})
    return out
