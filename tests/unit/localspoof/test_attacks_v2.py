"""Protocol-v2 attack families L09-L12: what each does to a voiced signal, how it plans, and a
few real recordings converted and passed through the build's channel."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.plan import Job
from spoofscope.localspoof.rendering import render
from tests.unit.localspoof.test_attacks import SR, median_f0, vowel

NEW = ("L09", "L10", "L11", "L12")


def band_energy(x: np.ndarray, sr: int, hi: float = 3400.0) -> np.ndarray:
    """Log energy in 200 Hz bands from 0 to ``hi`` Hz."""
    spec = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    edges = np.arange(0, hi + 1, 200)
    bands = [spec[(freqs >= a) & (freqs < b)].sum() for a, b in itertools.pairwise(edges)]
    return np.log(np.array(bands) + 1e-9)


def at_sr(y: np.ndarray, sr: int) -> np.ndarray:
    from spoofscope.audio.io import resample

    return resample(y.astype(np.float32), sr, SR)


def test_new_families_are_registered_as_conversions() -> None:
    for attack_id in NEW:
        attack = ATTACKS.get(attack_id)()
        assert attack.converts and attack.id == attack_id
        attack.check()  # their packages are installed where the tests run


@pytest.mark.parametrize("attack_id", ("L09", "L12"))
def test_cross_gender_plans_move_pitch_the_right_way(attack_id: str) -> None:
    attack = ATTACKS.get(attack_id)()
    rng = np.random.default_rng(4)
    plans = [attack.plan(rng, "male") for _ in range(200)]
    crossed = [p for p in plans if p["gender"] == "female"]
    assert 70 < len(crossed) < 130
    if attack_id == "L09":
        assert all(p["pitch_median"] >= 190 and p["formant_ratio"] > 1 for p in crossed)
        assert all(p["pitch_median"] == 0 for p in plans if p["gender"] == "male")
    else:
        assert all(p["semitones"] >= 4 for p in crossed)


def test_psola_moves_the_pitch_median_and_stretches_time() -> None:
    x = vowel(120.0, seconds=1.5)
    settings = {
        "formant_ratio": 1.1,
        "pitch_median": 220.0,
        "pitch_range": 1.0,
        "duration": 1.1,
        "seed": 3,
    }
    y, sr = ATTACKS.get("L09")().convert(x, SR, settings)
    assert sr == SR
    assert len(y) / len(x) == pytest.approx(1.1, abs=0.03)
    assert median_f0(y) == pytest.approx(220.0, rel=0.06)
    keep = {**settings, "pitch_median": 0.0, "formant_ratio": 1.0, "duration": 1.0}
    assert median_f0(ATTACKS.get("L09")().convert(x, SR, keep)[0]) == pytest.approx(120, rel=0.05)


def test_klatt_copy_synthesis_keeps_pitch_and_formants_but_not_the_waveform() -> None:
    x = vowel(140.0, seconds=1.0)
    y, sr = ATTACKS.get("L10")().convert(x, SR, {"formants": 5, "max_formant": 5000, "seed": 2})
    y = at_sr(y, sr)
    assert abs(len(y) - len(x)) < 0.02 * SR
    assert median_f0(y) == pytest.approx(140.0, rel=0.06)
    n = min(len(x), len(y))
    ex, ey = band_energy(x[:n], SR), band_energy(y[:n], SR)
    assert np.corrcoef(ex, ey)[0, 1] > 0.6  # the formants were tracked where they are
    assert abs(np.corrcoef(x[:n], y[:n])[0, 1]) < 0.5


def test_klatt_tracks_a_narrowband_recording_below_its_nyquist_frequency() -> None:
    from spoofscope.audio.io import resample

    x8 = resample(vowel(120.0), SR, 8000)
    y, sr = ATTACKS.get("L10")().convert(x8, 8000, {"formants": 5, "max_formant": 5500, "seed": 2})
    assert median_f0(at_sr(y, sr)) == pytest.approx(120.0, rel=0.08)


@pytest.mark.parametrize("mode", ("3200", "700C"))
def test_codec2_returns_narrowband_speech_of_the_same_length_and_pitch(mode: str) -> None:
    x = vowel(130.0, seconds=1.2)
    y, sr = ATTACKS.get("L11")().convert(x, SR, {"mode": mode})
    assert sr == 8000
    assert len(y) / sr == pytest.approx(len(x) / SR, abs=0.05)  # whole 40 ms frames
    assert median_f0(at_sr(y, sr)) == pytest.approx(130.0, rel=0.08)


def test_phase_vocoder_shifts_pitch_by_the_planned_semitones_and_keeps_length() -> None:
    x = vowel(120.0, seconds=1.0)
    y, sr = ATTACKS.get("L12")().convert(x, SR, {"semitones": 5.0, "n_fft": 1024})
    assert sr == SR and len(y) == len(x)
    assert median_f0(y) == pytest.approx(120.0 * 2 ** (5 / 12), rel=0.05)


#: Real bona fide recordings of the v2 packages, converted by each new family.
REAL = (
    ("L09", "/usr/share/codec2/raw/hts2.raw", "female"),
    ("L10", "/usr/share/scummvm/drascula/en/BJ5.ALS", "female"),
    ("L11", "/usr/share/pocketsphinx/test/data/cards/001.wav", "male"),
    ("L12", "/usr/share/codec2/raw/vk5qi.raw", "male"),
)


@pytest.mark.parametrize(("attack_id", "source", "gender"), REAL)
def test_real_recordings_convert_and_pass_the_channel(
    attack_id: str, source: str, gender: str
) -> None:
    attack = ATTACKS.get(attack_id)()
    settings = attack.plan(np.random.default_rng(11), gender)
    job = Job(
        "LS_E_0000001",
        "eval",
        "spoof",
        "LS_X",
        attack_id,
        "en",
        settings["gender"],
        "v2",
        source,
        attack.synthesizer,
        json.dumps(settings, sort_keys=True),
        "",
        5,
    )
    wave = render(job)
    assert wave.dtype == np.float32 and wave.size > 0.3 * SR
    assert 0.005 < float(np.sqrt(np.mean(wave**2))) < 0.5
    np.testing.assert_array_equal(wave, render(job))  # a re-run renders the same samples


def test_v2_protocol_holds_twelve_families_and_six_that_train_never_sees() -> None:
    from spoofscope.localspoof.protocol_v2 import V2_ATTACKS, V2_SEEN_ATTACKS

    assert set(V2_ATTACKS) <= set(ATTACKS.names()) and len(V2_ATTACKS) == 12
    unseen = set(V2_ATTACKS) - set(V2_SEEN_ATTACKS)
    assert len(unseen) == 6 and set(V2_SEEN_ATTACKS) < set(V2_ATTACKS)
    # a conversion family and a TTS family each stay unseen
    assert any(ATTACKS.get(a).converts for a in unseen)
    assert not all(ATTACKS.get(a).converts for a in unseen)
