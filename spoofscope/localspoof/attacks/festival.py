"""Festival's text2wave, shared by the diphone (L03) and statistical/unit-selection (L04) attacks."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from spoofscope.localspoof.attacks.base import CommandSynth, TtsAttack

# Festival's tokenizer chokes on quotes and brackets inside a text file; they carry no speech.
_UNSPEAKABLE = re.compile(r"[\"()\[\]{}<>*_#|\\]")


class FestivalAttack(TtsAttack):
    """A festival attack: the subclasses list their voices and the packages that ship them."""

    synthesizer = "festival"

    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        voice = self.voice(settings["voice"])
        argv = ["text2wave", "-eval", f"(voice_{voice.name})", "-o", "{out}", "{text_file}"]
        clean = _UNSPEAKABLE.sub(" ", text)
        return CommandSynth(argv, encoding=voice.encoding).run(clean, f"festival {voice.name}")
