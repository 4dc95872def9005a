"""The feature cache never serves the features of other audio than the file holds now.

Its key used to hash the path, size and ``mtime_ns`` only, so a file replaced by other samples of
the same length, with its modification time put back (``cp -p``, ``rsync -t``, a tar extract, a
corpus rebuilt and its times restored), was served its old features. The key now hashes the
bytes: the whole file up to twice :data:`HASH_BLOCK`, else the size, time, path and the first and
last :data:`HASH_BLOCK` bytes. These tests pin both halves of that trade-off on real formats.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.audio import load
from spoofscope.errors import AudioIsDirectoryError, AudioNotFoundError
from spoofscope.features import build_frontend
from spoofscope.features.cache import HASH_BLOCK, FeatureCache, file_digest
from spoofscope.features.extract import batch_features, extract_to_cache
from tests.unit.features.conftest import SR, speech_like

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, wave: np.ndarray) -> Path:
    """``wave`` as 16-bit PCM in the format the suffix names (FLAC or WAV)."""
    sf.write(path, wave, SR, subtype="PCM_16")
    return path


def replace_keeping_stat(path: Path, wave: np.ndarray) -> None:
    """Write ``wave`` over ``path`` and put its modification time back, as ``cp -p`` would."""
    before = path.stat()
    write(path, wave)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_file_replaced_with_the_same_size_and_mtime_gets_its_new_features(
    tmp_path: Path,
) -> None:
    frontend = build_frontend("mfcc", n_mfcc=13).eval()
    cache = FeatureCache(tmp_path / "cache")
    # 4 s of 16-bit PCM in WAV: its size depends on the length only, so other samples keep it
    audio = write(tmp_path / "LA_T_1000137.wav", speech_like(4.0, seed=1))
    assert extract_to_cache(frontend, [audio], cache).computed == 1
    old = cache.get(frontend.cache_config(), audio)

    replace_keeping_stat(audio, speech_like(4.0, seed=2, f0=220.0))
    report = extract_to_cache(frontend, [audio], cache)
    assert (report.computed, report.cached) == (1, 0), "the replaced file was served as cached"
    new = cache.get(frontend.cache_config(), audio)
    np.testing.assert_array_equal(new, batch_features(frontend, [load(audio)])[0])
    assert not np.array_equal(new, old)


def test_a_large_wav_changed_only_between_its_hashed_ends_keeps_its_key_unless_its_time_moves(
    tmp_path: Path,
) -> None:
    """The documented blind spot: above ``2 * HASH_BLOCK`` only the ends are read, so a WAV
    changed in its middle only, with its size and time put back, keeps its key. Any change of
    its modification time still makes a new one."""
    wave = speech_like(10.0, seed=3)
    audio = write(tmp_path / "long.wav", wave)
    assert audio.stat().st_size > 4 * HASH_BLOCK
    key = file_digest(audio)
    middle = wave.copy()
    middle[len(wave) // 2 : len(wave) // 2 + SR] *= -1.0
    replace_keeping_stat(audio, middle)
    assert file_digest(audio) == key
    os.utime(audio, ns=(audio.stat().st_atime_ns, audio.stat().st_mtime_ns + 1))
    assert file_digest(audio) != key


def test_a_large_flac_changed_only_in_its_middle_gets_a_new_key(tmp_path: Path) -> None:
    """FLAC's STREAMINFO block, in the first bytes, carries the MD5 of all decoded samples
    (libFLAC writes it), so hashing the head covers a change anywhere in a FLAC's audio."""
    wave = speech_like(30.0, seed=4)
    audio = write(tmp_path / "long.flac", wave)
    assert audio.stat().st_size > 4 * HASH_BLOCK
    key = file_digest(audio)
    middle = wave.copy()
    middle[len(wave) // 2 : len(wave) // 2 + SR // 10] *= 0.5
    before = audio.stat()
    write(audio, middle)
    os.utime(audio, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert file_digest(audio) != key


def test_a_copied_or_touched_small_file_is_served_from_the_cache(tmp_path: Path) -> None:
    """Files hashed whole are keyed by their bytes alone: a copy, a move to another folder or a
    new modification time with the same bytes finds the features already computed."""
    frontend = build_frontend("mfcc", n_mfcc=13).eval()
    cache = FeatureCache(tmp_path / "cache")
    audio = write(tmp_path / "utt.flac", speech_like(4.0, seed=5))
    assert audio.stat().st_size <= 2 * HASH_BLOCK
    extract_to_cache(frontend, [audio], cache)
    moved = tmp_path / "elsewhere" / "renamed.flac"
    moved.parent.mkdir()
    moved.write_bytes(audio.read_bytes())
    os.utime(audio, ns=(0, 1_000_000_000))
    report = extract_to_cache(frontend, [audio, moved], cache)
    assert (report.computed, report.cached, report.duplicates) == (0, 1, 1)
    assert len(cache.entries()) == 1


def test_the_key_is_the_same_in_another_process(tmp_path: Path) -> None:
    """Keys are hashes of bytes, never Python's per-process ``hash()``, so workers and later runs
    agree; checked for a file hashed whole and one hashed at its ends."""
    small = write(tmp_path / "small.flac", speech_like(2.0, seed=6))
    large = write(tmp_path / "large.wav", speech_like(10.0, seed=7))
    code = (
        "import sys; from spoofscope.features.cache import file_digest; "
        "print(' '.join(file_digest(p) for p in sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code, str(small), str(large)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
    ).stdout.split()
    assert other == [file_digest(small), file_digest(large)]


def test_keying_a_missing_file_or_a_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFoundError, match="no such file"):
        file_digest(tmp_path / "gone.flac")
    with pytest.raises(AudioIsDirectoryError):
        file_digest(tmp_path)
