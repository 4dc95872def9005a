"""L06: WORLD vocoder conversion of bona fide recordings (F0 shift and spectral envelope warping).

The source's F0 is scaled (across gender half of the time) and its spectral envelope is warped along
frequency, which moves the formants the way a vocal tract of another length would; WORLD then
resynthesises. This is the classic analysis-modification-synthesis voice conversion, applied to real
content.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.audio.io import resample
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import ConversionAttack, Requirement

WORK_SR = 16000
FRAME_MS = 5.0

PYWORLD = Requirement("pyworld", "pip", "pyworld")


def import_pyworld() -> Any:
    """Import pyworld, hiding the deprecation warning its 0.3.5 ``__init__`` raises via pkg_resources."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import pyworld
    return pyworld


def world_f0(wave: np.ndarray, sr: int) -> np.ndarray:
    """F0 contour in Hz [frames] every 5 ms by DIO refined with StoneMask (0 = unvoiced)."""
    pyworld = import_pyworld()
    x = wave.astype(np.float64)
    f0, t = pyworld.dio(x, sr, frame_period=FRAME_MS)
    return pyworld.stonemask(x, f0, t, sr)


def warp_envelope(sp: np.ndarray, alpha: float) -> np.ndarray:
    """Stretch a spectral envelope [frames, bins] along frequency by ``alpha`` (>1 raises formants)."""
    bins = np.arange(sp.shape[1], dtype=np.float64)
    src = np.clip(bins / alpha, 0, sp.shape[1] - 1)
    return np.stack([np.interp(src, bins, row) for row in sp])


@ATTACKS.register("L06")
class WorldConversionAttack(ConversionAttack):
    """WORLD resynthesis with F0 scaled by ``f0_ratio`` and formants warped by ``warp``."""

    id = "L06"
    title = "WORLD vocoder voice conversion"
    synthesizer = "pyworld"
    requires = (PYWORLD,)

    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        cross = bool(rng.random() < 0.5)
        if cross:
            # An octave's worth of F0 and ~15% of vocal-tract length separate typical men and women.
            up = source_gender == "male"
            ratio = rng.uniform(1.5, 1.8) if up else rng.uniform(0.55, 0.68)
            warp = rng.uniform(1.08, 1.16) if up else rng.uniform(0.86, 0.93)
        else:
            ratio = rng.uniform(0.85, 1.18)
            warp = rng.uniform(0.95, 1.05)
        target = ({"male": "female", "female": "male"}[source_gender]) if cross else source_gender
        return {"f0_ratio": round(float(ratio), 3), "warp": round(float(warp), 3), "gender": target}

    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        pyworld = import_pyworld()
        x = (
            resample(wave, sr, WORK_SR).astype(np.float64)
            if sr != WORK_SR
            else wave.astype(np.float64)
        )
        f0, t = pyworld.dio(x, WORK_SR, frame_period=FRAME_MS)
        f0 = pyworld.stonemask(x, f0, t, WORK_SR)
        sp = pyworld.cheaptrick(x, f0, t, WORK_SR)
        ap = pyworld.d4c(x, f0, t, WORK_SR)
        sp = warp_envelope(sp, settings["warp"])
        y = pyworld.synthesize(f0 * settings["f0_ratio"], sp, ap, WORK_SR, frame_period=FRAME_MS)
        return y.astype(np.float32), WORK_SR
