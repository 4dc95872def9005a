"""The common channel every LocalSpoof file goes through, bona fide and spoof alike.

Real recordings here are 8 kHz telephone prompts while synthesizers produce 16-48 kHz, so a
detector could win by bandwidth, level, silence or hiss. The chain removes those cues:

1. telephone band: resample to 8 kHz and band-pass 300-3400 Hz (removes DC and rumble too);
2. silence trimming at -35 dB below the loudest 20 ms frame;
3. loudness normalisation of the active frames to -26 dBFS;
4. a fixed pad of silence on both sides, then a fixed telephone-band noise floor over the whole
   file, so digital silence (synthesizers) and studio hiss (recordings) look the same;
5. G.711 mu-law, as on a real call, then back to 16 kHz for storage (16-bit FLAC).
"""

from __future__ import annotations

import numpy as np

from spoofscope.audio.channel import (
    TELEPHONE_SR,
    active_range,
    apply_codec,
    normalise_loudness,
    telephone_band,
)
from spoofscope.audio.io import resample

STORE_SR = 16000
TARGET_DBFS = -26.0
TRIM_DB = -35.0
PAD_S = 0.2
#: Noise floor relative to the speech level: 40 dB below -26 dBFS hides the recordings' own hiss.
NOISE_SNR_DB = 40.0


def telephone_chain(wave: np.ndarray, sr: int, seed: int) -> np.ndarray:
    """Run ``wave`` [T] at ``sr`` through the common channel; return float32 samples [T'] at 16 kHz.

    ``seed`` fixes the noise floor, so a file renders the same on every run.
    """
    return telephone_chain_shifted(wave, sr, seed)[0]


def telephone_chain_shifted(wave: np.ndarray, sr: int, seed: int) -> tuple[np.ndarray, float]:
    """:func:`telephone_chain`, and the seconds to add to a time in ``wave`` to find it in the
    output: the chain cuts the leading silence and pads a fixed one, so a span located in the
    input (a partial spoof's synthetic stretch) moves."""
    x = _band(wave, sr)
    start, stop = active_range(x, TELEPHONE_SR, threshold_db=TRIM_DB)
    x = normalise_loudness(x[start:stop], TELEPHONE_SR, target_dbfs=TARGET_DBFS)
    pad = int(PAD_S * TELEPHONE_SR)
    x = np.pad(x, (pad, pad))
    rng = np.random.default_rng(seed)
    floor = rng.standard_normal(len(x)).astype(np.float32)
    floor = telephone_band(floor, TELEPHONE_SR)
    floor *= 10 ** ((TARGET_DBFS - NOISE_SNR_DB) / 20) / max(
        float(np.sqrt(np.mean(floor**2))), 1e-9
    )
    x = apply_codec(x + floor, TELEPHONE_SR, "mulaw")
    y = resample(x, TELEPHONE_SR, STORE_SR)
    return np.clip(y, -1.0, 32767 / 32768).astype(np.float32), (pad - start) / TELEPHONE_SR


def _band(wave: np.ndarray, sr: int) -> np.ndarray:
    """Step 1 of the chain: ``wave`` at 8 kHz in the telephone band."""
    x = np.asarray(wave, dtype=np.float32)
    return telephone_band(resample(x, sr, TELEPHONE_SR) if sr != TELEPHONE_SR else x, TELEPHONE_SR)


def kept_range_s(wave: np.ndarray, sr: int) -> tuple[float, float]:
    """The part of ``wave`` the chain keeps, in seconds: what its silence trimming leaves."""
    start, stop = active_range(_band(wave, sr), TELEPHONE_SR, threshold_db=TRIM_DB)
    return start / TELEPHONE_SR, stop / TELEPHONE_SR
