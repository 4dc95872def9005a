"""Vocoded copies of a tiny build's training recordings: what they hold, and how they resume."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spoofscope.corpora import CORPORA
from spoofscope.errors import ConfigError, CorpusError
from spoofscope.localspoof.digest import build_digest
from spoofscope.localspoof.layout import MANIFEST, read_manifest
from spoofscope.localspoof.vocoded import build_copies, plan_copies
from spoofscope.training.config import RunConfig, apply_overrides, validate
from tests.fixtures.localspoof import TINY_SEED, tiny_copies, tiny_corpus

pytestmark = pytest.mark.slow


def test_every_train_recording_is_converted_by_the_attacks_in_turn() -> None:
    source, copies = tiny_corpus(), tiny_copies()
    bonafide = [
        r for r in read_manifest(source) if r["split"] == "train" and r["key"] == "bonafide"
    ]
    rows = list(csv.DictReader((copies / MANIFEST).open(encoding="utf-8")))
    assert len(rows) == len(bonafide) == 8
    assert [r["source_file"] for r in rows] == [r["source_file"] for r in bonafide]
    assert [r["speaker"] for r in rows] == [r["speaker"] for r in bonafide]
    assert [r["attack"] for r in rows] == ["L06", "L07", "L08"] * 2 + ["L06", "L07"]
    assert {r["key"] for r in rows} == {"spoof"} and {r["split"] for r in rows} == {"train"}
    assert all(r["utt_id"].startswith("LS_TV_") for r in rows)
    manifest = CORPORA.get("localspoof")().prepare(copies)
    assert len(manifest.filter(split="train")) == 8
    assert all(Path(u.path).is_file() for u in manifest)
    # build.json ties the copies to the build they were made from
    assert build_digest(source) in (copies / "build.json").read_text()


def test_a_rerun_renders_nothing_and_other_options_are_refused(tmp_path: Path) -> None:
    source, copies = tiny_corpus(), tiny_copies()
    again = build_copies(source, copies, ["L06", "L07", "L08"], seed=TINY_SEED, progress=False)
    assert (again.rendered, again.skipped) == (0, 8)
    assert again.digest == build_digest(copies)
    with pytest.raises(ConfigError, match="holds a build"):
        build_copies(source, copies, ["L06"], seed=TINY_SEED, progress=False)
    with pytest.raises(ConfigError, match="own folder"):
        build_copies(source, source, ["L06"], progress=False)


def test_only_conversion_attacks_make_copies() -> None:
    rows = read_manifest(tiny_corpus())
    with pytest.raises(ConfigError, match="conversion attacks"):
        plan_copies(rows, ["L06", "L01"])
    with pytest.raises(ConfigError, match="at least 1"):
        plan_copies(rows, ["L06"], copies=0)
    with pytest.raises(ConfigError, match="no bona fide"):
        plan_copies(rows, ["L06"], split="test")
    two = plan_copies(rows, ["L08"], copies=2, seed=3)
    assert len(two) == 16 and len({j.source_file for j in two}) == 8
    assert two == plan_copies(rows, ["L08"], copies=2, seed=3)
    assert two[0].settings != two[8].settings or two[0].seed != two[8].seed


def recipe(*overrides: str) -> RunConfig:
    """A minimal LCNN recipe on the tiny build, with ``--set`` style overrides."""
    data = {
        "data": {"corpus": "localspoof", "root": str(tiny_corpus())},
        "model": {"name": "lcnn"},
    }
    return validate(apply_overrides(data, overrides))


def test_extra_train_joins_the_training_split_only() -> None:
    from spoofscope.training.data import load_splits

    extra = f"data.extra_train=[{{corpus: localspoof, root: {tiny_copies()}}}]"
    train, dev = load_splits(recipe(extra))
    plain_train, plain_dev = load_splits(recipe())
    assert len(train) == len(plain_train) + 8 and len(dev) == len(plain_dev)
    assert sum(u.utt_id.startswith("LS_TV_") for u in train) == 8
    # a leave-attacks-out protocol filters the copies as it filters the build
    kept, _ = load_splits(recipe(extra, "data.attacks=[L01, L02, L06]"))
    assert {u.attack for u in kept if u.utt_id.startswith("LS_TV_")} == {"L06"}


def test_extra_train_refuses_repeats_and_missing_roots(tmp_path: Path) -> None:
    from spoofscope.training.data import load_splits

    same = f"data.extra_train=[{{corpus: localspoof, root: {tiny_corpus()}}}]"
    with pytest.raises(ConfigError, match="already in training"):
        load_splits(recipe(same))
    with pytest.raises(CorpusError, match=r"data\.extra_train\.0\.root"):
        recipe(f"data.extra_train=[{{corpus: localspoof, root: {tmp_path / 'none'}}}]")
