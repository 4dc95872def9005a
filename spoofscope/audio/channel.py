"""Channel simulation: telephone band, silence trimming, loudness, and codecs, registered by name.

Every transform is a plain function ``wave [T] float32, sr -> wave [T] float32`` at the same rate, so
LocalSpoof's common chain and the trainer's codec augmentation use the same code::

    from spoofscope.audio.channel import apply_codec, CODECS
    y = apply_codec(x, 16000, "mulaw")
    y = apply_codec(x, 16000, "opus", bitrate="12k")
    y = apply_codec(x, 16000, "noise", snr_db=15, seed=3)

G.711 mu-law / A-law and additive noise are pure numpy; GSM 06.10, MP3 and Opus are coded in memory
by libsndfile (through ``soundfile``), so no codec starts a process.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import soundfile as sf
from scipy import signal

from spoofscope.audio.io import resample
from spoofscope.errors import AudioError, ConfigError
from spoofscope.registry import Registry

#: codec name → function(wave [T], sr, **kw) -> wave [T]; see :func:`apply_codec`.
CODECS: Registry[Callable[..., np.ndarray]] = Registry("codec")

TELEPHONE_SR = 8000
#: ITU-T G.712 voice channel pass band, in Hz.
TELEPHONE_BAND = (300.0, 3400.0)
#: upper edge, in Hz, of the band a channel leaves (one not listed keeps its input's band): what a
#: model trained behind the channel has seen, so the Detector warns only about narrower input
CHANNEL_BANDS: dict[str, float] = {"telephone": TELEPHONE_BAND[1], "gsm": 4000.0}
MU = 255.0  # G.711 mu-law constant
A = 87.6  # G.711 A-law constant


def apply_codec(wave: np.ndarray, sr: int, codec: str, **kw: object) -> np.ndarray:
    """Pass ``wave`` through the named codec or channel and return it at the same rate and length.

    Args:
        wave: mono samples in [-1, 1], shape [T].
        sr: sample rate in Hz.
        codec: a name of :data:`CODECS` (``spoofscope.audio.channel.CODECS.names()``).
        **kw: the codec's options (``bitrate`` for mp3/opus, ``snr_db``/``seed`` for noise, ...).

    Raises:
        UnknownNameError: when the codec is not registered.
        ConfigError: an option out of the codec's range (a bitrate it cannot code).
        AudioError: when libsndfile fails on the samples.
    """
    x = np.asarray(wave, dtype=np.float32)
    y = CODECS.get(codec)(x, sr, **kw)
    return _match_length(np.asarray(y, dtype=np.float32), len(x))


def _match_length(y: np.ndarray, n: int) -> np.ndarray:
    # Codecs pad to whole frames (GSM 160 samples, Opus 20 ms); keep the caller's length.
    if len(y) >= n:
        return y[:n]
    return np.pad(y, (0, n - len(y)))


@CODECS.register("telephone")
def telephone_band(
    wave: np.ndarray, sr: int, band: tuple[float, float] = TELEPHONE_BAND
) -> np.ndarray:
    """Narrow-band telephone channel: down to 8 kHz, band-pass ``band`` (4th-order Butterworth), back up.

    The zero-phase filter keeps onsets in place, so silence trimming after it sees the same speech.
    """
    narrow = resample(wave, sr, TELEPHONE_SR) if sr != TELEPHONE_SR else wave.astype(np.float64)
    sos = signal.butter(4, band, btype="bandpass", fs=TELEPHONE_SR, output="sos")
    narrow = signal.sosfiltfilt(sos, narrow) if len(narrow) > 27 else narrow
    out = resample(narrow.astype(np.float32), TELEPHONE_SR, sr) if sr != TELEPHONE_SR else narrow
    return np.asarray(out, dtype=np.float32)


def _companded(wave: np.ndarray, encode: Callable, decode: Callable) -> np.ndarray:
    # G.711 stores 8 bits a sample: compand, quantise to 256 levels, expand.
    x = np.clip(wave.astype(np.float64), -1.0, 1.0)
    q = np.round(encode(x) * 127.0) / 127.0
    return decode(q).astype(np.float32)


def _mulaw_encode(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)


def _mulaw_decode(y: np.ndarray) -> np.ndarray:
    return np.sign(y) * np.expm1(np.abs(y) * np.log1p(MU)) / MU


def _alaw_encode(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x) * A
    small = ax < 1.0
    mag = np.where(small, ax, 1.0 + np.log(np.maximum(ax, 1.0))) / (1.0 + np.log(A))
    return np.sign(x) * mag


def _alaw_decode(y: np.ndarray) -> np.ndarray:
    m = np.abs(y) * (1.0 + np.log(A))
    mag = np.where(m < 1.0, m, np.exp(m - 1.0)) / A
    return np.sign(y) * mag


@CODECS.register("mulaw")
def mulaw(wave: np.ndarray, sr: int) -> np.ndarray:
    """G.711 mu-law at 8 bits a sample (North American / Japanese telephony)."""
    return _companded(wave, _mulaw_encode, _mulaw_decode)


@CODECS.register("alaw")
def alaw(wave: np.ndarray, sr: int) -> np.ndarray:
    """G.711 A-law at 8 bits a sample (European telephony)."""
    return _companded(wave, _alaw_encode, _alaw_decode)


@CODECS.register("noise")
def additive_noise(
    wave: np.ndarray, sr: int, snr_db: float = 20.0, seed: int = 0, color: str = "white"
) -> np.ndarray:
    """Add white or pink Gaussian noise at ``snr_db`` relative to the signal's mean power.

    Raises:
        ConfigError: for an unknown ``color``.
    """
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(wave))
    if color == "pink":
        # Pink (1/f power) by shaping white noise in the frequency domain.
        spec = np.fft.rfft(noise)
        spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1.0))
        noise = np.fft.irfft(spec, n=len(wave))
    elif color != "white":
        raise ConfigError(f"noise color '{color}'", "use 'white' or 'pink'")
    p_signal = float(np.mean(wave.astype(np.float64) ** 2)) or 1e-12
    noise *= np.sqrt(p_signal / (10 ** (snr_db / 10)) / max(float(np.mean(noise**2)), 1e-20))
    return (wave + noise).astype(np.float32)


def _sndfile_roundtrip(
    wave: np.ndarray, sr: int, codec_sr: int, fmt: str, subtype: str, **options: object
) -> np.ndarray:
    """Encode ``wave`` in memory with libsndfile (``fmt``/``subtype`` at ``codec_sr``) and decode it
    back to ``sr``: no process per call, which made codec augmentation 3-10x cheaper than piping through ffmpeg."""
    pcm = np.clip(resample(np.asarray(wave, dtype=np.float32), sr, codec_sr), -1.0, 1.0)
    buffer = io.BytesIO()
    try:
        sf.write(buffer, pcm, codec_sr, format=fmt, subtype=subtype, **options)
        buffer.seek(0)
        decoded, _ = sf.read(buffer, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioError(f"<{subtype} round trip>", str(exc)) from None
    return resample(decoded, codec_sr, sr)


#: MPEG layer III constant bitrates (kbit/s) libsndfile spans with its compression level, by
#: sample rate: MPEG-2.5 at 8 kHz, MPEG-2 at 16 kHz (level 0 = highest, 1 = lowest bitrate).
_MP3_BITRATES = {8000: (8, 64), 16000: (8, 160)}


def _kbps(bitrate: str | int) -> float:
    """``"16k"`` or ``16000`` → 16.0 (kbit/s)."""
    text = str(bitrate).strip().lower()
    try:
        return float(text[:-1]) if text.endswith("k") else float(text) / 1000
    except ValueError:
        raise ConfigError("bitrate", f"'{bitrate}' is not a bitrate such as 16k") from None


@CODECS.register("gsm")
def gsm(wave: np.ndarray, sr: int) -> np.ndarray:
    """GSM 06.10 full rate (13 kbit/s at 8 kHz), the codec of mobile calls and Asterisk prompts."""
    return _sndfile_roundtrip(wave, sr, 8000, "WAV", "GSM610")


@CODECS.register("mp3")
def mp3(wave: np.ndarray, sr: int, bitrate: str = "16k") -> np.ndarray:
    """MP3 (LAME, constant bitrate) at ``bitrate``; low rates code at 8 kHz (for 8 kHz input) or
    16 kHz, as encoders do at 8-32 kbit/s."""
    codec_sr = 8000 if sr <= 8000 else 16000
    low, high = _MP3_BITRATES[codec_sr]
    kbps = _kbps(bitrate)
    if not low <= kbps <= high:
        raise ConfigError("mp3.bitrate", f"{bitrate} is outside {low}k-{high}k at {codec_sr} Hz")
    level = min((high - kbps) / (high - low), 0.999)  # libsndfile refuses exactly 1.0
    return _sndfile_roundtrip(
        wave, sr, codec_sr, "MP3", "MPEG_LAYER_III",
        compression_level=level, bitrate_mode="CONSTANT",
    )  # fmt: skip


#: Opus bitrates (kbit/s, one channel) libsndfile spans with its compression level: level 0 asks
#: for 256k, level 1 for 6k, linearly in between (measured on speech at 16 kHz: level 0.95 gives
#: 18.8k, 0.99 gives 8.7k).
_OPUS_BITRATES = (6, 256)


@CODECS.register("opus")
def opus(wave: np.ndarray, sr: int, bitrate: str = "12k") -> np.ndarray:
    """Opus in Ogg at ``bitrate``, coded at 16 kHz as wideband VoIP and WebRTC calls run it."""
    low, high = _OPUS_BITRATES
    kbps = _kbps(bitrate)
    if not low <= kbps <= high:
        raise ConfigError("opus.bitrate", f"{bitrate} is outside {low}k-{high}k")
    level = min((high - kbps) / (high - low), 0.999)
    return _sndfile_roundtrip(wave, sr, 16000, "OGG", "OPUS", compression_level=level)


def frame_rms_db(wave: np.ndarray, sr: int, frame_s: float = 0.02) -> np.ndarray:
    """RMS level of consecutive non-overlapping frames in dBFS, shape [frames] (empty for no frame)."""
    n = max(1, round(frame_s * sr))
    frames = len(wave) // n
    if frames == 0:
        return np.zeros(0)
    blocks = wave[: frames * n].astype(np.float64).reshape(frames, n)
    return 10 * np.log10(np.mean(blocks**2, axis=1) + 1e-12)


def active_range(
    wave: np.ndarray,
    sr: int,
    threshold_db: float = -35.0,
    frame_s: float = 0.02,
    keep_s: float = 0.0,
) -> tuple[int, int]:
    """The samples [start, stop) :func:`trim_silence` keeps (all of ``wave`` when no frame is
    above the threshold)."""
    levels = frame_rms_db(wave, sr, frame_s)
    if levels.size == 0:
        return 0, len(wave)
    active = np.flatnonzero(levels > levels.max() + threshold_db)
    n = round(frame_s * sr)
    keep = round(keep_s * sr)
    return max(0, active[0] * n - keep), min(len(wave), (active[-1] + 1) * n + keep)


def trim_silence(
    wave: np.ndarray,
    sr: int,
    threshold_db: float = -35.0,
    frame_s: float = 0.02,
    keep_s: float = 0.0,
) -> np.ndarray:
    """Cut leading and trailing frames quieter than ``threshold_db`` below the loudest frame.

    Args:
        wave: samples [T].
        sr: rate in Hz.
        threshold_db: frames below (max frame level + threshold_db) count as silence.
        frame_s: frame length in seconds.
        keep_s: seconds of the original signal kept on each side of the speech.

    Returns:
        The trimmed samples; the input unchanged when no frame is above the threshold.
    """
    start, stop = active_range(wave, sr, threshold_db, frame_s, keep_s)
    return wave[start:stop]


def normalise_loudness(
    wave: np.ndarray, sr: int, target_dbfs: float = -26.0, gate_db: float = -35.0
) -> np.ndarray:
    """Scale ``wave`` so the RMS of its active frames (within ``gate_db`` of the loudest) is ``target_dbfs``.

    -26 dBFS is the nominal speech level of ITU-T P.56 measurements on telephone channels. Gating
    on active frames makes the level independent of how much pause a recording holds.
    """
    levels = frame_rms_db(wave, sr)
    if levels.size == 0 or not np.any(wave):
        return wave
    active = levels[levels > levels.max() + gate_db]
    active_db = 10 * np.log10(np.mean(10 ** (active / 10)))
    return (wave * 10 ** ((target_dbfs - active_db) / 20)).astype(np.float32)
