"""Headerless PCM recordings some source packages ship, and how to read them.

A raw file says nothing about itself, so its format is known from where its package installs it:
the Drascula game's ``.ALS`` voices are unsigned 8-bit PCM at 11,025 Hz with 32 bytes to skip at
each end (what ScummVM's engine plays of them), codec2's reference clips are signed 16-bit little-endian at 8 kHz (codec2's native rate) and
the PocketSphinx test clips are signed 16-bit little-endian at 16 kHz (the rate of the en-US
acoustic model they test).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spoofscope.errors import AudioError


@dataclass(frozen=True)
class RawFormat:
    """The sample format of the headerless files with ``suffix`` below ``folder``.

    Attributes:
        folder: absolute folder the files lie in (or below).
        suffix: file extension, matched exactly (Drascula's are upper case).
        dtype: numpy dtype of one sample: ``"u1"`` unsigned 8-bit, ``"<i2"`` signed 16-bit LE.
        sample_rate: samples per second.
        trim_bytes: bytes to drop at each end (not audio, or clicks the game never plays).
    """

    folder: str
    suffix: str
    dtype: str
    sample_rate: int
    trim_bytes: int = 0


RAW_FORMATS: tuple[RawFormat, ...] = (
    RawFormat("/usr/share/scummvm/drascula", ".ALS", "u1", 11025, trim_bytes=32),
    RawFormat("/usr/share/codec2/raw", ".raw", "<i2", 8000),
    RawFormat("/usr/share/pocketsphinx/test/data", ".raw", "<i2", 16000),
)


def raw_format(path: str, formats: tuple[RawFormat, ...] = RAW_FORMATS) -> RawFormat | None:
    """The format of ``path`` when it is one of the known headerless files, else None."""
    for fmt in formats:
        if path.endswith(fmt.suffix) and path.startswith(fmt.folder.rstrip("/") + "/"):
            return fmt
    return None


def raw_frames(path: str, fmt: RawFormat) -> int:
    """Samples in ``path`` (0 when it cannot be read)."""
    try:
        size = Path(path).stat().st_size - 2 * fmt.trim_bytes
    except OSError:
        return 0
    return max(size, 0) // np.dtype(fmt.dtype).itemsize


def read_raw(path: str, fmt: RawFormat) -> tuple[np.ndarray, int]:
    """Decode ``path`` to float32 samples [T] in [-1, 1) and the format's rate.

    Raises:
        AudioError: when the file cannot be read or holds no sample.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AudioError(path, f"cannot read raw PCM: {exc.strerror}") from None
    body = raw[fmt.trim_bytes : len(raw) - fmt.trim_bytes]
    step = np.dtype(fmt.dtype).itemsize
    data = np.frombuffer(body[: len(body) // step * step], dtype=fmt.dtype)
    if data.size == 0:
        raise AudioError(path, "raw PCM file holds no samples")
    if data.dtype.kind == "u":
        # unsigned PCM is centred on half its range (128 for 8-bit)
        mid = 2 ** (8 * data.dtype.itemsize - 1)
        wave = (data.astype(np.float32) - mid) / mid
    else:
        wave = data.astype(np.float32) / 2 ** (8 * data.dtype.itemsize - 1)
    return wave, fmt.sample_rate
