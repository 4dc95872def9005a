"""Decode, validate, downmix and resample audio into float32 waveforms.

Decoding goes through libsndfile (``soundfile``: WAV in every PCM/float/mu-law/A-law flavour, FLAC,
OGG/Vorbis, Opus, MP3); containers libsndfile does not read (MP4/M4A, WebM, raw AAC) fall back to
``ffmpeg`` when it is installed. Resampling uses ``soxr`` (high quality). Every failure becomes a typed
:mod:`spoofscope.errors` error naming the file and the reason; silence, clipping and rescaling are not
errors but flags on the returned :class:`Waveform` (and an :class:`AudioQualityWarning`).

Files, bytes, arrays and tensors meet in :func:`from_array`, so every source is held to the same
limits and raises the same errors; :class:`BlockReader` applies the same checks to a file read block
by block, for recordings too long to hold in memory.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import stat
import struct
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
import soxr

from spoofscope import errors

# Magic numbers of containers libsndfile reads: a file that starts with one of these but fails to
# decode is damaged, not "not audio".
_SNDFILE_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3", b".snd", b"caff")
# Containers we hand to ffmpeg instead (checked at offset 4 for MP4's 'ftyp'): Matroska / WebM,
# ASF (WMA, the GUID its header object starts with), AMR.
_FFMPEG_MAGIC = (
    b"\x1a\x45\xdf\xa3",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",
    b"#!AMR",
)
_MP3_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3")

SILENCE_DBFS = -60.0  # below this RMS a recording is flagged "silent"
CLIP_LEVEL = 0.999  # |x| at or above this counts as a clipped sample
CLIP_FRACTION = 1e-3  # flag "clipped" when at least this fraction of samples is clipped
#: quality flag of float audio whose peak exceeded full scale: the recording was divided by its peak
RESCALED = "rescaled"


class AudioQualityWarning(UserWarning):
    """A recording loaded but is silent, clipped or rescaled; scores on it deserve less trust."""


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
        quality: quality flags, a subset of {"silent", "clipped", "rescaled"} (ndarray already owns
            `.flags`).
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

#: what a file that is not a regular file is, for the error that refuses it
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _name_of(source: Source) -> str:
    if isinstance(source, str | PathLike):
        return str(source)
    if isinstance(source, bytes):
        return "<bytes>"
    return str(getattr(source, "name", "<stream>"))


def _os_error(name: str, exc: OSError) -> errors.AudioError:
    """The typed error of an OS error raised on ``name``."""
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return errors.AudioNotFoundError(name, "no such file")
    if isinstance(exc, IsADirectoryError):
        return errors.AudioIsDirectoryError(name, "is a directory, not an audio file")
    if isinstance(exc, PermissionError):
        return errors.AudioError(name, "permission denied")
    return errors.AudioError(name, f"cannot be read ({exc.strerror or exc})")


@contextlib.contextmanager
def _os_errors(name: str) -> Iterator[None]:
    """Raise an OSError from inside as its typed error (:func:`_os_error`), so that a batch
    reading many files records it against the file and goes on."""
    try:
        yield
    except OSError as exc:
        raise _os_error(name, exc) from None


def _check_file(path: str | PathLike, name: str) -> None:
    """Refuse a path that is missing, a directory or not a regular file, before it is opened.

    A FIFO blocks ``open`` until a writer comes, a socket cannot be opened and a device reads for
    ever, so none of them is opened at all.
    """
    with _os_errors(name):
        mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise errors.AudioIsDirectoryError(name, "is a directory, not an audio file")
    if not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _FILE_KINDS if test(mode)), "a special file")
        raise errors.NotAudioError(name, f"is {kind}, not a regular file")


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


def _is_adts(head: bytes) -> bool:
    """Whether ``head`` starts with an ADTS frame (raw AAC): a 12-bit sync and layer 00, which
    tells it from an MP3 frame header (layer bits 01-11)."""
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def _needs_ffmpeg(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a container only ffmpeg decodes (MP4, WebM, WMA,
    AMR, raw AAC)."""
    return head[4:8] == b"ftyp" or head.startswith(_FFMPEG_MAGIC) or _is_adts(head)


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


def _check_wav_complete(path: str | PathLike, name: str) -> None:
    if _wav_truncated(Path(path)):
        raise errors.CorruptAudioError(
            name, "truncated: WAV data chunk is shorter than its header says"
        )


def _check_frame_count(name: str, decoded: int, expected: int) -> None:
    # Compressed formats report an estimated frame count; only trust a shortfall of whole blocks.
    if 0 < expected < 2**62 and decoded < expected - 4096:
        raise errors.CorruptAudioError(name, f"truncated: decoded {decoded} of {expected} frames")


@contextlib.contextmanager
def _sndfile_errors(name: str, head: bytes) -> Iterator[None]:
    """Raise libsndfile's failures inside as CorruptAudioError when ``head`` is a container it
    reads (the file is damaged), else as NotAudioError."""
    try:
        yield
    except (sf.LibsndfileError, RuntimeError, EOFError) as exc:
        if head.startswith(_SNDFILE_MAGIC) or head[:2] in _MP3_SYNC:
            raise errors.CorruptAudioError(
                name, f"damaged or truncated audio data ({exc})"
            ) from None
        raise errors.NotAudioError(name, "not an audio file in any supported format") from None


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
#: subtypes whose decoded samples cannot leave [-1, 1]: a file of them needs no search for its peak
_BOUNDED_SUBTYPES = frozenset(_INTEGER_READ) | {"ULAW", "ALAW"}

#: integer arrays taken as PCM, by (dtype kind, bytes a sample): the offset of their zero and
#: the scale that maps their full scale to [-1, 1), as libsndfile reads the same PCM from a file
_INTEGER_ARRAYS = {
    ("i", 1): (0, 2.0**-7),
    ("i", 2): (0, 2.0**-15),
    ("i", 4): (0, 2.0**-31),
    ("u", 1): (128, 2.0**-7),
}


def _read_float(fh: sf.SoundFile, frames: int = -1) -> np.ndarray:
    """The next ``frames`` frames of ``fh`` (-1: all that are left) as ``[frames, channels]`` float32."""
    dtype, scale = _INTEGER_READ.get(fh.subtype, ("float32", 1.0))
    samples = fh.read(frames, dtype=dtype, always_2d=True)
    if dtype == "float32":
        return samples
    out = samples.astype(np.float32)
    out *= np.float32(scale)
    return out


def _check_rate(name: str, rate: object, limits: AudioLimits, what: str = "sample rate") -> int:
    """``rate`` as an int, or SampleRateError when it is not a whole number of Hz within the limits."""
    if isinstance(rate, bool) or not isinstance(rate, int | float | np.integer | np.floating):
        raise errors.SampleRateError(name, f"{what} {rate!r} is not a number of Hz")
    if not float(rate).is_integer():
        raise errors.SampleRateError(name, f"{what} {rate} Hz is not a whole number of Hz")
    if not limits.min_sr <= rate <= limits.max_sr:
        raise errors.SampleRateError(
            name, f"{what} {int(rate)} Hz is outside {limits.min_sr}-{limits.max_sr} Hz"
        )
    return int(rate)


def _check_too_long(name: str, frames: int, sr: int, limits: AudioLimits) -> None:
    duration = frames / sr
    if limits.max_duration is not None and duration > limits.max_duration:
        raise errors.AudioTooLongError(
            name, f"{duration:.1f} s is longer than the maximum {limits.max_duration:g} s"
        )


def _check_duration(name: str, frames: int, sr: int, limits: AudioLimits) -> None:
    """AudioTooShortError or AudioTooLongError when ``frames`` at ``sr`` is outside the limits."""
    duration = frames / sr
    if duration < limits.min_duration:
        raise errors.AudioTooShortError(
            name, f"{duration:.3f} s is shorter than the minimum {limits.min_duration:g} s"
        )
    _check_too_long(name, frames, sr, limits)


def _count_non_finite(samples: np.ndarray) -> int:
    # A NaN or infinity anywhere makes the sum non-finite; one reduction screens the common case.
    if np.isfinite(samples.sum()):
        return 0
    return int(np.count_nonzero(~np.isfinite(samples)))


def _non_finite(name: str, bad: int) -> errors.NonFiniteAudioError:
    return errors.NonFiniteAudioError(name, f"{bad} samples are NaN or infinite")


def _peak(samples: np.ndarray) -> float:
    return max(float(samples.max()), -float(samples.min())) if samples.size else 0.0


def _rescale(samples: np.ndarray, peak: float) -> np.ndarray:
    """``samples`` divided by ``peak`` in their own precision (a float32 reciprocal of a peak near
    float32's maximum would be subnormal)."""
    return samples / samples.dtype.type(peak)


def _downmix(samples: np.ndarray) -> np.ndarray:
    """``[frames, channels]`` → ``[frames]``: the mean of the channels."""
    return samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]


def _decode(source: Source, name: str, limits: AudioLimits) -> tuple[np.ndarray, int]:
    """Decode to ``[frames, channels]`` float32 and the file's sample rate.

    The header's rate and length are checked against ``limits`` before the samples are read, so
    a 10-hour file is refused without decoding it.
    """
    head = _read_head(source)
    if not head:
        raise errors.EmptyAudioError(name, "file is empty (0 bytes)")
    if _needs_ffmpeg(head):
        return _decode_ffmpeg(source, name)
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    with _sndfile_errors(name, head), sf.SoundFile(opened) as fh:
        sr = _check_rate(name, fh.samplerate, limits)
        expected = fh.frames
        if 0 < expected < 2**62:
            _check_too_long(name, expected, sr, limits)
        samples = _read_float(fh)
    _check_frame_count(name, samples.shape[0], expected)
    if isinstance(source, str | PathLike):
        _check_wav_complete(source, name)
    return samples, sr


class _QualityMeter:
    """The statistics :func:`quality_flags` judges, summed over a recording seen in blocks."""

    def __init__(self) -> None:
        self.energy = 0.0
        self.size = 0
        self.clipped = 0

    def add(self, samples: np.ndarray) -> None:
        # One BLAS dot and two extrema instead of float64 temporaries: this runs on every file
        # loaded, and a batch extractor spends a third of its decoding time here otherwise.
        flat = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if not flat.size:
            return
        energy = float(np.dot(flat, flat))
        if not np.isfinite(energy):  # overflowed float32: recompute exactly
            energy = float(np.sum(np.square(flat, dtype=np.float64)))
        self.energy += energy
        self.size += flat.size
        if _peak(flat) >= CLIP_LEVEL:
            self.clipped += int(np.count_nonzero(np.abs(flat) >= CLIP_LEVEL))

    def flags(self) -> frozenset[str]:
        if not self.size:
            return frozenset({"silent"})
        flags = set()
        if np.sqrt(self.energy / self.size) <= 10 ** (SILENCE_DBFS / 20):
            flags.add("silent")
        if self.clipped and self.clipped >= CLIP_FRACTION * self.size:
            flags.add("clipped")
        return frozenset(flags)


def quality_flags(samples: np.ndarray) -> frozenset[str]:
    """Return {"silent", "clipped"} flags for a mono float waveform (never raises)."""
    meter = _QualityMeter()
    meter.add(samples)
    return meter.flags()


def _warn_quality(name: str, flags: frozenset[str]) -> None:
    if flags:
        warnings.warn(f"{name}: {', '.join(sorted(flags))}", AudioQualityWarning, stacklevel=3)


def resample(samples: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample a ``[T]`` or ``[T, C]`` float array with soxr's high-quality filter."""
    if sr_in == sr_out:
        return samples
    return soxr.resample(samples, sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def _as_numpy(samples: Any) -> np.ndarray:
    """A numpy view of an array, a sequence or a torch tensor (duck-typed: no torch import here)."""
    if hasattr(samples, "detach") and hasattr(samples, "cpu"):
        tensor = samples.detach().cpu()
        try:
            return tensor.numpy()
        except TypeError:  # bfloat16 and other dtypes numpy lacks
            return tensor.float().numpy()
    return np.asarray(samples)


def from_array(
    samples: Any,
    sr: int | None = None,
    *,
    target_sr: int | None = None,
    mono: bool = True,
    limits: AudioLimits = DEFAULT_LIMITS,
    name: str | None = None,
    channel_axis: int | None = None,
) -> Waveform:
    """Validate samples and bring them to a float32 :class:`Waveform`, as :func:`load` does for a file.

    Every source ends here: :func:`load` after decoding, and arrays, torch tensors and loaded
    waveforms given to the Detector; so they meet the same limits and raise the same errors.

    Args:
        samples: ``[T]``, or ``[C, T]`` / ``[T, C]``: a numpy array, a torch tensor or a sequence.
            float arrays are taken as they are; int8, int16 and int32 as PCM divided by their full
            scale, uint8 as PCM offset by 128 (as libsndfile reads the same PCM from a file).
        sr: sample rate of ``samples`` in Hz; None only for a :class:`Waveform` (its own ``sr``).
        target_sr: sample rate of the result; None keeps ``sr``.
        mono: downmix to one channel (the mean of channels); otherwise the result is ``[C, T]``.
        limits: duration and sample-rate bounds; durations are judged before any resampling, so
            a rate of 1 Hz or a day-long array is refused before memory is spent on it.
        name: what errors and warnings name; default the Waveform's path, else ``<array>``.
        channel_axis: the axis of 2-D samples that holds channels; None: the shorter one
            (axis 0 when they are equal, the ``[C, T]`` layout :func:`load` returns).

    Returns:
        A :class:`Waveform` as :func:`load` returns it: float32, ``[T]`` or ``[C, T]``, in [-1, 1]
        (float samples whose peak is above 1 are divided by it and flagged ``rescaled``).

    Raises:
        ConfigError: no ``sr`` for samples that are not a Waveform.
        SampleRateError: ``sr`` or ``target_sr`` not a whole number of Hz within the limits.
        NotAudioError: samples of a dtype that is not audio (bool, complex, object, int64, ...) or
            of more than two dimensions.
        EmptyAudioError, AudioTooShortError, AudioTooLongError, NonFiniteAudioError.
    """
    carried: dict[str, Any] = {}
    if isinstance(samples, Waveform):
        sr = samples.sr if sr is None else sr
        name = samples.path if name is None else name
        carried = {"source_sr": samples.source_sr, "source_channels": samples.source_channels}
    name = name or "<array>"
    if sr is None:
        raise errors.ConfigError("sr", "an array needs its sample rate (sr=...)")
    sr = _check_rate(name, sr, limits)
    out_sr = sr if target_sr is None else _check_rate(name, target_sr, limits, "target rate")

    x = _as_numpy(samples)
    pcm = _INTEGER_ARRAYS.get((x.dtype.kind, x.dtype.itemsize))
    if x.dtype.kind != "f" and pcm is None:
        raise errors.NotAudioError(
            name,
            f"samples of dtype {x.dtype} are not audio: pass float, or int8/16/32 or uint8 PCM",
        )
    if x.ndim not in (1, 2):
        raise errors.NotAudioError(name, f"samples of shape {x.shape} are not [T] or [C, T]")
    if x.ndim == 1:
        x = x[:, None]  # [T, 1]
    else:
        first = x.shape[0] <= x.shape[1] if channel_axis is None else channel_axis % 2 == 0
        x = x.T if first else x  # [T, C]
    if not x.size:
        raise errors.EmptyAudioError(name, "contains zero samples")
    _check_duration(name, x.shape[0], sr, limits)

    rescaled = False
    if pcm is not None:
        offset, scale = pcm
        x = x.astype(np.float32)
        if offset:
            x -= np.float32(offset)
        x *= np.float32(scale)
    else:
        bad = _count_non_finite(x)
        if bad:
            raise _non_finite(name, bad)
        # Float audio beyond full scale is divided by its peak rather than refused: such files are
        # almost always float WAVs written at integer scale, and a model's front-end overflows on
        # them (NaN scores at 1e19). A cap would distort the waveform; a uniform gain keeps it.
        peak = _peak(x)
        rescaled = peak > 1.0
        x = (_rescale(x, peak) if rescaled else x).astype(np.float32, copy=False)

    channels = x.shape[1]
    if mono:
        x = _downmix(x)[:, None]
    # soxr returns no samples for less than one output period (1 sample at 44.1 kHz to 16 kHz);
    # repeat the recording until it fills one, as the Detector's windows repeat-pad it later.
    shortest = math.ceil(sr / out_sr)
    if x.shape[0] < shortest:
        x = np.take(x, np.arange(shortest) % x.shape[0], axis=0)
    x = resample(x, sr, out_sr)
    out = np.ascontiguousarray(x[:, 0] if mono else x.T, dtype=np.float32)

    flags = quality_flags(out) | ({RESCALED} if rescaled else set())
    if isinstance(samples, Waveform):
        flags |= samples.quality
    _warn_quality(name, flags)
    meta: dict[str, Any] = {"source_sr": sr, "source_channels": channels}
    meta.update({key: value for key, value in carried.items() if value is not None})
    return Waveform(out, sr=out_sr, path=name, quality=frozenset(flags), **meta)


def load(
    source: Source,
    sr: int | None = 16000,
    mono: bool = True,
    limits: AudioLimits = DEFAULT_LIMITS,
) -> Waveform:
    """Load an audio file as a float32 waveform in [-1, 1].

    Integer PCM is divided by its full scale. Float samples (float WAV, and lossy codecs, which
    decode to float) whose peak is above 1 are divided by that peak, so the result is in [-1, 1],
    and flagged ``rescaled``: a float WAV written at integer scale scores as the same recording
    in PCM does, where as it is it overflowed the models' front-ends. Resampling a recording at
    full scale can ring a little past ±1; that is left as it is.

    Args:
        source: a path, raw bytes, or a binary file object.
        sr: target sample rate in Hz; None keeps the file's rate.
        mono: downmix to one channel (mean of channels); otherwise the result is ``[C, T]``.
        limits: duration and sample-rate bounds.

    Returns:
        A :class:`Waveform` (``[T]`` mono or ``[C, T]``) carrying ``sr`` and ``quality`` flags
        (``silent``, ``clipped``, ``rescaled``; each also raises an :class:`AudioQualityWarning`).

    Raises:
        AudioNotFoundError, AudioIsDirectoryError, NotAudioError (also for a FIFO, socket or
        device, refused before it is opened), CorruptAudioError, EmptyAudioError,
        NonFiniteAudioError, AudioTooShortError, AudioTooLongError, SampleRateError; AudioError
        for an OS error such as a permission denied.
    """
    name = _name_of(source)
    if isinstance(source, str | PathLike):
        _check_file(source, name)
    if sr is not None:
        _check_rate(name, sr, limits, "target rate")
    with _os_errors(name):
        samples, file_sr = _decode(source, name, limits)
    return from_array(
        samples, file_sr, target_sr=sr, mono=mono, limits=limits, name=name, channel_axis=1
    )


#: seconds of a file :class:`BlockReader` decodes at a time
BLOCK_SECONDS = 30.0


class BlockReader:
    """A file read as mono float32 blocks at a target rate, in memory that does not grow with it.

    It holds a file to what :func:`load` holds it: construction checks what the header tells (the
    path, the format, the rates, the length) and iterating what the samples tell (NaN, truncation,
    the exact length), with the same errors. Blocks are rescaled as :func:`from_array` rescales
    (float files are read twice: once for their peak), downmixed, and resampled by soxr's
    streaming resampler, whose output equals its one-shot output sample for sample; so the blocks
    put end to end are the samples :func:`load` returns. After an iteration ends, ``quality``
    holds the flags :func:`load` would give and ``length`` the number of samples yielded.

    Containers only ffmpeg decodes (MP4, WebM) cannot be read in blocks (``streamable`` is False):
    iterating one loads it whole and yields it as one block.

    Args:
        path: the file.
        sr: target sample rate in Hz; None keeps the file's.
        limits: duration and sample-rate bounds, as for :func:`load`.
        block_seconds: seconds of the file decoded at a time.

    Raises:
        what :func:`load` raises, from the constructor or from iteration.
    """

    def __init__(
        self,
        path: str | PathLike,
        sr: int | None = 16000,
        limits: AudioLimits = DEFAULT_LIMITS,
        block_seconds: float = BLOCK_SECONDS,
    ) -> None:
        self.path = name = str(path)
        _check_file(path, name)
        self.sr = None if sr is None else _check_rate(name, sr, limits, "target rate")
        self.limits = limits
        self.quality: frozenset[str] = frozenset()
        self.length = 0
        with _os_errors(name):
            self._head = _read_head(path)
        if not self._head:
            raise errors.EmptyAudioError(name, "file is empty (0 bytes)")
        self.streamable = not _needs_ffmpeg(self._head)
        self.source_sr: int | None = None
        self.source_channels: int | None = None
        self.frames = 0
        if not self.streamable:
            return
        with _os_errors(name), _sndfile_errors(name, self._head), sf.SoundFile(name) as fh:
            self.source_sr = _check_rate(name, fh.samplerate, limits)
            self.source_channels, self.frames, self._subtype = fh.channels, fh.frames, fh.subtype
        if 0 < self.frames < 2**62:
            _check_too_long(name, self.frames, self.source_sr, limits)
        with _os_errors(name):
            _check_wav_complete(path, name)
        self._block = max(1, int(block_seconds * self.source_sr))

    @property
    def duration(self) -> float | None:
        """Seconds of audio the header declares (an estimate for compressed formats); None when
        only ffmpeg can tell."""
        return self.frames / self.source_sr if self.source_sr else None

    def _blocks(self) -> Iterator[np.ndarray]:
        """The file's ``[frames, channels]`` float32 blocks as decoded, errors typed."""
        with (
            _os_errors(self.path),
            _sndfile_errors(self.path, self._head),
            sf.SoundFile(self.path) as fh,
        ):
            while True:
                block = _read_float(fh, self._block)
                if not block.shape[0]:
                    return
                yield block

    def _peak(self) -> float:
        """The peak of the whole file; NonFiniteAudioError counting every NaN and infinity."""
        peak, bad = 0.0, 0
        for block in self._blocks():
            bad += _count_non_finite(block)
            peak = peak if bad else max(peak, _peak(block))
        if bad:
            raise _non_finite(self.path, bad)
        return peak

    def __iter__(self) -> Iterator[np.ndarray]:
        """Mono float32 blocks ``[n]`` at ``sr``, in order; ``quality`` and ``length`` are set at the end."""
        if not self.streamable:
            wave = load(self.path, self.sr, limits=self.limits)
            self.quality, self.length = wave.quality, wave.shape[-1]
            yield wave
            return
        name, sr = self.path, self.source_sr
        assert sr is not None  # streamable files have a header rate
        out_sr = sr if self.sr is None else self.sr
        peak = 0.0 if self._subtype in _BOUNDED_SUBTYPES else self._peak()
        stream = soxr.ResampleStream(sr, out_sr, 1, dtype="float32", quality="HQ")
        meter, decoded, self.length = _QualityMeter(), 0, 0
        for block in self._blocks():
            decoded += block.shape[0]
            _check_too_long(name, decoded, sr, self.limits)  # a header that understated it
            if peak > 1.0:
                block = _rescale(block, peak)
            mono = _downmix(block)
            out = stream.resample_chunk(mono) if out_sr != sr else mono
            meter.add(out)
            self.length += out.shape[0]
            yield out
        if out_sr != sr:
            tail = stream.resample_chunk(np.zeros(0, np.float32), last=True)
            meter.add(tail)
            self.length += tail.shape[0]
            yield tail
        _check_frame_count(name, decoded, self.frames)
        if not decoded:
            raise errors.EmptyAudioError(name, "contains zero samples")
        _check_duration(name, decoded, sr, self.limits)
        self.quality = meter.flags() | ({RESCALED} if peak > 1.0 else set())
        _warn_quality(name, self.quality)


def info(path: str | PathLike) -> tuple[int, int, float]:
    """Return (sample_rate, channels, duration_seconds) from the header, without decoding samples.

    Raises the same typed errors as :func:`load` for missing, directory, non-regular and non-audio paths.
    """
    name = str(path)
    _check_file(path, name)
    try:
        meta = sf.info(name)
    except (sf.LibsndfileError, RuntimeError):
        wave = load(path, sr=None, mono=False, limits=AudioLimits(max_duration=None))
        return wave.sr, wave.source_channels, wave.duration
    return meta.samplerate, meta.channels, meta.frames / meta.samplerate
