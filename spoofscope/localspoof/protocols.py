"""LocalSpoof protocols by name: which voices a build draws from and which attacks each split holds.

``v4`` (the default) is ``v3`` with partial spoofs (L14) seen in training; ``v3`` is ``v2``
(:mod:`spoofscope.localspoof.protocol_v2`) with a thirteenth attack family seen in training. ``v2`` has 90 voices from 17 packages and twelve attack families,
so that eval holds sources, recording chains and attacks train never sees. ``v1`` (eleven voices, eight attack families) is the benchmark of the earlier figures and
models; it stays buildable so they stay comparable. A build names its protocol (``corpus build
--protocol``) and records it in ``build.json``; folders built before protocols had names are v1
builds.
"""

from __future__ import annotations

from dataclasses import dataclass

from spoofscope.errors import CorpusError
from spoofscope.localspoof.plan import ALL_ATTACKS, SEEN_ATTACKS
from spoofscope.localspoof.protocol_v2 import V2_ATTACKS, V2_SEEN_ATTACKS, V2_VOICES
from spoofscope.localspoof.sources import VOICES, Voice
from spoofscope.registry import Registry


@dataclass(frozen=True)
class Protocol:
    """One LocalSpoof protocol.

    Attributes:
        name: what ``--protocol`` and ``build.json`` call it.
        voices: the bona fide voices, each with its split.
        seen: attacks of the train and dev splits by default.
        attacks: every attack of the protocol (the eval split's).
    """

    name: str
    voices: tuple[Voice, ...]
    seen: tuple[str, ...]
    attacks: tuple[str, ...]


#: Protocol name → :class:`Protocol`.
PROTOCOLS: Registry[Protocol] = Registry("LocalSpoof protocol")
PROTOCOLS.register("v1")(Protocol("v1", VOICES, SEEN_ATTACKS, ALL_ATTACKS))
PROTOCOLS.register("v2")(Protocol("v2", V2_VOICES, V2_SEEN_ATTACKS, V2_ATTACKS))
#: v3 is v2's data step of 2026-12-07 (#37): the same voices and splits, and a thirteenth family,
#: L13 (PGHI phase reconstruction), seen in train and dev. v2's train held no copy-synthesis of the
#: phase-reconstruction kind, and L07 (Griffin-Lim, unseen) was its largest eval loss; L07 stays
#: unseen, so whether one phase-reconstruction family teaches another is what eval measures.
PROTOCOLS.register("v3")(Protocol("v3", V2_VOICES, (*V2_SEEN_ATTACKS, "L13"), (*V2_ATTACKS, "L13")))
#: v4 is the data step after v3 (#37): the same voices and splits, and a fourteenth family, L14
#: (partial spoofs: one stretch of a bona fide recording re-synthesised), seen in train and dev and
#: held in eval. It is the issue's partial spoof, and it teaches a detector that a file made mostly
#: of a real voice can still be a spoof, which whole-file averages miss.
V4_SEEN = (*V2_SEEN_ATTACKS, "L13", "L14")
PROTOCOLS.register("v4")(Protocol("v4", V2_VOICES, V4_SEEN, (*V2_ATTACKS, "L13", "L14")))

#: What ``corpus build`` makes without ``--protocol``.
DEFAULT_PROTOCOL = "v4"
#: What a ``build.json`` without a ``protocol`` key was built with (every build before names).
UNNAMED_PROTOCOL = "v1"


def voice_of(speaker: str) -> Voice:
    """The :class:`Voice` with id ``speaker`` in any protocol (v2's hold v1's and the extras').

    Raises:
        CorpusError: no protocol has the voice.
    """
    for _, protocol in PROTOCOLS.items():
        for voice in protocol.voices:
            if voice.speaker == speaker:
                return voice
    raise CorpusError(f"speaker {speaker}", "not a voice of any LocalSpoof protocol")
