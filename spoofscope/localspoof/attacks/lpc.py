"""L08: LPC analysis-resynthesis with an artificial excitation.

Each 25 ms frame is reduced to an all-pole vocal-tract filter and a gain; the residual is thrown
away and replaced by a pulse train at the measured F0 (voiced frames) or white noise (unvoiced),
the excitation model of the classic LPC-10 vocoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack
from spoofscope.localspoof.attacks.world import FRAME_MS, PYWORLD, world_f0

WORK_SR = 16000
FRAME = 400  # 25 ms
HOP = 200  # half a frame: Hann windows at 50% overlap sum to a constant


def _excitation(
    f0_frames: np.ndarray, n: int, rng: np.random.Generator, breath: float
) -> np.ndarray:
    """Pulse train following ``f0_frames`` (Hz per hop, 0 = unvoiced) mixed with noise, length n."""
    f0 = np.interp(np.arange(n), np.arange(len(f0_frames)) * HOP, f0_frames)
    voiced = f0 > 0
    phase = np.cumsum(np.where(voiced, f0, 0.0) / WORK_SR)
    pulses = np.zeros(n)
    ticks = np.flatnonzero(np.diff(np.floor(phase), prepend=0.0) > 0)
    pulses[ticks] = 1.0
    # Unit-power pulses: a pulse every T samples has power 1/T.
    pulses *= np.sqrt(np.maximum(WORK_SR / np.maximum(f0, 1.0), 1.0))
    noise = rng.standard_normal(n)
    return np.where(voiced, (1 - breath) * pulses + breath * noise, noise)


@ATTACKS.register("L08")
class LpcAttack(ConversionAttack):
    """LPC of order ``order`` per frame, excited by pulses plus ``breath`` noise."""

    id = "L08"
    title = "LPC analysis-resynthesis"
    synthesizer = "lpc-vocoder"
    requires = (PYWORLD,)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        return {
            "order": int(rng.choice([12, 16, 20])),
            "breath": round(float(rng.uniform(0.05, 0.3)), 3),
            "seed": int(rng.integers(2**31)),
            "gender": source_gender,
        }

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        import librosa

        x = resample(wave, sr, WORK_SR) if sr != WORK_SR else wave.astype(np.float32)
        x = np.pad(x.astype(np.float64), (FRAME, FRAME))
        frames = 1 + (len(x) - FRAME) // HOP
        f0 = world_f0(x, WORK_SR)
        # world_f0 gives one value every 5 ms; sample it at each hop's centre.
        f0_hops = f0[
            np.minimum(
                ((np.arange(frames) * HOP + FRAME // 2) / WORK_SR * 1000 / FRAME_MS).astype(int),
                len(f0) - 1,
            )
        ]
        rng = np.random.default_rng(settings["seed"])
        exc = _excitation(f0_hops, len(x), rng, settings["breath"])
        win = signal.windows.hann(FRAME, sym=False)
        y = np.zeros(len(x))
        for k in range(frames):
            seg = x[k * HOP : k * HOP + FRAME] * win
            if not np.any(seg):
                continue
            a = librosa.lpc(seg + 1e-9 * rng.standard_normal(FRAME), order=settings["order"])
            gain = np.sqrt(max(np.mean(signal.lfilter(a, [1.0], seg) ** 2), 0.0))
            out = signal.lfilter([gain], a, exc[k * HOP : k * HOP + FRAME])
            y[k * HOP : k * HOP + FRAME] += out * win
        return y[FRAME:-FRAME].astype(np.float32), WORK_SR
