"""Festival's text2wave, shared by the diphone (L03) and statistical/unit-selection (L04) attacks."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from spoofscope.localspoof.attacks.base import CommandSynth, TtsAttack

# Festival's tokenizer chokes on quotes and brackets inside a text file; they carry no speech.
_UNSPEAKABLE = re.compile(r"[\"()\[\]{}<>*_#|\\]")
_GUILLEMETS = re.compile(r"[«»„“”]")
_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_LEADING_DOTS = re.compile(r"(?<!\S)[.…]+(?=\w)")
_NO_LETTERS = re.compile(r"[.!?…—–]+")


def lts_safe(text: str) -> str:
    """``text`` without what a strict letter-to-sound voice aborts on (see ``TtsVoice.strict_lts``).

    Sentence punctuation attached to a word (``меню.``, ``времени...``) and a lone hyphen stay:
    the voice phrases on them and reads them without failing, so the texts it already rendered
    keep their audio.
    """
    text = _INNER_DOT.sub(" ", _GUILLEMETS.sub(" ", text))
    text = _LEADING_DOTS.sub("", text)
    return " ".join(tok for tok in text.split() if not _NO_LETTERS.fullmatch(tok))


class FestivalAttack(TtsAttack):
    """A festival attack: the subclasses list their voices and the packages that ship them."""

    synthesizer = "festival"

    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        voice = self.voice(settings["voice"])
        argv = ["text2wave", "-eval", f"(voice_{voice.name})", "-o", "{out}", "{text_file}"]
        clean = _UNSPEAKABLE.sub(" ", text)
        if voice.strict_lts:
            clean = lts_safe(clean)
        return CommandSynth(argv, encoding=voice.encoding).run(clean, f"festival {voice.name}")
