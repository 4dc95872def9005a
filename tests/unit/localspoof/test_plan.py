"""Planning: determinism, disjoint speakers, both genders, attacks per split."""

from __future__ import annotations

from collections import Counter

import pytest

from spoofscope.errors import ConfigError, UnknownNameError
from spoofscope.localspoof.plan import ALL_ATTACKS, SEEN_ATTACKS, attacks_by_split, plan
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
