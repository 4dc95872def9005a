"""L14, partial spoofs: a recording keeps every sample outside one re-synthesised stretch, the
stretch is the inner conversion's audio at the level of what it replaced, its ends sit in pauses
near where the plan put them, and the inner conversion speaks in the source's gender."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.partial import (
    FADE_S,
    INNER_ATTACKS,
    MAX_SHARE,
    SNAP_S,
    plan_inner,
    spliced_span,
)
from tests.unit.localspoof.test_attacks import SR, median_f0, vowel

FADE = int(FADE_S * SR)


def words(
    pattern: tuple[float, ...] = (0.45, 0.5, 0.35, 0.6), gap: float = 0.12
) -> tuple[np.ndarray, np.ndarray]:
    """Vowels of the given lengths (s) at falling F0, each followed by ``gap`` s of
    near-silence; the samples and a mask of the pauses."""
    parts: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    rng = np.random.default_rng(0)
    for i, seconds in enumerate(pattern):
        parts.append(vowel(140.0 - 8 * i, seconds))
        parts.append((1e-4 * rng.standard_normal(int(gap * SR))).astype(np.float32))
        masks += [np.zeros(len(parts[-2]), dtype=bool), np.ones(len(parts[-1]), dtype=bool)]
    return np.concatenate(parts), np.concatenate(masks)


def settings_with(inner: str, inner_settings: dict, span_s: float, position: float) -> dict:
    return {
        "inner": inner,
        "inner_settings": inner_settings,
        "span_s": span_s,
        "position": position,
        "gender": "male",
    }


def world_down(ratio: float = 0.7) -> dict:
    return settings_with("L06", {"f0_ratio": ratio, "warp": 1.0, "gender": "male"}, 0.5, 0.5)


def test_every_sample_outside_the_stretch_is_the_source_and_inside_it_is_converted() -> None:
    x, _ = words()
    settings = world_down()
    y, sr = ATTACKS.get("L14")().convert(x, SR, settings)
    a, b = spliced_span(x, settings)
    assert sr == SR and len(y) == len(x)
    outside = np.ones(len(x), dtype=bool)
    outside[a - FADE : b + FADE] = False
    assert np.array_equal(y[outside], x[outside])
    # inside, the inner conversion's audio: WORLD moved F0 by 0.7, so the source shows through
    # nowhere (the difference carries about as much energy as the signal itself)
    core = slice(a + FADE, b - FADE)
    err = np.sum((y[core] - x[core]) ** 2) / np.sum(x[core] ** 2)
    assert err > 0.3
    assert median_f0(y[core]) < 0.85 * median_f0(x[core])
    # at the level of what it replaced, so loudness alone does not give the stretch away
    level = 10 * np.log10(np.mean(y[a:b] ** 2) / np.mean(x[a:b] ** 2))
    assert abs(level) < 1.0


def test_the_stretch_ends_in_pauses_near_where_the_plan_put_it() -> None:
    x, pauses = words()
    frame = SR // 100
    speech_end = len(x) - int(0.12 * SR)  # the last pause is trailing silence, which is trimmed
    for position in np.linspace(0.05, 0.95, 7):
        settings = settings_with("L06", {}, 0.5, float(position))
        a, b = spliced_span(x, settings)
        length = int(0.5 * SR)
        start = int(position * (speech_end - length))
        assert b <= speech_end + 2 * frame
        assert abs(a - start) <= SNAP_S * SR + SR // 100
        assert abs(b - (start + length)) <= SNAP_S * SR + SR // 100
        # an end drawn with a pause well within reach (so a whole 10-ms frame of it is) moves
        # into the pause; one drawn mid-word far from any pause stays near where it was drawn
        inside = int(SNAP_S * SR) - 2 * frame
        for drawn, edge in ((start, a), (start + length, b)):
            if pauses[max(0, drawn - inside) : drawn + inside].any():
                assert pauses[min(edge, len(x) - 1)], (position, drawn, edge)


@pytest.mark.parametrize("position", [0.0, 0.5, 1.0])
def test_the_stretch_lies_in_speech_the_channel_keeps_not_in_silence_it_trims(
    position: float,
) -> None:
    rng = np.random.default_rng(1)
    hush = (1e-4 * rng.standard_normal(SR)).astype(np.float32)  # 1 s of a quiet line
    x = np.concatenate([hush, vowel(120.0, 0.8), hush])
    a, b = spliced_span(x, settings_with("L06", {}, 1.0, position))
    voiced = (SR, SR + int(0.8 * SR))
    assert voiced[0] - SR // 50 <= a < b <= voiced[1] + SR // 50
    assert b - a >= 0.4 * SR  # 60% of the 0.8 s of speech, less what snapping takes


def test_a_one_word_prompt_keeps_most_of_itself_bona_fide() -> None:
    x = vowel(120.0, 0.5)
    a, b = spliced_span(x, settings_with("L08", {}, 1.0, 0.3))
    assert 0 < b - a <= MAX_SHARE * len(x) + SNAP_S * SR
    assert a >= 0 and b <= len(x)


@pytest.mark.parametrize("inner", INNER_ATTACKS)
def test_each_inner_conversion_keeps_the_length_so_the_stretch_lines_up(inner: str) -> None:
    x, _ = words()
    rng = np.random.default_rng(7)
    inner_settings = ATTACKS.get(inner)().plan(rng, "male")
    settings = settings_with(inner, inner_settings, 0.6, 0.4)
    attack = ATTACKS.get("L14")()
    y, sr = attack.convert(x, SR, settings)
    again, _ = attack.convert(x, SR, settings)
    assert sr == SR and len(y) == len(x)
    assert np.array_equal(y, again)  # a re-run renders the same file
    a, b = spliced_span(x, settings)
    assert not np.allclose(y[a:b], x[a:b], atol=1e-3)

    # the converted stretch lines up with the words it replaces: the 10-ms log-energy contours
    # of output and source (the stretch and some context) match with no lag, not 100 ms apart
    def contour(s: np.ndarray) -> np.ndarray:
        n = len(s) // 160
        return 10 * np.log10(np.square(s[: n * 160]).reshape(n, 160).mean(axis=1) + 1e-8)

    ey, ex = contour(y[a - 2000 : b + 2000]), contour(x[a - 2000 : b + 2000])
    at = {lag: np.corrcoef(np.roll(ey, lag), ex)[0, 1] for lag in (-10, 0, 10)}
    assert at[0] > 0.6 and at[0] > max(at[-10], at[10]) + 0.4, at


def test_a_source_at_another_rate_is_converted_at_16_khz() -> None:
    x8 = words()[0][::2].copy()  # an 8-kHz telephone prompt
    y, sr = ATTACKS.get("L14")().convert(x8, 8000, world_down())
    assert sr == SR and abs(len(y) - 2 * len(x8)) <= 2


def test_the_plan_draws_every_inner_conversion_and_keeps_the_sources_gender() -> None:
    attack = ATTACKS.get("L14")()
    drawn = set()
    for seed in range(120):
        for gender in ("female", "male"):
            settings = attack.plan(np.random.default_rng(seed), gender)
            drawn.add(settings["inner"])
            assert settings["gender"] == gender
            assert settings["inner_settings"]["gender"] == gender
            assert 0.3 <= settings["span_s"] <= 1.0 and 0.0 <= settings["position"] <= 1.0
    assert drawn == set(INNER_ATTACKS)
    # the draws that keep the gender are the inner attack's own: WORLD within its same-gender
    # ranges, the phase vocoder within three semitones
    inner, s = plan_inner(np.random.default_rng(3), "female")
    assert inner in INNER_ATTACKS and s["gender"] == "female"
