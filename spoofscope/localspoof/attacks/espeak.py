"""L01: espeak-ng formant synthesis, several languages and voice variants."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import CommandSynth, Requirement, TtsAttack, TtsVoice

#: espeak-ng voice of each language and its male/female variants (espeak-ng's voices/!v folder).
_LANGS = {"en": "en-us", "es": "es", "fr": "fr", "it": "it", "ru": "ru", "cs": "cs", "nl": "nl"}
_VARIANTS = {"male": ("m1", "m3", "m7"), "female": ("f1", "f3", "f4")}


@ATTACKS.register("L01")
class EspeakAttack(TtsAttack):
    """espeak-ng formant TTS with speaking rate and pitch varied per utterance."""

    id = "L01"
    title = "espeak-ng formant TTS"
    synthesizer = "espeak-ng"
    requires = (Requirement("espeak-ng", "apt", "espeak-ng"),)
    voices: ClassVar[tuple[TtsVoice, ...]] = tuple(
        TtsVoice(f"{code}+{variant}", lang, gender)
        for lang, code in _LANGS.items()
        for gender, variants in _VARIANTS.items()
        for variant in variants
    )

    def plan(self, rng: np.random.Generator, language: str, gender: str) -> dict[str, Any]:
        settings = super().plan(rng, language, gender)
        settings["rate"] = int(rng.integers(140, 190))  # words per minute
        settings["pitch"] = int(rng.integers(35, 65))  # 0-99, espeak's default is 50
        return settings

    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        argv = ["espeak-ng", "-v", settings["voice"], "-s", str(settings["rate"])]
        argv += ["-p", str(settings["pitch"]), "-w", "{out}", "-f", "{text_file}"]
        return CommandSynth(argv).run(text, f"espeak-ng {settings['voice']}")
