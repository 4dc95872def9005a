"""Planning: determinism, disjoint speakers, both genders, attacks per split."""

from __future__ import annotations

from collections import Counter

import pytest

from spoofscope.errors import ConfigError, UnknownNameError
from spoofscope.localspoof.plan import (
    ALL_ATTACKS,
    SEEN_ATTACKS,
    attacks_by_split,
    plan,
    plan_extras,
)
from spoofscope.localspoof.sources import SourceFile

# Two voices a split, one of each gender, in the languages LocalSpoof's voices really speak.
VOICES = {
    "train": [("LS_A", "female", "en"), ("LS_B", "male", "cs")],
    "dev": [("LS_C", "male", "it"), ("LS_D", "female", "fr")],
    "eval": [("LS_E", "male", "nl"), ("LS_F", "female", "it")],
}


def fake_sources(per_voice: int = 40) -> list[SourceFile]:
    out = []
    for split, voices in VOICES.items():
        for speaker, gender, lang in voices:
            for i in range(per_voice):
                path = f"/usr/share/x/{speaker}/{i:03d}.wav"
                out.append(SourceFile(speaker, gender, split, lang, "pkg", path, f"line {i}"))
    return out


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    a = plan(fake_sources(), size="tiny", seed=1)
    assert a == plan(fake_sources(), size="tiny", seed=1)
    assert a != plan(fake_sources(), size="tiny", seed=2)


def test_tiny_sizes_speakers_and_attacks() -> None:
    jobs = plan(fake_sources(), size="tiny", seed=0)
    counts = Counter((j.split, j.key) for j in jobs)
    assert counts == {
        ("train", "bonafide"): 8, ("train", "spoof"): 8, ("dev", "bonafide"): 6,
        ("dev", "spoof"): 6, ("eval", "bonafide"): 16, ("eval", "spoof"): 16,
    }  # fmt: skip
    for split, voices in VOICES.items():
        speakers = {j.speaker for j in jobs if j.split == split}
        assert speakers == {v[0] for v in voices}  # spoofs target the split's own speakers
        assert {j.attack for j in jobs if j.split == split and j.key == "spoof"} == set(
            SEEN_ATTACKS if split != "eval" else ALL_ATTACKS
        )
        for key in ("bonafide", "spoof"):
            assert {j.gender for j in jobs if j.split == split and j.key == key} == {
                "female",
                "male",
            }
    assert len({j.utt_id for j in jobs}) == len(jobs)
    assert all(
        j.utt_id.startswith({"train": "LS_T_", "dev": "LS_D_", "eval": "LS_E_"}[j.split])
        for j in jobs
    )


def test_conversions_keep_their_source_and_tts_speaks_a_language_it_has() -> None:
    jobs = plan(fake_sources(), size="small", seed=0)
    for j in jobs:
        if j.attack in ("L06", "L07", "L08"):
            assert j.source_file.startswith(f"/usr/share/x/{j.speaker}/")
        if j.attack in ("L02", "L05"):
            assert j.language == "en"


def test_attack_selection() -> None:
    assert attacks_by_split(["L01", "L05"]) == {
        "train": ("L01",),
        "dev": ("L01",),
        "eval": ("L01", "L05"),
    }
    with pytest.raises(ConfigError, match="without an attack"):
        attacks_by_split(["L05"])
    with pytest.raises(UnknownNameError):
        attacks_by_split(["L01", "L99"])
    with pytest.raises(ConfigError, match="size"):
        plan(fake_sources(), size="huge")


def test_seen_all_puts_every_attack_in_train_and_dev_but_keeps_the_speakers_apart() -> None:
    benchmark = plan(fake_sources(), size="small", seed=0)
    shipped = plan(fake_sources(), size="small", seed=0, seen=ALL_ATTACKS)
    for split in ("train", "dev"):
        assert {j.attack for j in shipped if j.split == split and j.key == "spoof"} == set(
            ALL_ATTACKS
        )
    for jobs in (benchmark, shipped):
        speakers = {s: {j.speaker for j in jobs if j.split == s} for s in VOICES}
        assert not speakers["train"] & speakers["eval"]
    count = Counter((j.split, j.key) for j in benchmark)
    assert Counter((j.split, j.key) for j in shipped) == count


def test_text_pool_drops_format_templates():
    """Game scripts hold templates like 'J%1.' that are no speech and break festival voices."""
    from spoofscope.localspoof.plan import text_pool

    for language in ("it", "cs", "nl", "en"):
        pool = text_pool(language)
        assert pool and not [t for t in pool if "%1" in t or "%2" in t]


def extra_sources(counts: dict[str, int]) -> list[SourceFile]:
    """Extra training voices with ``counts`` recordings each (letters, as KLettres says them)."""
    return [
        SourceFile(
            speaker, "male" if i % 2 else "female", "train", "es", "kl", f"/k/{speaker}/{n}", "ba"
        )
        for i, (speaker, count) in enumerate(counts.items())
        for n in range(count)
    ]


def test_extras_are_train_jobs_with_a_spoof_each_under_their_own_ids() -> None:
    sources = extra_sources({"LS_KL_A": 30, "LS_KL_B": 5})
    jobs = plan_extras(sources, seen=ALL_ATTACKS, per_voice=10, seed=4)
    bonafide = [j for j in jobs if j.key == "bonafide"]
    # at most 10 a voice, so the voice with 30 letters does not outweigh the other
    assert Counter(j.speaker for j in bonafide) == {"LS_KL_A": 10, "LS_KL_B": 5}
    assert Counter(j.attack for j in jobs if j.key == "spoof") == Counter(
        {a: 2 for a in ALL_ATTACKS[:7]} | {"L08": 1}
    )
    assert [j.utt_id for j in jobs] == [f"LS_TX_{n:07d}" for n in range(1, 31)]
    assert {j.split for j in jobs} == {"train"}
    assert jobs == plan_extras(sources, seen=ALL_ATTACKS, per_voice=10, seed=4)
    assert jobs != plan_extras(sources, seen=ALL_ATTACKS, per_voice=10, seed=5)
    # the benchmark protocol's extras use only its seen attacks
    seen = {j.attack for j in plan_extras(sources) if j.key == "spoof"}
    assert seen == set(SEEN_ATTACKS)


def test_extras_refuse_no_voices_other_splits_and_a_zero_cap() -> None:
    with pytest.raises(ConfigError, match="no usable"):
        plan_extras([])
    with pytest.raises(ConfigError, match="LS_C are not training voices"):
        plan_extras([s for s in fake_sources(2) if s.speaker in ("LS_A", "LS_C")])
    with pytest.raises(ConfigError, match="at least 1"):
        plan_extras(extra_sources({"LS_KL_A": 3}), per_voice=0)
