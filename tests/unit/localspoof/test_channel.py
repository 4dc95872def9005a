"""Channel transforms: telephone band, G.711, lossy codecs, noise, trimming, loudness."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.audio.channel import (
    CODECS,
    apply_codec,
    normalise_loudness,
    trim_silence,
)
from spoofscope.errors import ConfigError, UnknownNameError

SR = 16000


def tone(freq: float, seconds: float = 0.5, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def level(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_telephone_band_keeps_speech_band_and_removes_the_rest() -> None:
    kept = apply_codec(tone(1000), SR, "telephone")
    assert level(kept[2000:-2000]) == pytest.approx(level(tone(1000)), rel=0.05)
    assert level(apply_codec(tone(6000), SR, "telephone")[800:-800]) < 1e-3  # above 4 kHz: gone
    assert level(apply_codec(tone(60), SR, "telephone")) < 0.02 * level(tone(60))  # mains hum


@pytest.mark.parametrize("codec", ["mulaw", "alaw"])
def test_g711_quantises_to_256_levels_with_small_error(codec: str) -> None:
    x = np.linspace(-1, 1, 5000).astype(np.float32)
    y = apply_codec(x, SR, codec)
    assert len(np.unique(y)) <= 256
    assert np.max(np.abs(y - x)) < 0.04  # the widest G.711 step is 1/32 of full scale
    quiet = apply_codec(0.01 * tone(440), SR, codec)  # companding keeps quiet signals fine
    assert np.max(np.abs(quiet - 0.01 * tone(440))) < 1e-3


@pytest.mark.parametrize("codec", ["gsm", "mp3", "opus"])
def test_lossy_codecs_keep_length_and_the_signal(codec: str) -> None:
    x = tone(500, seconds=1.0)
    y = apply_codec(x, SR, codec)
    assert y.shape == x.shape
    spec = np.abs(np.fft.rfft(y))
    assert np.argmax(spec) == pytest.approx(500, abs=3)  # 1 Hz bins over a 1 s signal
    assert not np.allclose(y, x, atol=1e-3)  # lossy: it did change


def test_mp3_bitrate_sets_the_distortion_and_bad_rates_are_refused() -> None:
    x = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    error = {rate: level(apply_codec(x, SR, "mp3", bitrate=rate) - x) for rate in ("8k", "64k")}
    assert error["8k"] > 1.5 * error["64k"]
    narrow = apply_codec(x[: SR // 2], 8000, "mp3", bitrate="16k")  # 8 kHz calls code at 8 kHz
    assert narrow.shape == (SR // 2,) and np.isfinite(narrow).all()
    with pytest.raises(ConfigError, match="outside 8k-160k"):
        apply_codec(x, SR, "mp3", bitrate="320k")
    with pytest.raises(ConfigError, match="not a bitrate"):
        apply_codec(x, SR, "mp3", bitrate="fast")


def test_noise_is_added_at_the_requested_snr_and_is_seeded() -> None:
    x = tone(300, seconds=2.0)
    y = apply_codec(x, SR, "noise", snr_db=10.0, seed=1)
    snr = 20 * np.log10(level(x) / level(y - x))
    assert snr == pytest.approx(10.0, abs=0.1)
    assert np.array_equal(y, apply_codec(x, SR, "noise", snr_db=10.0, seed=1))
    assert not np.array_equal(y, apply_codec(x, SR, "noise", snr_db=10.0, seed=2))


def test_unknown_codec_lists_the_registered_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        apply_codec(tone(300), SR, "amr")
    assert "mulaw" in str(info.value) and "opus" in str(info.value)
    assert {"telephone", "mulaw", "alaw", "gsm", "mp3", "opus", "noise"} <= set(CODECS.names())


def test_trim_silence_cuts_both_ends_to_the_speech() -> None:
    x = np.concatenate([np.zeros(8000), tone(440, 1.0), np.zeros(4000)]).astype(np.float32)
    y = trim_silence(x, SR)
    assert len(y) == pytest.approx(SR, abs=2 * 320)  # within one 20 ms frame at each end


def test_normalise_loudness_ignores_pauses() -> None:
    x = np.concatenate([tone(440, 1.0, amp=0.05), np.zeros(3 * SR)]).astype(np.float32)
    y = normalise_loudness(x, SR, target_dbfs=-26.0)
    assert 20 * np.log10(level(y[:SR])) == pytest.approx(-26.0, abs=0.2)


@pytest.mark.parametrize("codec", ["gsm", "mp3", "opus", "mulaw", "alaw"])
@pytest.mark.parametrize("n", [10, 160, 4800])
def test_codecs_take_very_short_inputs(codec, n):
    """Augmentation crops words down to a few ms; raw GSM used to fail to probe below ~0.3 s."""
    wave = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
    out = apply_codec(wave, 16000, codec)
    assert out.shape == (n,) and np.isfinite(out).all()


def test_opus_bitrate_sets_the_distortion_and_bad_rates_are_refused() -> None:
    x = np.random.default_rng(1).standard_normal(SR).astype(np.float32) * 0.1
    error = {rate: level(apply_codec(x, SR, "opus", bitrate=rate) - x) for rate in ("8k", "64k")}
    assert error["8k"] > 1.5 * error["64k"]
    with pytest.raises(ConfigError, match="outside 6k-256k"):
        apply_codec(x, SR, "opus", bitrate="512k")
