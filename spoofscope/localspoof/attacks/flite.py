"""L02: flite (CMU Flite) voices kal, awb, rms and slt."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import CommandSynth, Requirement, TtsAttack, TtsVoice


@ATTACKS.register("L02")
class FliteAttack(TtsAttack):
    """Flite's built-in English voices: diphone (kal) and clustergen (awb, rms, slt)."""

    id = "L02"
    title = "flite TTS"
    synthesizer = "flite"
    requires = (Requirement("flite", "apt", "flite"),)
    voices: ClassVar[tuple[TtsVoice, ...]] = (
        TtsVoice("kal", "en", "male"),
        TtsVoice("awb", "en", "male"),
        TtsVoice("rms", "en", "male"),
        TtsVoice("slt", "en", "female"),
    )

    def plan(self, rng: np.random.Generator, language: str, gender: str) -> dict[str, Any]:
        settings = super().plan(rng, language, gender)
        settings["stretch"] = round(float(rng.uniform(0.9, 1.15)), 3)  # duration stretch
        return settings

    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        argv = [
            "flite",
            "-voice",
            settings["voice"],
            "--setf",
            f"duration_stretch={settings['stretch']}",
        ]
        argv += ["-f", "{text_file}", "-o", "{out}"]
        return CommandSynth(argv).run(text, f"flite {settings['voice']}")
