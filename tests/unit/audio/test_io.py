"""`spoofscope.audio.load`: every supported format decodes, every bad input raises its typed error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from spoofscope import errors
from spoofscope.audio import AudioLimits, AudioQualityWarning, load
from spoofscope.audio.io import BlockReader, from_array

SR = 16000


def speech_like(seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A voiced-speech stand-in: a 120 Hz harmonic source under a syllable-rate envelope, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    source = sum(np.sin(2 * np.pi * 120 * h * t) / h for h in range(1, 20))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t))
    return (0.2 * source * envelope + 0.005 * rng.standard_normal(t.size)).astype(np.float32)


FORMATS = [
    ("wav", "WAV", "PCM_16"),
    ("wav", "WAV", "PCM_24"),
    ("wav", "WAV", "PCM_32"),
    ("wav", "WAV", "FLOAT"),
    ("wav", "WAV", "ULAW"),
    ("wav", "WAV", "ALAW"),
    ("flac", "FLAC", "PCM_16"),
    ("ogg", "OGG", "VORBIS"),
    ("opus", "OGG", "OPUS"),
    ("mp3", "MP3", "MPEG_LAYER_III"),
]


@pytest.mark.parametrize(("ext", "fmt", "subtype"), FORMATS)
def test_every_format_decodes_close_to_the_original(tmp_path, ext, fmt, subtype):
    sr = (
        48000 if subtype == "OPUS" else SR
    )  # Opus only codes at 8/12/16/24/48 kHz; 48k exercises resampling
    x = speech_like(1.0, sr)
    path = tmp_path / f"utt.{ext}"
    sf.write(path, x, sr, format=fmt, subtype=subtype)
    wave = load(path, sr=SR)
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert wave.sr == SR and wave.source_sr == sr
    # lossy codecs add delay and padding; compare energy, and length within 100 ms
    assert abs(wave.shape[0] - SR) < 0.1 * SR
    ref = speech_like(1.0, SR)
    assert np.sqrt(np.mean(wave**2)) == pytest.approx(np.sqrt(np.mean(ref**2)), rel=0.25)
    if subtype.startswith("PCM") or subtype == "FLOAT":
        np.testing.assert_allclose(wave, ref, atol=1e-3)


@pytest.mark.parametrize(
    ("ext", "fmt", "subtype"),
    [("wav", "WAV", "PCM_U8"), ("flac", "FLAC", "PCM_S8"), ("wav", "WAV", "PCM_16"),
     ("flac", "FLAC", "PCM_24"), ("wav", "WAV", "PCM_32")],
)  # fmt: skip
def test_integer_pcm_equals_libsndfile_float_reading_bit_for_bit(tmp_path, ext, fmt, subtype):
    # load() reads integer PCM as integers and scales it itself (faster); nothing may change.
    x = np.stack([speech_like(0.5, seed=3), -speech_like(0.5, seed=4)], axis=1)
    path = tmp_path / f"utt.{ext}"
    sf.write(path, x, SR, format=fmt, subtype=subtype)
    expected, _ = sf.read(path, dtype="float32", always_2d=True)
    np.testing.assert_array_equal(load(path, sr=None, mono=False), expected.T)


def test_stereo_is_downmixed_and_kept_on_request(tmp_path):
    left, right = speech_like(0.5, seed=1), speech_like(0.5, seed=2)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), SR, subtype="FLOAT")
    mono = load(path)
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-6)
    both = load(path, mono=False)
    assert both.shape == (2, left.size) and both.source_channels == 2


def test_resampling_8k_to_16k_keeps_duration(tmp_path):
    path = tmp_path / "tel.wav"
    sf.write(path, speech_like(2.0, 8000), 8000, subtype="PCM_16")
    wave = load(path, sr=16000)
    assert wave.shape[0] == 32000 and wave.duration == pytest.approx(2.0)


def test_bytes_and_file_objects_load(tmp_path):
    path = tmp_path / "a.flac"
    sf.write(path, speech_like(0.5), SR)
    data = path.read_bytes()
    from_bytes = load(data)
    with open(path, "rb") as fh:
        from_file = load(fh)
    np.testing.assert_array_equal(from_bytes, from_file)


# --- bad inputs: each builds the file and expects its typed error ----------------------------------


def _truncate(path, keep_fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])


def test_missing_file(tmp_path):
    with pytest.raises(errors.AudioNotFoundError, match="no such file"):
        load(tmp_path / "absent.wav")


def test_directory(tmp_path):
    with pytest.raises(errors.AudioIsDirectoryError):
        load(tmp_path)


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is a meeting transcript, not audio\n" * 20)
    with pytest.raises(errors.NotAudioError, match=r"notes\.wav"):
        load(path)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(errors.EmptyAudioError):
        load(path)


def test_wav_with_zero_samples(tmp_path):
    path = tmp_path / "nothing.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(errors.EmptyAudioError, match="zero samples"):
        load(path)


def test_truncated_wav(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, speech_like(1.0), SR, subtype="PCM_16")
    _truncate(path)
    with pytest.raises(errors.CorruptAudioError, match="truncated"):
        load(path)


def test_truncated_flac(tmp_path):
    path = tmp_path / "cut.flac"
    sf.write(path, speech_like(2.0), SR)
    _truncate(path)
    with pytest.raises(errors.CorruptAudioError):
        load(path)


def test_damaged_header(tmp_path):
    path = tmp_path / "bad.wav"
    sf.write(path, speech_like(0.5), SR)
    data = bytearray(path.read_bytes())
    data[8:16] = bytes(8)  # RIFF magic kept, WAVE/fmt destroyed
    path.write_bytes(bytes(data))
    with pytest.raises(errors.CorruptAudioError):
        load(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_float_wav(tmp_path, bad):
    x = speech_like(0.5)
    x[100] = bad
    path = tmp_path / "nan.wav"
    sf.write(path, x, SR, subtype="FLOAT")
    with pytest.raises(errors.NonFiniteAudioError, match="1 samples"):
        load(path)


def test_too_short(tmp_path):
    path = tmp_path / "blip.wav"
    sf.write(path, speech_like(0.2), SR)
    with pytest.raises(errors.AudioTooShortError, match=r"shorter than the minimum 0\.5 s"):
        load(path, limits=AudioLimits(min_duration=0.5))


def test_too_long_default_is_ten_minutes(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(8000 * 601, dtype=np.int16), 8000, subtype="PCM_16")
    with pytest.raises(errors.AudioTooLongError, match="maximum 600 s"):
        load(path)
    assert load(path, limits=AudioLimits(max_duration=None), sr=None).duration == pytest.approx(601)


def test_sample_rate_out_of_range(tmp_path):
    path = tmp_path / "low.wav"
    sf.write(path, speech_like(0.5, 500), 500)
    with pytest.raises(errors.SampleRateError, match="500 Hz"):
        load(path)
    ok = tmp_path / "ok.wav"
    sf.write(ok, speech_like(0.5), SR)
    with pytest.raises(errors.SampleRateError, match="target rate"):
        load(ok, sr=10_000_000)


def test_silence_and_clipping_are_flags_not_errors(tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(SR, dtype=np.float32), SR)
    with pytest.warns(AudioQualityWarning, match="silent"):
        wave = load(silent)
    assert wave.quality == {"silent"}

    clipped = tmp_path / "clipped.wav"
    sf.write(clipped, np.clip(speech_like(1.0) * 20, -1, 1), SR, subtype="PCM_16")
    with pytest.warns(AudioQualityWarning, match="clipped"):
        assert "clipped" in load(clipped).quality

    clean = tmp_path / "clean.wav"
    sf.write(clean, speech_like(1.0), SR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(clean).quality == frozenset()


def test_errors_carry_path_and_reason(tmp_path):
    with pytest.raises(errors.AudioError) as info:
        load(tmp_path / "x.flac")
    assert info.value.path.endswith("x.flac") and info.value.why == "no such file"


# --- from_array and BlockReader: the same validation for samples and for a file read in blocks -----


@pytest.mark.parametrize(
    ("ext", "fmt", "subtype", "sr", "channels"),
    [
        ("flac", "FLAC", "PCM_16", 44100, 2),  # CD rip: stream-resampled and downmixed
        ("wav", "WAV", "FLOAT", 8000, 1),  # float telephone capture, read twice for its peak
        ("ogg", "OGG", "VORBIS", 48000, 1),  # lossy: decodes to float, may pass full scale
        ("wav", "WAV", "PCM_24", SR, 1),  # at the target rate: no resampler at all
    ],
)
def test_blocks_put_end_to_end_are_what_load_returns(tmp_path, ext, fmt, subtype, sr, channels):
    talk = np.stack([speech_like(7.3, sr, seed=c) for c in range(channels)], axis=1)
    path = tmp_path / f"call.{ext}"
    sf.write(path, talk, sr, format=fmt, subtype=subtype)
    reader = BlockReader(path, sr=SR, block_seconds=1.0)
    blocks = np.concatenate(list(reader))
    whole = load(path)
    np.testing.assert_array_equal(blocks, whole)
    assert reader.length == whole.shape[0] and reader.quality == whole.quality
    assert reader.duration == pytest.approx(7.3, abs=0.05)


def test_block_reader_rescales_by_the_peak_of_the_whole_file(tmp_path):
    talk = speech_like(3.0)
    talk[int(2.6 * SR) : int(2.65 * SR)] *= 40  # the one hot syllable is in the last block
    path = tmp_path / "hot.wav"
    sf.write(path, talk, SR, subtype="FLOAT")
    reader = BlockReader(path, block_seconds=1.0)
    with pytest.warns(AudioQualityWarning, match="rescaled"):
        blocks = np.concatenate(list(reader))
    with pytest.warns(AudioQualityWarning, match="rescaled"):
        np.testing.assert_array_equal(blocks, load(path))
    assert "rescaled" in reader.quality


def test_block_reader_counts_every_non_finite_sample_of_the_file(tmp_path):
    talk = speech_like(3.0)
    talk[[10, 2 * SR + 7]] = [np.nan, np.inf]  # in the first and the third block
    path = tmp_path / "nan.wav"
    sf.write(path, talk, SR, subtype="FLOAT")
    with pytest.raises(errors.NonFiniteAudioError, match="2 samples are NaN or infinite"):
        list(BlockReader(path, block_seconds=1.0))


def test_block_reader_checks_the_header_before_decoding(tmp_path):
    long = tmp_path / "long.wav"
    sf.write(long, np.zeros(8000 * 601, dtype=np.int16), 8000, subtype="PCM_16")
    with pytest.raises(errors.AudioTooLongError, match="maximum 600 s"):
        BlockReader(long)
    cut = tmp_path / "cut.wav"
    sf.write(cut, speech_like(1.0), SR, subtype="PCM_16")
    _truncate(cut)
    with pytest.raises(errors.CorruptAudioError, match="truncated"):
        BlockReader(cut)


def test_from_array_takes_channels_on_the_shorter_axis_or_the_one_named():
    left, right = speech_like(0.5, seed=1), speech_like(0.5, seed=2)
    expected = (left + right) / 2
    np.testing.assert_allclose(from_array(np.stack([left, right]), SR), expected, atol=1e-7)
    np.testing.assert_allclose(from_array(np.stack([left, right], 1), SR), expected, atol=1e-7)
    two_samples = np.stack([left[:2], right[:2]])  # [C=2, T=2]: say which axis is which
    assert from_array(two_samples, SR, channel_axis=1).shape == (2,)
    with pytest.raises(errors.NotAudioError, match=r"shape \(2, 3, 4\)"):
        from_array(np.zeros((2, 3, 4), np.float32), SR)


def test_from_array_keeps_a_loaded_waveform_s_origin(tmp_path):
    path = tmp_path / "tel.wav"
    sf.write(path, speech_like(1.0, 8000), 8000, subtype="PCM_16")
    wave = from_array(load(path, sr=None), target_sr=SR)
    assert (wave.sr, wave.source_sr, wave.path) == (SR, 8000, str(path))
    np.testing.assert_array_equal(wave, load(path))
