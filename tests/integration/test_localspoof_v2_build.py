"""`corpus build` (the default protocol, v2's voices and splits) end to end on a tiny build of
three cheap attacks: v2's voices and packages in their splits, the protocol in build.json and the
data card, each split audited, and such a folder refusing to be resumed as v1."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from spoofscope.localspoof.layout import BUILD_INFO, MANIFEST
from spoofscope.localspoof.protocol_v2 import V2_VOICES
from spoofscope.localspoof.protocols import DEFAULT_PROTOCOL, PROTOCOLS
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.slow

#: espeak-ng, WORLD and codec2 render in milliseconds a file; L11 is eval-only, so eval holds an
#: attack train never sees
ATTACKS = "L01,L06,L11"


def test_a_tiny_v2_build_draws_v2_voices_and_names_its_protocol(tmp_path: Path) -> None:
    out = tmp_path / "v2"
    # no --protocol: the default is what a plain build makes
    args = ("corpus", "build", "--out", str(out), "--size", "tiny")
    res = run_cli(*args, "--attacks", ATTACKS, "--workers", "2", "--seed", "3", "-q")
    assert res.code == 0, res.err + res.out
    assert f"LocalSpoof {DEFAULT_PROTOCOL}" in res.out and "split eval" in res.out
    info = json.loads((out / BUILD_INFO).read_text())
    assert info["protocol"] == DEFAULT_PROTOCOL and info["attacks"] == ["L01", "L06", "L11"]
    assert info["seen"] == list(PROTOCOLS.get(DEFAULT_PROTOCOL).seen)
    assert PROTOCOLS.get(DEFAULT_PROTOCOL).voices == V2_VOICES
    rows = list(csv.DictReader((out / MANIFEST).open(encoding="utf-8")))
    split_of = {v.speaker: v.split for v in V2_VOICES}
    bona = [r for r in rows if r["key"] == "bonafide"]
    assert all(split_of[r["speaker"]] == r["split"] for r in bona)
    packages = {
        s: {r["source_package"] for r in bona if r["split"] == s} for s in split_of.values()
    }
    assert not packages["train"] & packages["eval"] and not packages["dev"] & packages["eval"]
    # tiny's 16 eval recordings spread over eval's 21 voices reach v2's own eval packages
    assert packages["eval"] & {"gcin-voice", "codec2-examples", "pocketsphinx-testdata"}
    attacks = {s: {r["attack"] for r in rows if r["split"] == s and r["key"] == "spoof"}
               for s in ("train", "dev", "eval")}  # fmt: skip
    assert attacks == {
        "train": {"L01", "L06"},
        "dev": {"L01", "L06"},
        "eval": {"L01", "L06", "L11"},
    }
    card = (out / "README.md").read_text()
    assert (
        f"protocol `{DEFAULT_PROTOCOL}`" in card
        and "LS_GCIN_3" in card
        and "### Split eval" in card
    )
    # the folder holds a default build: resuming it as v1 is refused, nothing lost
    again = run_cli("corpus", "build", "--out", str(out), "--size", "tiny", "--attacks", ATTACKS,
                    "--seed", "3", "--protocol", "v1", "-q")  # fmt: skip
    assert again.code == 2 and "holds a build" in again.err
    assert json.loads((out / BUILD_INFO).read_text()) == info
