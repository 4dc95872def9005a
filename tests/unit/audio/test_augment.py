"""Waveform augmentations (RawBoost, noise, gain, time, pitch, codec), composition and SpecAugment."""

import sys
import types

import numpy as np
import pytest
import soundfile as sf
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spoofscope.audio import augment, rawboost
from spoofscope.audio.augment import (
    AUGMENTATIONS,
    AddNoise,
    Codec,
    Compose,
    Gain,
    PitchShift,
    RandomCrop,
    RawBoost,
    SpecAugment,
    TimeShift,
    build_augment,
    build_feature_augment,
)
from spoofscope.audio.rawboost import RawBoostParams
from spoofscope.errors import ConfigError, UnknownNameError


def speech_like(sr: int = 16000, seconds: float = 1.0, peak: float = 0.5, seed: int = 0):
    """A voiced, syllable-rate modulated harmonic signal with a wandering f0, like a vowel chain."""
    t = np.arange(int(sr * seconds)) / sr
    f0 = 120.0 + 30.0 * np.sin(2 * np.pi * 3.0 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    voiced = sum(np.sin(k * phase) / k for k in range(1, 21) if k * 150 < sr / 2)
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t))
    noise = 0.003 * np.random.default_rng(seed).standard_normal(len(t))
    x = voiced * envelope + noise
    return (peak * x / np.max(np.abs(x))).astype(np.float32)


def tone(freq: float, sr: int = 16000, seconds: float = 1.0, amp: float = 0.3):
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(sr * seconds)) / sr)).astype(np.float32)


def dominant_hz(x: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spectrum)])


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    clean = clean.astype(np.float64)
    residual = noisy.astype(np.float64) - clean
    return 10 * np.log10(np.sum(clean**2) / np.sum(residual**2))


# Every waveform transform that keeps the length, built at a given sample rate.
LENGTH_KEEPING = {
    **{f"rawboost-{a}": (lambda sr, a=a: RawBoost(algo=a, sr=sr)) for a in range(1, 9)},
    "noise": lambda sr: AddNoise(sr=sr),
    "gain": lambda sr: Gain(min_db=-20, max_db=20),
    "time-shift": lambda sr: TimeShift(sr=sr),
    "time-shift-zero": lambda sr: TimeShift(circular=False, sr=sr),
    "pitch-resample": lambda sr: PitchShift(sr=sr),
}


def test_registry_lists_every_waveform_transform():
    assert AUGMENTATIONS.names() == [
        "codec",
        "gain",
        "noise",
        "pitch-shift",
        "random-crop",
        "rawboost",
        "time-shift",
    ]


@pytest.mark.parametrize("name", sorted(LENGTH_KEEPING))
@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sr=st.sampled_from([8000, 16000]),
    seconds=st.floats(0.05, 1.0),
    peak=st.floats(0.01, 1.0),
)
def test_keeps_length_dtype_finiteness_and_range(name, seed, sr, seconds, peak):
    x = speech_like(sr=sr, seconds=seconds, peak=peak, seed=seed % 1000)
    y = LENGTH_KEEPING[name](sr)(x, np.random.default_rng(seed))
    assert y.shape == x.shape
    assert y.dtype == np.float32
    assert np.isfinite(y).all()
    assert np.max(np.abs(y)) <= 1.0


@pytest.mark.parametrize("name", sorted(LENGTH_KEEPING))
def test_same_seed_same_output_and_other_seed_other_output(name):
    x = speech_like()
    transform = LENGTH_KEEPING[name](16000)
    first = transform(x, np.random.default_rng(7))
    again = transform(x, np.random.default_rng(7))
    other = transform(x, np.random.default_rng(8))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("length", [1, 2, 3, 10])
def test_a_few_samples_survive_every_transform(length):
    x = np.linspace(-0.3, 0.3, length, dtype=np.float32)
    for name, make in LENGTH_KEEPING.items():
        y = make(16000)(x, np.random.default_rng(0))
        assert y.shape == x.shape and np.isfinite(y).all(), name


def test_input_is_never_modified_in_place():
    x = speech_like()
    before = x.copy()
    for make in LENGTH_KEEPING.values():
        make(16000)(x, np.random.default_rng(0))
    assert np.array_equal(x, before)


# --- RawBoost --------------------------------------------------------------------------------------


def test_notch_filter_is_linear_phase_with_the_drawn_peak_gain():
    params = RawBoostParams(minG=-6.0, maxG=-6.0)
    taps = rawboost.notch_filter(np.random.default_rng(1), 16000, params, (-6.0, -6.0))
    assert len(taps) % 2 == 1
    assert np.allclose(taps, taps[::-1])  # symmetric = linear phase
    _, response = __import__("scipy.signal").signal.freqz(taps, worN=4096, fs=16000)
    magnitude = np.abs(response)
    assert magnitude.max() == pytest.approx(10 ** (-6 / 20), rel=2e-2)
    assert magnitude.min() < 0.5 * magnitude.max()  # it does notch something


def test_bands_above_nyquist_are_dropped_at_8khz():
    params = RawBoostParams(minF=5000.0, maxF=7000.0, minBW=100.0, maxBW=200.0)
    taps = rawboost.notch_filter(np.random.default_rng(0), 8000, params, (-3.0, -3.0))
    assert taps.shape == (1,) and taps[0] == pytest.approx(10 ** (-3 / 20))


def _same_filter(x, taps):
    delay = (len(taps) - 1) // 2
    return np.convolve(x, taps)[delay : delay + len(x)]


def test_convolutive_noise_matches_a_loop_over_orders():
    x = speech_like().astype(np.float64)
    params = RawBoostParams(N_f=3)
    got = rawboost.convolutive_noise(x, np.random.default_rng(3), 16000, params)
    rng = np.random.default_rng(3)
    want = np.zeros_like(x)
    for order in (1, 2, 3):
        gains = (0.0, 0.0) if order == 1 else (-5.0, -20.0)
        want += _same_filter(x**order, rawboost.notch_filter(rng, 16000, params, gains))
    want -= want.mean()
    want /= max(1.0, np.max(np.abs(want)))
    assert np.allclose(got, want, atol=1e-9)


def test_convolutive_noise_keeps_the_signal_aligned():
    x = speech_like().astype(np.float64)
    y = rawboost.convolutive_noise(x, np.random.default_rng(0), 16000, RawBoostParams(N_f=1))
    lags = np.arange(-50, 51)
    corr = [np.dot(x[60:-60], y[60 + lag : len(y) - 60 + lag]) for lag in lags]
    assert lags[int(np.argmax(corr))] == 0


def test_impulsive_noise_hits_at_most_p_percent_within_g_sd():
    x = speech_like(peak=0.3).astype(np.float64)
    params = RawBoostParams(P=10.0, g_sd=2.0)
    for seed in range(5):
        y = rawboost.impulsive_noise(x, np.random.default_rng(seed), 16000, params)
        changed = y != x
        assert changed.mean() <= 0.10
        # peak 0.3 · (1 + 2) < 1, so no renormalisation: untouched samples are exact
        assert np.all(np.abs(y - x)[changed] <= 2.0 * np.abs(x)[changed] + 1e-12)
    assert np.array_equal(
        rawboost.impulsive_noise(x, np.random.default_rng(0), 16000, RawBoostParams(P=0.0)), x
    )


@pytest.mark.parametrize("snr", [10.0, 25.0, 40.0])
def test_coloured_noise_is_added_at_the_drawn_snr(snr):
    x = speech_like(peak=0.3).astype(np.float64)
    params = RawBoostParams(SNRmin=snr, SNRmax=snr)
    y = rawboost.coloured_noise(x, np.random.default_rng(0), 16000, params)
    assert snr_db(x, y) == pytest.approx(snr, abs=1e-6)


def test_coloured_noise_leaves_silence_silent():
    x = np.zeros(4000)
    assert np.array_equal(
        rawboost.coloured_noise(x, np.random.default_rng(0), 16000, RawBoostParams()), x
    )


def test_series_and_parallel_combinations_follow_the_paper_ids():
    x = speech_like(peak=0.3).astype(np.float64)
    params = RawBoostParams()
    series = RawBoost(algo=5)(x.astype(np.float32), np.random.default_rng(4))
    rng = np.random.default_rng(4)
    step = rawboost.convolutive_noise(x, rng, 16000, params)
    want_series = rawboost.impulsive_noise(step, rng, 16000, params)
    assert np.allclose(series, want_series, atol=1e-6)

    parallel = RawBoost(algo=8)(x.astype(np.float32), np.random.default_rng(4))
    rng = np.random.default_rng(4)
    summed = rawboost.convolutive_noise(x, rng, 16000, params) + rawboost.impulsive_noise(
        x, rng, 16000, params
    )
    assert np.allclose(parallel, summed / max(1.0, np.max(np.abs(summed))), atol=1e-6)
    assert set(rawboost.ALGORITHMS) == set(range(1, 9))


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"algo": 9}, "rawboost.algo"),
        ({"nbands": 5}, "rawboost.nbands"),
        ({"minF": 900.0, "maxF": 100.0}, "rawboost.minF"),
        ({"P": 150.0}, "rawboost.P"),
    ],
)
def test_rawboost_rejects_bad_parameters(params, key):
    with pytest.raises(ConfigError) as info:
        RawBoost(**params)
    assert info.value.what == key


# --- noise, gain, time, pitch --------------------------------------------------------------------


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_noise_is_mixed_at_the_drawn_snr(colour):
    x = speech_like(peak=0.1)
    y = AddNoise(snr_min=12.0, snr_max=12.0, colours=[colour])(x, np.random.default_rng(0))
    assert snr_db(x, y) == pytest.approx(12.0, abs=0.01)


@pytest.mark.parametrize(("colour", "slope"), [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_generated_noise_has_its_colour_spectral_slope(colour, slope):
    noise = augment.coloured_noise(2**16, augment.NOISE_COLOURS[colour], np.random.default_rng(0))
    freqs = np.fft.rfftfreq(len(noise))[1:]
    power = np.abs(np.fft.rfft(noise))[1:] ** 2
    fitted = np.polyfit(np.log10(freqs), np.log10(power), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.1)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)


def test_noise_from_a_file_is_a_segment_of_that_recording(tmp_path):
    path = tmp_path / "hum.wav"
    sf.write(path, tone(1000.0, seconds=0.3, amp=0.5), 16000, subtype="PCM_16")
    x = tone(200.0, seconds=1.0, amp=0.3)  # longer than the noise: it must loop
    y = AddNoise(snr_min=0.0, snr_max=0.0, colours=[], files=[str(path)])(
        x, np.random.default_rng(0)
    )
    residual = y - x
    assert dominant_hz(residual, 16000) == pytest.approx(1000.0, abs=2.0)
    assert snr_db(x, y) == pytest.approx(0.0, abs=0.05)


def test_noise_leaves_silence_silent_and_rejects_unknown_colours():
    assert np.array_equal(
        AddNoise()(np.zeros(800, np.float32), np.random.default_rng(0)), np.zeros(800)
    )
    with pytest.raises(UnknownNameError, match="pink"):
        AddNoise(colours=["purple"])
    with pytest.raises(ConfigError):
        AddNoise(colours=[], files=[])


def test_gain_scales_and_clips_only_when_asked():
    x = speech_like(peak=0.8)
    loud = Gain(min_db=6.0, max_db=6.0)(x, np.random.default_rng(0))
    assert np.max(loud) == 1.0
    quiet = x[np.abs(x) < 0.4]
    assert np.allclose(loud[np.abs(x) < 0.4], quiet * 10 ** (6 / 20), rtol=1e-6)
    unclipped = Gain(min_db=6.0, max_db=6.0, clip=False)(x, np.random.default_rng(0))
    assert np.max(np.abs(unclipped)) == pytest.approx(0.8 * 10 ** (6 / 20), rel=1e-6)
    with pytest.raises(ConfigError, match=r"gain\.min_db"):
        Gain(min_db=3.0, max_db=-3.0)
    with pytest.raises(ConfigError, match=r"time-shift\.max_seconds"):
        TimeShift(max_seconds=-0.1)


def _shifted(x: np.ndarray, shift: int, circular: bool) -> np.ndarray:
    if circular:
        return np.roll(x, shift)
    out = np.zeros_like(x)
    out[max(shift, 0) : len(x) + min(shift, 0)] = x[max(-shift, 0) : len(x) - max(shift, 0)]
    return out


@pytest.mark.parametrize("circular", [True, False])
def test_time_shift_moves_the_samples_within_the_limit(circular):
    x = speech_like(seconds=0.5)
    found = set()
    for seed in range(8):
        y = TimeShift(max_seconds=0.01, circular=circular)(x, np.random.default_rng(seed))
        shifts = [s for s in range(-400, 401) if np.array_equal(y, _shifted(x, s, circular))]
        assert len(shifts) == 1 and abs(shifts[0]) <= 160
        found.add(shifts[0])
    assert len(found) > 4  # the shift is drawn, not fixed


def test_random_crop_returns_a_contiguous_slice_of_the_drawn_length():
    x = speech_like(seconds=2.0)
    crop = RandomCrop(min_seconds=0.3, max_seconds=0.5)
    for seed in range(5):
        y = crop(x, np.random.default_rng(seed))
        assert 4800 <= len(y) <= 8000 and y.dtype == np.float32
        start = int(np.flatnonzero(np.isclose(x, y[0]))[0])
        assert np.array_equal(x[start : start + len(y)], y)
    short = x[:1000]
    assert np.array_equal(crop(short, np.random.default_rng(0)), short)


@pytest.mark.parametrize("method", ["resample", pytest.param("librosa", marks=pytest.mark.slow)])
def test_pitch_shift_by_an_octave_doubles_the_frequency(method):
    x = tone(220.0)
    y = PitchShift(min_semitones=12.0, max_semitones=12.0, method=method)(
        x, np.random.default_rng(0)
    )
    assert len(y) == len(x)
    assert dominant_hz(y[: len(x) // 2], 16000) == pytest.approx(440.0, abs=4.0)


def test_pitch_shift_rejects_unknown_methods():
    with pytest.raises(UnknownNameError, match="resample"):
        PitchShift(method="granular")


# --- codecs --------------------------------------------------------------------------------------


def mu_law_reference(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """8-bit mu-law (ITU-T G.711, continuous form): compress, quantise to 256 levels, expand."""
    compressed = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round((compressed + 1) / 2 * 255) / 255 * 2 - 1
    return np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu


def a_law_reference(x: np.ndarray, a: float = 87.6) -> np.ndarray:
    """8-bit A-law (ITU-T G.711, continuous form)."""
    ax = np.abs(x) * a
    compressed = np.where(ax < 1, ax, 1 + np.log(np.maximum(ax, 1))) / (1 + np.log(a))
    quantised = np.round((np.sign(x) * compressed + 1) / 2 * 255) / 255 * 2 - 1
    m = np.abs(quantised) * (1 + np.log(a))
    return np.sign(quantised) * np.where(m < 1, m, np.exp(m - 1)) / a


@pytest.fixture
def fake_channel(monkeypatch):
    """A stand-in channel module whose codecs pad their output, as real encoders do."""
    from spoofscope.registry import Registry

    calls = []
    registry = Registry("codec")
    for name in ("mulaw", "alaw", "gsm"):
        registry.register(name)(mu_law_reference)

    def apply_codec(wave, sr, codec, **kw):
        calls.append((codec, sr, kw))
        coded = mu_law_reference(wave.astype(np.float64), **kw)
        return np.concatenate([coded, np.zeros(123)]).astype(np.float32)

    module = types.ModuleType("spoofscope.audio.channel")
    module.apply_codec = apply_codec
    module.CODECS = registry
    monkeypatch.setitem(sys.modules, "spoofscope.audio.channel", module)
    return calls


def test_codec_wrapper_keeps_length_and_passes_options(fake_channel):
    x = speech_like()
    codec = Codec(codecs=["mulaw"], options={"mulaw": {"mu": 100.0}}, sr=8000)
    y = codec(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.allclose(y, mu_law_reference(x.astype(np.float64), mu=100.0), atol=1e-6)
    assert fake_channel == [("mulaw", 8000, {"mu": 100.0})]


def test_codec_wrapper_draws_every_listed_codec(fake_channel):
    codec = Codec(codecs=["mulaw", "alaw", "gsm"])
    for seed in range(30):
        codec(speech_like(seconds=0.1), np.random.default_rng(seed))
    assert {name for name, _, _ in fake_channel} == {"mulaw", "alaw", "gsm"}


def test_codec_wrapper_rejects_unknown_codecs_and_stray_options():
    with pytest.raises(UnknownNameError, match="mulaw"):
        Codec(codecs=["amr-wb"])
    with pytest.raises(ConfigError, match="mp3"):
        Codec(codecs=["gsm"], options={"mp3": {"bitrate": "32k"}})


@pytest.mark.parametrize(
    ("name", "reference"), [("mulaw", mu_law_reference), ("alaw", a_law_reference)]
)
def test_g711_through_the_channel_module_matches_a_numpy_reference(name, reference):
    x = speech_like(sr=8000, peak=0.7)
    y = Codec(codecs=[name], sr=8000)(x, np.random.default_rng(0))
    want = reference(x.astype(np.float64))
    # 8-bit implementations may place their 255 or 256 levels differently, so compare what the
    # codec does to speech: the same quantisation-noise level (about 38 dB SNR here) ...
    assert snr_db(x, y) == pytest.approx(snr_db(x, want), abs=1.0)
    # ... and, the point of companding, an error that grows with the sample's magnitude.
    error = np.abs(y - x)
    quiet, loud = np.abs(x) < 0.05, np.abs(x) > 0.4
    assert error[loud].mean() > 4 * error[quiet].mean()


@pytest.mark.parametrize("name", ["gsm", "mp3", "opus"])
def test_lossy_codecs_keep_length_and_the_speech(name):
    x = speech_like(sr=16000, seconds=1.0, peak=0.5)
    y = Codec(codecs=[name], sr=16000)(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.float32 and np.max(np.abs(y)) <= 1.0
    # A lossy, possibly band-limited and delayed copy (LAME adds 1105 samples of encoder delay):
    # at its best lag it is still clearly the same speech.
    corr = np.fft.irfft(np.fft.rfft(y, 2 * len(x)) * np.conj(np.fft.rfft(x, 2 * len(x))))
    lag = int(np.argmax(corr[:2000]))
    assert np.corrcoef(x[: len(x) - lag], y[lag:])[0, 1] > 0.5


# --- composition ---------------------------------------------------------------------------------


def test_compose_applies_in_order_with_one_coin_per_transform():
    x = speech_like()
    chain = Compose([Gain(min_db=-3, max_db=3), TimeShift()], p=1.0)
    rng = np.random.default_rng(5)
    rng.random()
    step = Gain(min_db=-3, max_db=3)(x, rng)
    rng.random()
    want = TimeShift()(step, rng)
    assert np.array_equal(chain(x, np.random.default_rng(5)), want)


def test_compose_probabilities_apply_each_transform_at_its_rate():
    x = speech_like(seconds=0.05)
    chain = Compose([Gain(min_db=6, max_db=6, clip=False)], p=0.3)
    applied = sum(not np.array_equal(chain(x, np.random.default_rng(s)), x) for s in range(1000))
    assert 240 <= applied <= 360
    untouched = Compose([Gain()], p=0.0)(x, np.random.default_rng(0))
    assert np.array_equal(untouched, x) and not np.shares_memory(untouched, x)


def test_build_augment_reads_a_recipe_list():
    chain = build_augment(
        [
            {"name": "rawboost", "algo": 3, "SNRmin": 20, "SNRmax": 30, "p": 0.5},
            {"name": "time-shift", "max_seconds": 0.25},
            {"name": "gain", "min_db": -3, "max_db": 3, "p": 0.2},
        ],
        sr=8000,
    )
    kinds = [type(t) for t in chain.transforms]
    assert kinds == [RawBoost, TimeShift, Gain]
    assert chain.p == [0.5, 1.0, 0.2]
    assert chain.transforms[0].sr == 8000 and chain.transforms[0].params.SNRmin == 20
    assert chain.transforms[1].max_samples == 2000  # 0.25 s at the recipe's 8 kHz
    x = speech_like(sr=8000)
    assert np.array_equal(chain(x, np.random.default_rng(1)), chain(x, np.random.default_rng(1)))


@pytest.mark.parametrize(
    ("config", "error", "pattern"),
    [
        ([{"algo": 3}], ConfigError, r"augment\[0\]: missing 'name'"),
        ([{"name": "reverb"}], UnknownNameError, "rawboost"),
        ([{"name": "gain"}, {"name": "gain", "max_dB": 3}], ConfigError, r"augment\[1\]\.max_dB"),
        ([{"name": "gain", "p": 1.5}], ConfigError, r"augment\[0\]\.p"),
    ],
)
def test_build_augment_names_the_bad_entry(config, error, pattern):
    with pytest.raises(error, match=pattern):
        build_augment(config)


# --- SpecAugment ---------------------------------------------------------------------------------


def _runs(flags: torch.Tensor) -> int:
    """Number of contiguous runs of True in a 1-D bool tensor."""
    padded = torch.cat([torch.zeros(1, dtype=torch.bool), flags])
    return int((padded[1:] & ~padded[:-1]).sum())


def test_specaugment_masks_whole_bands_per_example():
    feats = torch.randn(6, 2, 40, 100) + 10.0  # no cell is naturally 0
    masker = SpecAugment(
        n_freq_masks=2, max_freq_width=8, n_time_masks=3, max_time_width=15, seed=0
    )
    out = masker(feats)
    masked = out == 0.0
    assert torch.equal(masked[:, 0], masked[:, 1])  # shared across channels
    patterns = set()
    for b in range(6):
        cells = masked[b, 0]
        rows, cols = cells.all(dim=1), cells.all(dim=0)
        assert torch.equal(cells, rows[:, None] | cols[None, :])  # union of full rows and columns
        assert rows.sum() <= 16 and _runs(rows) <= 2
        assert cols.sum() <= 45 and _runs(cols) <= 3
        patterns.add((tuple(rows.tolist()), tuple(cols.tolist())))
    assert len(patterns) == 6  # every example gets its own masks
    assert torch.equal(out[~masked], feats[~masked])


def test_specaugment_is_seeded_and_idle_in_eval_mode():
    feats = torch.randn(4, 1, 30, 50)
    first = SpecAugment(seed=3)(feats)
    assert torch.equal(first, SpecAugment(seed=3)(feats))
    assert not torch.equal(first, SpecAugment(seed=4)(feats))
    given_gen = SpecAugment()(feats, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, given_gen)
    masker = SpecAugment(seed=3).eval()
    assert masker(feats) is feats


def test_specaugment_accepts_three_dimensional_features_and_zero_widths():
    feats = torch.randn(3, 20, 30) + 5.0
    out = SpecAugment(max_freq_width=4, max_time_width=4, seed=0)(feats)
    assert out.shape == feats.shape and (out == 0).any()
    untouched = SpecAugment(max_freq_width=0, max_time_width=0, seed=0)(feats)
    assert torch.equal(untouched, feats)
    with pytest.raises(ConfigError, match="max_time_width"):
        SpecAugment(max_time_width=-1)


def test_specaugment_fills_with_each_examples_channel_mean_and_spares_a_share_of_examples():
    # log spectra: 0 would be loud, so "mean" fills with the example's own level per channel
    feats = torch.randn(64, 3, 40, 60) + torch.tensor([-5.0, 0.5, 2.0])[None, :, None, None]
    out = SpecAugment(max_freq_width=10, max_time_width=10, mask_value="mean", p=0.5, seed=1)(feats)
    changed = out != feats
    touched = changed.flatten(1).any(dim=1)
    assert 16 < int(touched.sum()) < 48  # about half of 64 examples
    b = int(torch.nonzero(touched)[0])
    for c in range(3):
        fill = feats[b, c].mean()
        torch.testing.assert_close(out[b, c][changed[b, c]], fill.expand(int(changed[b, c].sum())))
    with pytest.raises(ConfigError, match="mask_value"):
        SpecAugment(mask_value="median")
    with pytest.raises(ConfigError, match=r"specaugment\.p"):
        SpecAugment(p=1.5)


def test_feature_augment_list_builds_registered_transforms_and_names_bad_keys():
    chain = build_feature_augment([{"name": "specaugment", "max_freq_width": 4, "p": 0.25}])
    assert isinstance(chain[0], SpecAugment) and chain[0].p == 0.25
    assert len(build_feature_augment([])) == 0
    with pytest.raises(ConfigError, match=r"feature_augment\[0\]\.snr_min"):
        build_feature_augment([{"name": "specaugment", "snr_min": 3}])
    with pytest.raises(UnknownNameError, match="noise"):
        build_feature_augment([{"name": "noise"}])  # a waveform transform, not a feature one
