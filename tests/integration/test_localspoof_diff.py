"""`spoofscope corpus diff`: two LocalSpoof builds compared file by file, on checksums of samples."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.localspoof.digest import CHECKSUMS, compare_builds, pcm_digest
from spoofscope.localspoof.layout import MANIFEST
from tests.fixtures.localspoof import tiny_corpus
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny() -> Path:
    return tiny_corpus()


def rows(root: Path) -> list[dict[str, str]]:
    with (root / MANIFEST).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_checksum_ignores_flac_encoding_but_not_one_sample(tmp_path: Path) -> None:
    wave = (np.sin(np.arange(16000) / 7.0) * 9000).astype(np.int16)
    fast, best = tmp_path / "fast.flac", tmp_path / "best.flac"
    sf.write(fast, wave, 16000, format="FLAC", subtype="PCM_16", compression_level=0.0)
    sf.write(best, wave, 16000, format="FLAC", subtype="PCM_16", compression_level=1.0)
    assert fast.read_bytes() != best.read_bytes()
    assert pcm_digest(fast) == pcm_digest(best)
    wave[8000] += 1
    sf.write(best, wave, 16000, format="FLAC", subtype="PCM_16")
    assert pcm_digest(fast) != pcm_digest(best)


def test_diff_names_each_changed_missing_and_recoloured_file(tiny: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny, copy)
    (copy / CHECKSUMS).unlink(missing_ok=True)  # computed from the audio, not trusted from A
    table = rows(copy)
    by_attack = {r["attack"]: r for r in table}
    # One file re-rendered with other samples, one file whose recipe (text) changed too, one dropped.
    resampled, retexted, dropped = by_attack["L02"], by_attack["L03"], by_attack["-"]
    for row in (resampled, retexted):
        data, sr = sf.read(copy / row["path"], dtype="int16")
        data[len(data) // 2] ^= 1
        sf.write(copy / row["path"], data, sr, format="FLAC", subtype="PCM_16")
    retexted["text"] = retexted["text"] + " (again)"
    kept = [r for r in table if r is not dropped]
    with (copy / MANIFEST).open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        out.writeheader()
        out.writerows(kept)

    diff = compare_builds(tiny, copy)
    assert sorted(diff.changed) == sorted([resampled["utt_id"], retexted["utt_id"]])
    assert diff.recipe_changed == [retexted["utt_id"]]
    assert diff.only_a == [dropped["utt_id"]] and diff.only_b == []
    assert diff.same == len(table) - 3 and not diff.identical
    group = f"{resampled['split']}/L02"
    assert any(g == group and changed == 1 for g, _s, changed, _a, _b in diff.table())

    res = run_cli("corpus", "diff", str(tiny), str(copy))
    assert res.code == 1
    assert f"changed: {retexted['utt_id']} (manifest row differs)" in res.out
    assert f"changed: {resampled['utt_id']} (same recipe, other samples)" in res.out
    assert f"{len(table) - 3} same, 2 changed (1 with another recipe), 1 only in A" in res.out


def test_diff_of_a_build_with_itself_exits_0(tiny: Path) -> None:
    res = run_cli("corpus", "diff", str(tiny), str(tiny))
    assert res.code == 0, res.err
    assert "0 changed" in res.out


def test_diff_of_a_folder_that_is_no_build_is_one_line(tiny: Path, tmp_path: Path) -> None:
    res = run_cli("corpus", "diff", str(tiny), str(tmp_path))
    assert res.code == 2 and "not a LocalSpoof build" in res.err
    assert len(res.err.strip().splitlines()) == 1
