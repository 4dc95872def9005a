"""L11: codec2 vocoding, a harmonic sinusoidal speech codec at 700-3200 bit/s.

codec2 (Rowe 2011) models each 10-40 ms frame as harmonics of F0 with quantised amplitudes (LPC
or vector-quantised envelopes) and a voicing decision, and rebuilds speech from those few
parameters. It is what a digital-voice radio link (FreeDV) delivers, and a parametric
resynthesis of another family than WORLD (L06) or LPC pulse excitation (L08): phases are
synthesised, not kept, and the lower modes smear formants. The mode is drawn per file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack, Requirement
from spoofscope.localspoof.attacks.command_conversion import CommandConversion

#: codec2's modes with a speech model (450 and 450PWB need a trained codebook file).
MODES = ("3200", "2400", "1600", "1400", "1300", "1200", "700C")
CODEC2_RATE = 8000


@ATTACKS.register("L11")
class Codec2Attack(ConversionAttack):
    """Encode to a codec2 bit stream and decode it again (``c2enc`` / ``c2dec``)."""

    id = "L11"
    title = "codec2 harmonic vocoder"
    synthesizer = "codec2"
    requires = (Requirement("codec2", "apt", "c2enc"), Requirement("codec2", "apt", "c2dec"))

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        return {"mode": str(rng.choice(MODES)), "gender": source_gender}

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        mode = settings["mode"]
        tool = CommandConversion(
            (("c2enc", mode, "{input}", "{work}"), ("c2dec", mode, "{work}", "{output}")),
            raw_rate=CODEC2_RATE,
        )
        return tool.run(wave, sr, f"codec2 {mode}")
