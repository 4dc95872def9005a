"""Extra training voices: one KLettres recording of each voice and its spoof, rendered for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.corpora import CORPORA
from spoofscope.errors import ConfigError
from spoofscope.localspoof.extras import build_extras
from spoofscope.localspoof.layout import read_manifest
from spoofscope.localspoof.sources import EXTRA_VOICES
from spoofscope.training.config import apply_overrides, validate
from tests.fixtures.localspoof import tiny_corpus
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def extras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("extras")
    # WORLD conversions only: the cheapest attack that still renders through the whole chain
    build_extras(root, seen=["L06"], per_voice=1, seed=3, progress=False)
    return root


def test_each_voice_gives_a_recording_and_a_spoof_of_it(extras: Path) -> None:
    rows = read_manifest(extras)
    assert len(rows) == 2 * len(EXTRA_VOICES)
    bonafide = {r["speaker"] for r in rows if r["key"] == "bonafide"}
    assert bonafide == {v.speaker for v in EXTRA_VOICES}
    spoofs = [r for r in rows if r["key"] == "spoof"]
    assert {r["attack"] for r in spoofs} == {"L06"} and {r["split"] for r in rows} == {"train"}
    assert all(r["utt_id"].startswith("LS_TX_") for r in rows)
    manifest = CORPORA.get("localspoof")().prepare(extras)
    assert len(manifest.filter(split="train")) == len(rows)
    assert all(Path(u.path).is_file() for u in manifest)
    card = (extras / "README.md").read_text()
    assert "KLettres" in card and "GPL-2+" in card and "Shortcut audit" in card


def test_a_rerun_renders_nothing_and_other_options_are_refused(extras: Path) -> None:
    again = build_extras(extras, seen=["L06"], per_voice=1, seed=3, progress=False)
    assert (again.rendered, again.skipped) == (0, 2 * len(EXTRA_VOICES))
    with pytest.raises(ConfigError, match="holds a build"):
        build_extras(extras, seen=["L06"], per_voice=2, seed=3, progress=False)


def test_a_recipe_adds_them_to_training_only(extras: Path) -> None:
    from spoofscope.training.data import load_splits

    data = {"data": {"corpus": "localspoof", "root": str(tiny_corpus())}, "model": {"name": "lcnn"}}
    plain_train, plain_dev = load_splits(validate(data))
    extra = f"data.extra_train=[{{corpus: localspoof, root: {extras}}}]"
    train, dev = load_splits(validate(apply_overrides(data, [extra])))
    assert len(train) == len(plain_train) + 2 * len(EXTRA_VOICES) and len(dev) == len(plain_dev)


def test_cli_refuses_a_zero_cap_in_one_line(tmp_path: Path) -> None:
    res = run_cli("corpus", "extras", "--out", str(tmp_path), "--per-voice", "0", "-q")
    assert res.code == 2 and "--per-voice" in res.err and len(res.err.strip().splitlines()) == 1
