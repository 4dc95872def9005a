"""LocalSpoof protocols by name: v1 as the shipped default knew it, v2 with its own voices,
seen attacks and eval-only families, v3 (v2 and one more seen family), v4 (v3 and partial spoofs), and build folders made
before protocols had names."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from spoofscope.cli.localspoof import _seen_list
from spoofscope.errors import ConfigError, CorpusError, UnknownNameError
from spoofscope.localspoof.layout import BUILD_INFO, check_build_info
from spoofscope.localspoof.plan import ALL_ATTACKS, SEEN_ATTACKS, plan
from spoofscope.localspoof.protocols import (
    DEFAULT_PROTOCOL,
    PROTOCOLS,
    UNNAMED_PROTOCOL,
    voice_of,
)
from tests.unit.localspoof.test_plan import VOICES, fake_sources


def test_v1_is_the_benchmark_the_default_model_was_trained_on() -> None:
    v1 = PROTOCOLS.get("v1")
    assert (v1.seen, v1.attacks) == (SEEN_ATTACKS, ALL_ATTACKS)
    assert len(v1.voices) == 11


def test_v2_meets_the_issue_sizes_and_keeps_splits_apart_by_voice_and_package() -> None:
    v2 = PROTOCOLS.get("v2")
    assert len(v2.voices) >= 40 and len(v2.attacks) >= 12
    assert set(v2.seen) < set(v2.attacks)
    by_split: dict[str, tuple[set[str], set[str]]] = {}
    for v in v2.voices:
        speakers, packages = by_split.setdefault(v.split, (set(), set()))
        speakers.add(v.speaker)
        packages.update(c.package for c in v.collections)
    assert len({v.speaker for v in v2.voices}) == len(v2.voices)
    for a, b in (("train", "dev"), ("train", "eval"), ("dev", "eval")):
        assert not by_split[a][1] & by_split[b][1], (a, b)
    for split in by_split:
        assert {v.gender for v in v2.voices if v.split == split} == {"female", "male"}


def test_a_v2_plan_shows_train_only_the_seen_families_and_eval_all_twelve() -> None:
    v2 = PROTOCOLS.get("v2")
    jobs = plan(fake_sources(), size="small", seed=3, seen=v2.seen, pool=v2.attacks)
    spoofs = Counter((j.split, j.attack) for j in jobs if j.key == "spoof")
    for split in VOICES:
        got = {a for s, a in spoofs if s == split}
        assert got == set(v2.attacks if split == "eval" else v2.seen), split
    # the attacks take turns, so eval's 80 spoofs (all 80 sources) hold 6 or 7 of each family
    assert {n for (s, _), n in spoofs.items() if s == "eval"} == {6, 7}
    # v1's plan of the same sources is not touched by the protocol argument's existence
    assert plan(fake_sources(), size="small", seed=3) == plan(
        fake_sources(), size="small", seed=3, seen=SEEN_ATTACKS, pool=ALL_ATTACKS
    )


def test_v3_is_v2_with_pghi_seen_in_training_and_griffin_lim_still_unseen() -> None:
    v2, v3 = PROTOCOLS.get("v2"), PROTOCOLS.get("v3")
    assert v3.voices == v2.voices
    assert v3.seen == (*v2.seen, "L13") and v3.attacks == (*v2.attacks, "L13")
    assert "L07" in set(v3.attacks) - set(v3.seen)


def test_v4_is_v3_with_partial_spoofs_seen_in_training_and_is_the_default() -> None:
    v3, v4 = PROTOCOLS.get("v3"), PROTOCOLS.get("v4")
    assert v4.voices == v3.voices
    assert v4.seen == (*v3.seen, "L14") and v4.attacks == (*v3.attacks, "L14")
    assert set(v4.attacks) - set(v4.seen) == set(v3.attacks) - set(v3.seen)
    assert DEFAULT_PROTOCOL == "v4"


def test_unknown_protocol_and_an_attack_outside_the_protocol_are_refused() -> None:
    with pytest.raises(UnknownNameError, match="v9"):
        PROTOCOLS.get("v9")
    v1 = PROTOCOLS.get("v1")
    with pytest.raises(ConfigError, match="without an attack"):
        # L12 is not v1's: a v1 build asked for it alone has no attack left
        plan(fake_sources(), size="tiny", attacks=["L12"], seen=v1.seen, pool=v1.attacks)


def test_seen_all_means_every_attack_of_the_protocol() -> None:
    assert _seen_list("all", "v1") == list(ALL_ATTACKS)
    assert _seen_list("all", "v2") == [f"L{i:02d}" for i in range(1, 13)]
    assert _seen_list("L01, l04", "v2") == ["L01", "L04"]


def test_a_build_folder_from_before_protocols_had_names_resumes_as_v1(tmp_path: Path) -> None:
    old = {"size": "small", "attacks": list(ALL_ATTACKS), "seed": 0, "files": 1500}
    (tmp_path / BUILD_INFO).write_text(json.dumps(old))
    implied = {"protocol": UNNAMED_PROTOCOL}
    check_build_info(tmp_path, {"protocol": "v1", **old}, implied=implied)
    assert json.loads((tmp_path / BUILD_INFO).read_text()) == old  # left as it was
    with pytest.raises(ConfigError, match="holds a build"):
        check_build_info(tmp_path, {"protocol": "v2", **old}, implied=implied)
    new = tmp_path / "new"
    new.mkdir()
    check_build_info(new, {"protocol": "v2", **old}, implied=implied)
    assert json.loads((new / BUILD_INFO).read_text())["protocol"] == "v2"


def test_a_voice_is_found_in_whichever_protocol_has_it() -> None:
    # vocoded copies plan a conversion by the source voice's gender: v2's voices need it too
    assert voice_of("LS_CARLO").gender == "male"
    assert voice_of("LS_DREN_BJ").gender == "female" and voice_of("LS_DREN_BJ").split == "train"
    assert voice_of("LS_GCIN_5").split == "eval"
    with pytest.raises(CorpusError, match="LS_NOBODY"):
        voice_of("LS_NOBODY")
