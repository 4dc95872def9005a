"""L07: Griffin-Lim resynthesis from the log-mel spectrogram of a bona fide recording.

The phase is discarded and the magnitude is reduced to mel bands, as a neural vocoder's input would
be; Griffin-Lim (Griffin & Lim, 1984) then estimates a signal consistent with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack

WORK_SR = 16000


@ATTACKS.register("L07")
class GriffinLimAttack(ConversionAttack):
    """Mel spectrogram (``n_mels`` bands) → Griffin-Lim with ``n_iter`` iterations."""

    id = "L07"
    title = "Griffin-Lim log-mel resynthesis"
    synthesizer = "librosa-griffinlim"

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        return {
            "n_mels": int(rng.choice([40, 64, 80])),
            "n_iter": int(rng.choice([16, 32, 48])),
            "seed": int(rng.integers(2**31)),  # Griffin-Lim starts from random phases
            "gender": source_gender,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        import librosa

        x = resample(wave, sr, WORK_SR) if sr != WORK_SR else wave
        n_fft, hop = 512, 128  # 32 ms window, 8 ms hop at 16 kHz
        mel = librosa.feature.melspectrogram(
            y=x, sr=WORK_SR, n_fft=n_fft, hop_length=hop, n_mels=settings["n_mels"], fmax=4000
        )
        # Round-trip through log (dB) as a vocoder's input would be, floored at -80 dB.
        mel = librosa.db_to_power(librosa.power_to_db(mel, ref=np.max, top_db=80.0)) * np.max(mel)
        stft = librosa.feature.inverse.mel_to_stft(mel, sr=WORK_SR, n_fft=n_fft, fmax=4000)
        y = librosa.griffinlim(
            stft,
            n_iter=settings["n_iter"],
            hop_length=hop,
            n_fft=n_fft,
            random_state=settings.get("seed", 0),
        )
        return y.astype(np.float32), WORK_SR
