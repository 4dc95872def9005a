"""L12: phase-vocoder pitch shifting, the voice changer's transformation.

The recording is stretched in time by an STFT phase vocoder (Flanagan and Golden 1966; Laroche
and Dolson 1999) and resampled back to its length, which moves F0 and the whole spectrum, formants
included, by the same ratio. No source-filter model is involved, unlike L06 (WORLD), L08 (LPC) or
L09 (PSOLA, which keeps the formants apart from F0), and the phase vocoder's smeared transients
and "phasiness" are its own artefacts. Half the shifts cross gender, by four to seven semitones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import (
    ConversionAttack,
    Requirement,
    draw_target_gender,
)

WORK_SR = 16000


@ATTACKS.register("L12")
class PhaseVocoderAttack(ConversionAttack):
    """librosa's phase-vocoder pitch shift by ``semitones``, with an FFT size drawn per file."""

    id = "L12"
    title = "phase-vocoder pitch shift"
    synthesizer = "librosa"
    requires = (Requirement("librosa", "pip", "librosa"),)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        target = draw_target_gender(rng, source_gender)
        if target != source_gender:
            steps = rng.uniform(4.0, 7.0) * (1 if target == "female" else -1)
        else:
            steps = rng.uniform(1.0, 3.0) * rng.choice([-1, 1])
        return {
            "semitones": round(float(steps), 2),
            "n_fft": int(rng.choice([512, 1024, 2048])),
            "gender": target,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        import librosa

        x = resample(wave.astype(np.float32), sr, WORK_SR)
        y = librosa.effects.pitch_shift(
            x,
            sr=WORK_SR,
            n_steps=settings["semitones"],
            n_fft=settings["n_fft"],
            res_type="soxr_hq",
        )
        return y.astype(np.float32), WORK_SR
