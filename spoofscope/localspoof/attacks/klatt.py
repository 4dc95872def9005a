"""L10: Klatt formant copy-synthesis with Praat (``To KlattGrid (simple)``).

Praat tracks the recording's pitch, intensity and formants (Burg LPC) and drives a Klatt
cascade formant synthesizer (Klatt and Klatt 1990) with those tracks. What comes out is the
recording's prosody and formant trajectories spoken by a rule-based source-filter model: the
timing and melody of a real person with a formant synthesizer's voice quality, a family apart from
espeak-ng's text-driven formant rules (L01) and from the vocoders that keep a fine spectral
envelope (L06-L08).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack
from spoofscope.localspoof.attacks.command_conversion import CommandConversion
from spoofscope.localspoof.attacks.psola import PRAAT

_KLATT = """form Klatt copy-synthesis
    integer seed 1
    integer formants 5
    real max_formant 5500
endform
random_initializeWithSeedUnsafelyButPredictably (seed)
Read from file: "in.wav"
To KlattGrid (simple): 0.005, formants, max_formant, 0.025, 50, 60, 600, 100, "yes"
To Sound
Save as WAV file: "out.wav"
"""


@ATTACKS.register("L10")
class KlattAttack(ConversionAttack):
    """Praat's KlattGrid from the recording's tracks, then synthesised."""

    id = "L10"
    title = "Klatt formant copy-synthesis (Praat)"
    synthesizer = "praat"
    requires = (PRAAT,)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        # Praat's advice: a ceiling of 5000 Hz for a man, 5500 Hz for a woman
        ceiling = 5000 if source_gender == "male" else 5500
        return {
            "formants": int(rng.choice([4, 5])),
            "max_formant": int(ceiling + rng.integers(-250, 251)),
            "seed": int(rng.integers(1, 2**31)),
            "gender": source_gender,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        formants, ceiling = settings["formants"], settings["max_formant"]
        if ceiling > sr // 2:
            # A narrowband (8 kHz) recording has no formant above 4 kHz to track: track below
            # its Nyquist frequency, with one formant fewer so that they are not crowded.
            formants, ceiling = min(formants, 4), sr // 2
        args = (str(settings["seed"]), str(formants), str(ceiling))
        tool = CommandConversion((("praat", "--run", "{script}", *args),), _KLATT)
        return tool.run(wave, sr, f"praat klatt {' '.join(args[1:])}")
