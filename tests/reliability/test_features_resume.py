"""An interrupted ``features extract``, run again, ends with the cache an uninterrupted run writes.

The interruption is injected: the cache's ``write_entry`` raises KeyboardInterrupt (what Ctrl-C
raises) once a given number of entries is written, the point where a real interruption loses the
most. The front-end is CQCC, whose last bits depend on the padding a batch brings, and batches
are 3 files, so a resume that batched only the files still missing (as extraction used to) writes
other bytes. Damaged entries are made the ways a disk gives them back: cut short, or zeroed in
place at the same size; the leftover of a killed writer is a temporary file beside the entries.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import soundfile as sf

from spoofscope.cli.app import main
from spoofscope.features.cache import STALE_TEMP_SECONDS, FeatureCache
from tests.unit.features.conftest import SR, speech_like

pytestmark = pytest.mark.slow

FILES = 8  # bona fide and spoof FLAC files of 8 lengths, and one damaged file


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder corpus: ``bonafide/`` and ``spoof/`` FLAC files of 0.5-1.2 s, one not audio."""
    root = tmp_path_factory.mktemp("corpus")
    for i in range(FILES):
        key = ("bonafide", "spoof")[i % 2]
        (root / key).mkdir(exist_ok=True)
        wave = speech_like(0.5 + 0.1 * i, seed=i, f0=110.0 + 15 * i)
        sf.write(root / key / f"{key}_{i:03d}.flac", wave, SR, subtype="PCM_16")
    (root / "spoof" / "spoof_broken.flac").write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x00" * 40)
    return root


def extract_args(corpus: Path, out: Path) -> list[str]:
    return ["features", "extract", "--frontend", "cqcc", "--corpus", "folder", "--root",
            str(corpus), "--out", str(out), "--batch-size", "3"]  # fmt: skip


def snapshot(cache: Path) -> dict[str, bytes]:
    """Every file under ``cache`` (entries, config.json, any leftover), by relative path."""
    return {
        p.relative_to(cache).as_posix(): p.read_bytes() for p in cache.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def uninterrupted(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The cache one uninterrupted extraction writes."""
    out = tmp_path_factory.mktemp("uninterrupted") / "cache"
    assert main(extract_args(corpus, out)) == 1  # the damaged file fails, every other is written
    written = snapshot(out)
    assert len([name for name in written if name.endswith(".npy")]) == FILES
    return written


@pytest.mark.parametrize("written_before", [1, 4])
def test_an_interrupted_extraction_resumes_to_the_cache_of_an_uninterrupted_one(
    corpus: Path,
    uninterrupted: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    written_before: int,
) -> None:
    out = tmp_path / "cache"
    write_entry = FeatureCache.write_entry
    calls = []

    def interrupted_write(self: FeatureCache, *args: object, **kwargs: object) -> Path:
        if len(calls) == written_before:
            raise KeyboardInterrupt
        calls.append(1)
        return write_entry(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(FeatureCache, "write_entry", interrupted_write)
        assert main(extract_args(corpus, out)) == 130
    assert "the same command resumes" in capsys.readouterr().out
    assert len(FeatureCache(out).entries()) == written_before

    assert main(extract_args(corpus, out)) == 1
    text = capsys.readouterr().out
    assert f"{FILES - written_before} computed, {written_before} already cached, 1 failed" in text
    assert snapshot(out) == uninterrupted


@pytest.mark.parametrize("damage", ["cut short", "zeroed in place"])
def test_a_damaged_entry_is_never_served_and_is_computed_again(
    corpus: Path,
    uninterrupted: dict[str, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    out = tmp_path / "cache"
    out.mkdir()
    for name, data in uninterrupted.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    cache = FeatureCache(out)
    victim = sorted(cache.entries())[0]
    data = victim.read_bytes()
    if damage == "cut short":
        victim.write_bytes(data[: len(data) // 2])
    else:  # the tail of the array's data lost, the size kept (a crash before the data was flushed)
        victim.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    assert cache.read_entry(victim) is None

    assert main(extract_args(corpus, out)) == 1
    text = capsys.readouterr().out
    assert f"1 computed (1 over damaged entries), {FILES - 1} already cached" in text
    assert snapshot(out) == uninterrupted


def test_a_killed_writers_temporary_file_is_never_read_and_goes_once_stale(
    corpus: Path, uninterrupted: dict[str, bytes], tmp_path: Path
) -> None:
    """A writer killed between writing its temporary file and moving it into place leaves the
    temporary file and no entry: the entry is computed, the file is deleted once older than
    :data:`STALE_TEMP_SECONDS` (a younger one may be a live worker's) and never read."""
    out = tmp_path / "cache"
    out.mkdir()
    for name, data in uninterrupted.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    victim = sorted(FeatureCache(out).entries())[0]
    stale = victim.parent / f".{victim.name}.k1ll3d.tmp"
    live = victim.parent / f".{victim.name}.wr1t1n.tmp"
    for temp in (stale, live):
        temp.write_bytes(victim.read_bytes()[:100])
    hours_ago = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(stale, (hours_ago, hours_ago))
    victim.unlink()

    assert main(extract_args(corpus, out)) == 1
    assert not stale.exists() and live.exists()
    live.unlink()
    assert snapshot(out) == uninterrupted
