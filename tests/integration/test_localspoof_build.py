"""LocalSpoof end to end: a tiny build, read back by the asvspoof2019-la recipe, resumed after a kill."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
import soundfile as sf

from spoofscope.corpora import CORPORA
from spoofscope.localspoof.build import build
from spoofscope.localspoof.digest import (
    compare_builds,
    compute_checksums,
    corpus_digest,
    read_checksums,
)
from spoofscope.localspoof.layout import MANIFEST, PROTOCOL_DIR, PROTOCOL_NAMES
from tests.fixtures.localspoof import TINY_PROTOCOL, TINY_SEED, tiny_corpus
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny() -> Path:
    return tiny_corpus()


def protocols(root: Path) -> dict[str, str]:
    return {s: (root / PROTOCOL_DIR / n).read_text() for s, n in PROTOCOL_NAMES.items()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_layout_protocols_and_manifest(tiny: Path) -> None:
    rows = list(csv.DictReader((tiny / MANIFEST).open(encoding="utf-8")))
    assert len(rows) == 60
    for row in rows:
        info = sf.info(tiny / row["path"])
        assert (info.samplerate, info.subtype) == (16000, "PCM_16")
        assert row["path"] == f"LA/ASVspoof2019_LA_{row['split']}/flac/{row['utt_id']}.flac"
    lines = protocols(tiny)["eval"].splitlines()
    assert len(lines) == 32
    _speaker, _utt, dash, attack, key = lines[0].split(" ")
    assert dash == "-" and key in {"bonafide", "spoof"} and (attack == "-") == (key == "bonafide")
    assert {r["attack"] for r in rows if r["split"] == "eval"} == {
        "-",
        *(f"L0{i}" for i in range(1, 9)),
    }
    speakers = {
        s: {r["speaker"] for r in rows if r["split"] == s} for s in ("train", "dev", "eval")
    }
    assert not (speakers["train"] & speakers["dev"]) and not (speakers["dev"] & speakers["eval"])
    card = (tiny / "README.md").read_text()
    assert "CC-BY-SA-3.0" in card and "## Shortcut audit" in card and "| L05 |" in card


def test_asvspoof2019_la_recipe_reads_it_without_findings(tiny: Path) -> None:
    recipe = CORPORA.get("asvspoof2019-la")()
    manifest = recipe.prepare(tiny)
    assert len(manifest) == 60
    report = recipe.check(tiny, compare_counts=False)
    # LocalSpoof has no ASV side: the recipe notes the absent companion files, and finds nothing.
    assert report.findings == []
    assert len(report.notes) == 4 and all("ASV" in n for n in report.notes)
    assert report.counts["eval"] == {"bonafide": 16, "spoof": 16}
    localspoof = CORPORA.get("localspoof")().prepare(tiny)
    assert len(localspoof) == 60


def test_killed_build_resumes_to_the_same_corpus(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"
    written: list[str] = []

    def kill_after_25(utt_id: str) -> None:
        written.append(utt_id)
        if len(written) == 25:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(out, size="tiny", workers=2, seed=TINY_SEED, progress=False,
              on_written=kill_after_25, protocol=TINY_PROTOCOL)  # fmt: skip
    flacs = sorted(out.glob("LA/*/flac/*.flac"))
    assert 25 <= len(flacs) < 60
    assert not list(out.glob("LA/*/flac/.*"))  # no temporary left to count as done
    assert not (out / PROTOCOL_DIR).exists()
    result = build(out, size="tiny", workers=2, seed=TINY_SEED, progress=False, run_audit=False,
                   protocol=TINY_PROTOCOL)  # fmt: skip
    assert result.skipped == len(flacs) and result.rendered == 60 - len(flacs)
    assert protocols(out) == protocols(tiny)
    assert (out / MANIFEST).read_text() == (tiny / MANIFEST).read_text()
    # Every file renders bit-exactly, Piper's too: its VITS noise is seeded per utterance.
    rows = list(csv.DictReader((tiny / MANIFEST).open(encoding="utf-8")))
    assert "L05" in {r["attack"] for r in rows}
    for row in rows:
        assert digest(out / row["path"]) == digest(tiny / row["path"]), row["utt_id"]
    # The checksums are read back from disk, so they cover the files of both build passes.
    assert read_checksums(out) == compute_checksums(out)
    assert result.digest == corpus_digest(compute_checksums(out))
    diff = compare_builds(tiny, out)
    assert diff.same == len(rows) and not diff.changed and not diff.only_a and not diff.only_b
    assert not diff.recipe_changed


def test_cli_audit_prints_the_table(tiny: Path) -> None:
    res = run_cli("corpus", "audit", "--corpus", "localspoof", "--root", str(tiny))
    assert res.code == 0, res.err
    assert "f0_median_hz" in res.out and "logistic regression" in res.out


def test_cli_names_the_missing_synthesizer_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng on the PATH
    res = run_cli("corpus", "build", "--out", str(tmp_path / "c"), "--size", "tiny", "-q")
    assert res.code == 2
    assert (
        "espeak-ng" in res.err and "apt-get install espeak-ng" in res.err and "--attacks" in res.err
    )


def test_cli_rejects_a_folder_holding_another_build(tiny: Path) -> None:
    res = run_cli("corpus", "build", "--out", str(tiny), "--size", "tiny", "--seed", "99",
                  "--protocol", TINY_PROTOCOL, "-q")  # fmt: skip
    assert res.code == 2 and "holds a build" in res.err


def test_cli_rejects_an_attack_set_without_seen_attacks(tmp_path: Path) -> None:
    res = run_cli(
        "corpus", "build", "--out", str(tmp_path), "--size", "tiny", "--attacks", "L05,L07"
    )
    assert res.code == 2 and "train split without an attack" in res.err
