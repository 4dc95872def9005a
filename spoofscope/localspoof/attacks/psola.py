"""L09: PSOLA voice conversion with Praat's "Change gender" (pitch-synchronous overlap-add).

Praat cuts the recording into pitch periods, moves and repeats them to a new F0 contour and
duration (TD-PSOLA, Moulines and Charpentier 1990), and shifts the formants by resampling the
periods. Unlike WORLD (L06) and LPC (L08), no spectral model is fitted: the output is made of the
recording's own waveform, so it keeps its fine structure and its noise. As in L06, half the
conversions cross gender.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import (
    ConversionAttack,
    Requirement,
    draw_target_gender,
)
from spoofscope.localspoof.attacks.command_conversion import CommandConversion

PRAAT = Requirement("praat", "apt", "praat")

# Praat reads a script's relative file names from the script's own folder, which
# CommandConversion makes the scratch folder holding in.wav. Praat draws random numbers (PSOLA
# copies unvoiced stretches with random period lengths; the Klatt synthesizer's noise sources), so
# each script seeds its generator from the plan: a file renders the same on every run.

_CHANGE_GENDER = """form Change gender
    integer seed 1
    real formant_ratio 1
    real pitch_median 0
    real pitch_range 1
    real duration 1
endform
random_initializeWithSeedUnsafelyButPredictably (seed)
Read from file: "in.wav"
Change gender: 75, 600, formant_ratio, pitch_median, pitch_range, duration
Save as WAV file: "out.wav"
"""


@ATTACKS.register("L09")
class PsolaAttack(ConversionAttack):
    """Praat's PSOLA "Change gender": new pitch median and range, formant shift, duration."""

    id = "L09"
    title = "PSOLA voice conversion (Praat)"
    synthesizer = "praat"
    requires = (PRAAT,)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        target = draw_target_gender(rng, source_gender)
        if target != source_gender:
            # Praat's manual suggests 1.1 (male to female) and 1/1.1 the other way.
            up = target == "female"
            formant = rng.uniform(1.08, 1.2) if up else rng.uniform(0.83, 0.93)
            median = rng.uniform(190, 250) if up else rng.uniform(95, 135)
        else:
            formant = rng.uniform(0.96, 1.05)
            median = 0.0  # keep the speaker's own pitch median
        return {
            "formant_ratio": round(float(formant), 3),
            "pitch_median": round(float(median), 1),
            "pitch_range": round(float(rng.uniform(0.7, 1.4)), 3),
            "duration": round(float(rng.uniform(0.9, 1.12)), 3),
            "seed": int(rng.integers(1, 2**31)),
            "gender": target,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        names = ("seed", "formant_ratio", "pitch_median", "pitch_range", "duration")
        args = [settings[k] for k in names]
        tool = CommandConversion((("praat", "--run", "{script}", *map(str, args)),), _CHANGE_GENDER)
        return tool.run(wave, sr, f"praat change gender {args}")
