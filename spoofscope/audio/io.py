"""Decode, validate, downmix and resample audio files into float32 waveforms.

Decoding goes through libsndfile (``soundfile``: WAV in every PCM/float/mu-law/A-law flavour, FLAC,
OGG/Vorbis, Opus, MP3); containers libsndfile does not read (MP4/M4A, WebM, raw AAC) fall back to
``ffmpeg`` when it is installed. Resampling uses ``soxr`` (high quality). Every failure becomes a typed
:mod:`spoofscope.errors` error naming the file and the reason; silence and clipping are not errors but
flags on the returned :class:`Waveform` (and an :class:`AudioQualityWarning`).
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import warnings
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from spoofscope import errors

# Magic numbers of containers libsndfile reads: a file that starts with one of these but fails to
# decode is damaged, not "not audio".
_SNDFILE_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3", b".snd", b"caff")
# Containers we hand to ffmpeg instead (checked at offset 4 for MP4's 'ftyp').
_FFMPEG_MAGIC = (b"\x1a\x45\xdf\xa3",)  # Matroska / WebM
_MP3_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3")

SILENCE_DBFS = -60.0  # below this RMS a recording is flagged "silent"
CLIP_LEVEL = 0.999  # |x| at or above this counts as a clipped sample
CLIP_FRACTION = 1e-3  # flag "clipped" when at least this fraction of samples is clipped


class AudioQualityWarning(UserWarning):
    """A recording loaded but is silent or clipped; scores on it deserve less trust."""


@dataclass(frozen=True)
class AudioLimits:
    """Bounds a recording must satisfy to be loaded.

    Attributes:
        min_duration: seconds; shorter recordings raise AudioTooShortError (0 disables the check).
        max_duration: seconds; longer recordings raise AudioTooLongError (None disables the check).
        min_sr: lowest sample rate accepted from a file or as a target, in Hz.
        max_sr: highest sample rate accepted, in Hz.
    """

    min_duration: float = 0.0
    max_duration: float | None = 600.0
    min_sr: int = 1000
    max_sr: int = 384_000


DEFAULT_LIMITS = AudioLimits()


class Waveform(np.ndarray):
    """A float32 numpy array of samples that also carries where it came from.

    Attributes:
        sr: sample rate of the samples, in Hz.
        source_sr: sample rate of the file before resampling.
        source_channels: channel count of the file before downmixing.
        path: the file name (or "<stream>").
        quality: quality flags, a subset of {"silent", "clipped"} (ndarray already owns `.flags`).
    """

    sr: int
    source_sr: int
    source_channels: int
    path: str
    quality: frozenset[str]

    def __new__(cls, samples: np.ndarray, **meta: object) -> Waveform:
        obj = np.asarray(samples, dtype=np.float32).view(cls)
        for key, value in meta.items():
            setattr(obj, key, value)
        return obj

    def __array_finalize__(self, obj: object) -> None:
        for key in ("sr", "source_sr", "source_channels", "path"):
            setattr(self, key, getattr(obj, key, None))
        self.quality = getattr(obj, "quality", frozenset())

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.shape[-1] / float(self.sr)


Source = str | PathLike | BinaryIO | bytes


def _name_of(source: Source) -> str:
    if isinstance(source, str | PathLike):
        return str(source)
    if isinstance(source, bytes):
        return "<bytes>"
    return str(getattr(source, "name", "<stream>"))


def _read_head(source: Source, n: int = 64) -> bytes:
    if isinstance(source, bytes):
        return source[:n]
    if isinstance(source, str | PathLike):
        with open(source, "rb") as fh:
            return fh.read(n)
    pos = source.tell()
    head = source.read(n)
    source.seek(pos)
    return head


def _wav_truncated(path: Path) -> bool:
    """True when a RIFF/WAVE file declares more sample data than the file holds.

    libsndfile silently reads what is there; a recording cut short in transfer would then pass as a
    shorter, valid one, so we check the data chunk's declared size ourselves.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if fh.read(4) != b"RIFF":
            return False
        fh.seek(12)
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk_id == b"data":
                # 0xFFFFFFFF and 0 are streaming placeholders written by recorders that never seek back.
                if chunk_size in (0, 0xFFFFFFFF):
                    return False
                return fh.tell() + chunk_size > size
            fh.seek(chunk_size + (chunk_size & 1), io.SEEK_CUR)


def _decode_ffmpeg(source: Source, name: str) -> tuple[np.ndarray, int]:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise errors.NotAudioError(
            name, "format not readable by libsndfile and ffmpeg is not installed"
        )
    data = source if isinstance(source, bytes) else None
    args = [exe, "-v", "error", "-nostdin"]
    if data is None and isinstance(source, str | PathLike):
        args += ["-i", str(source)]
    else:
        data = data if data is not None else source.read()  # type: ignore[union-attr]
        args += ["-i", "pipe:0"]
    args += ["-f", "wav", "-acodec", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(args, input=data, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise errors.CorruptAudioError(name, reason[-1] if reason else "ffmpeg could not decode it")
    samples, sr = sf.read(io.BytesIO(proc.stdout), dtype="float32", always_2d=True)
    return samples, sr


#: integer PCM subtypes read as integers and scaled here: libsndfile's own float conversion costs
#: about three times as much, and the result is the same (it also divides by the full scale).
_INTEGER_READ = {
    "PCM_S8": ("int16", 2.0**-15),
    "PCM_U8": ("int16", 2.0**-15),
    "PCM_16": ("int16", 2.0**-15),
    "PCM_24": ("int32", 2.0**-31),
    "PCM_32": ("int32", 2.0**-31),
}


def _read_float(fh: sf.SoundFile) -> np.ndarray:
    """All frames of ``fh`` as ``[frames, channels]`` float32 in [-1, 1)."""
    dtype, scale = _INTEGER_READ.get(fh.subtype, ("float32", 1.0))
    samples = fh.read(dtype=dtype, always_2d=True)
    if dtype == "float32":
        return samples
    out = samples.astype(np.float32)
    out *= np.float32(scale)
    return out


def _decode(source: Source, name: str) -> tuple[np.ndarray, int]:
    """Decode to ``[frames, channels]`` float32 and the file's sample rate."""
    head = _read_head(source)
    if not head:
        raise errors.EmptyAudioError(name, "file is empty (0 bytes)")
    if head[4:8] == b"ftyp" or head.startswith(_FFMPEG_MAGIC):
        return _decode_ffmpeg(source, name)
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with sf.SoundFile(opened) as fh:
            expected = fh.frames
            samples = _read_float(fh)
            sr = fh.samplerate
    except (sf.LibsndfileError, RuntimeError, EOFError) as exc:
        known = head.startswith(_SNDFILE_MAGIC) or head[:2] in _MP3_SYNC
        if known:
            raise errors.CorruptAudioError(
                name, f"damaged or truncated audio data ({exc})"
            ) from None
        raise errors.NotAudioError(name, "not an audio file in any supported format") from None
    # Compressed formats report an estimated frame count; only trust a shortfall of whole blocks.
    if 0 < expected < 2**62 and samples.shape[0] < expected - 4096:
        raise errors.CorruptAudioError(
            name, f"truncated: decoded {samples.shape[0]} of {expected} frames"
        )
    if isinstance(source, str | PathLike) and _wav_truncated(Path(source)):
        raise errors.CorruptAudioError(
            name, "truncated: WAV data chunk is shorter than its header says"
        )
    return samples, sr


def quality_flags(samples: np.ndarray) -> frozenset[str]:
    """Return {"silent", "clipped"} flags for a mono float waveform (never raises)."""
    flags = set()
    if not samples.size:
        return frozenset({"silent"})
    # One BLAS dot and two extrema instead of float64 temporaries: this runs on every file loaded,
    # and a batch extractor spends a third of its decoding time here otherwise.
    flat = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    energy = float(np.dot(flat, flat))
    if not np.isfinite(energy):  # overflowed float32: recompute exactly
        energy = float(np.sum(np.square(flat, dtype=np.float64)))
    if np.sqrt(energy / flat.size) <= 10 ** (SILENCE_DBFS / 20):
        flags.add("silent")
    peak = max(float(flat.max()), -float(flat.min()))
    clipped = peak >= CLIP_LEVEL and np.count_nonzero(np.abs(flat) >= CLIP_LEVEL)
    if clipped and clipped >= CLIP_FRACTION * flat.size:
        flags.add("clipped")
    return frozenset(flags)


def resample(samples: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample a ``[T]`` or ``[T, C]`` float array with soxr's high-quality filter."""
    if sr_in == sr_out:
        return samples
    return soxr.resample(samples, sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def load(
    source: Source,
    sr: int | None = 16000,
    mono: bool = True,
    limits: AudioLimits = DEFAULT_LIMITS,
) -> Waveform:
    """Load an audio file as a float32 waveform in [-1, 1].

    Args:
        source: a path, raw bytes, or a binary file object.
        sr: target sample rate in Hz; None keeps the file's rate.
        mono: downmix to one channel (mean of channels); otherwise the result is ``[C, T]``.
        limits: duration and sample-rate bounds.

    Returns:
        A :class:`Waveform` (``[T]`` mono or ``[C, T]``) carrying ``sr`` and ``quality`` flags.

    Raises:
        AudioNotFoundError, AudioIsDirectoryError, NotAudioError, CorruptAudioError, EmptyAudioError,
        NonFiniteAudioError, AudioTooShortError, AudioTooLongError, SampleRateError.
    """
    name = _name_of(source)
    if isinstance(source, str | PathLike):
        path = Path(source)
        if path.is_dir():
            raise errors.AudioIsDirectoryError(name, "is a directory, not an audio file")
        if not path.exists():
            raise errors.AudioNotFoundError(name, "no such file")
    if sr is not None and not limits.min_sr <= sr <= limits.max_sr:
        raise errors.SampleRateError(
            name, f"target rate {sr} Hz is outside {limits.min_sr}-{limits.max_sr} Hz"
        )

    samples, file_sr = _decode(source, name)
    if not limits.min_sr <= file_sr <= limits.max_sr:
        raise errors.SampleRateError(
            name, f"sample rate {file_sr} Hz is outside {limits.min_sr}-{limits.max_sr} Hz"
        )
    if samples.shape[0] == 0:
        raise errors.EmptyAudioError(name, "contains zero samples")
    # A NaN or infinity anywhere makes the sum non-finite; one reduction screens the common case.
    if not np.isfinite(samples.sum()):
        bad = int(np.count_nonzero(~np.isfinite(samples)))
        if bad:
            raise errors.NonFiniteAudioError(name, f"{bad} samples are NaN or infinite")
    duration = samples.shape[0] / file_sr
    if duration < limits.min_duration:
        raise errors.AudioTooShortError(
            name, f"{duration:.3f} s is shorter than the minimum {limits.min_duration:g} s"
        )
    if limits.max_duration is not None and duration > limits.max_duration:
        raise errors.AudioTooLongError(
            name, f"{duration:.1f} s is longer than the maximum {limits.max_duration:g} s"
        )

    channels = samples.shape[1]
    if mono:
        samples = samples.mean(axis=1) if channels > 1 else samples[:, 0]
    out_sr = file_sr if sr is None else sr
    samples = resample(samples, file_sr, out_sr)
    samples = np.ascontiguousarray(samples.T if not mono else samples, dtype=np.float32)

    flags = quality_flags(samples)
    if flags:
        warnings.warn(f"{name}: {', '.join(sorted(flags))}", AudioQualityWarning, stacklevel=2)
    return Waveform(
        samples,
        sr=out_sr,
        source_sr=file_sr,
        source_channels=channels,
        path=name,
        quality=flags,
    )


def info(path: str | PathLike) -> tuple[int, int, float]:
    """Return (sample_rate, channels, duration_seconds) from the header, without decoding samples.

    Raises the same typed errors as :func:`load` for missing, directory and non-audio paths.
    """
    name = str(path)
    p = Path(path)
    if p.is_dir():
        raise errors.AudioIsDirectoryError(name, "is a directory, not an audio file")
    if not p.exists():
        raise errors.AudioNotFoundError(name, "no such file")
    try:
        meta = sf.info(name)
    except (sf.LibsndfileError, RuntimeError):
        wave = load(p, sr=None, mono=False, limits=AudioLimits(max_duration=None))
        return wave.sr, wave.source_channels, wave.duration
    return meta.samplerate, meta.channels, meta.frames / meta.samplerate
