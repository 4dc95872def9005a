"""The on-disk feature cache: keys, invalidation, atomic writes, size cap."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from spoofscope.features.cache import FeatureCache
from tests.unit.features.conftest import SR, speech_like

MFCC = {"name": "mfcc", "sample_rate": 16000, "n_mfcc": 20}


def wav(folder: Path, name: str, seconds: float = 0.5, seed: int = 0) -> Path:
    path = folder / name
    sf.write(path, speech_like(seconds, seed=seed), SR, subtype="PCM_16")
    return path


def test_put_then_get_roundtrips_and_config_change_misses(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    audio = wav(tmp_path, "LA_T_1000137.wav")
    feats = np.random.default_rng(0).standard_normal((1, 20, 51)).astype(np.float32)
    assert cache.get(MFCC, audio) is None
    cache.put(MFCC, audio, feats)
    np.testing.assert_array_equal(cache.get(MFCC, audio), feats)
    assert cache.get({**MFCC, "n_mfcc": 13}, audio) is None


def test_rewriting_the_audio_file_invalidates_its_entry(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    audio = wav(tmp_path, "utt.wav", seed=1)
    cache.put(MFCC, audio, np.ones((1, 2, 3), np.float32))
    stat = audio.stat()
    wav(tmp_path, "utt.wav", seconds=0.6, seed=2)
    os.utime(audio, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert cache.get(MFCC, audio) is None


def test_get_or_compute_computes_once(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    audio = wav(tmp_path, "utt.wav")
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.full((1, 4, 4), 3.0, np.float32)

    first = cache.get_or_compute(MFCC, audio, compute)
    second = cache.get_or_compute(MFCC, audio, compute)
    assert len(calls) == 1
    np.testing.assert_array_equal(first, second)


def test_parallel_writers_leave_one_complete_entry_and_no_temp_files(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    audio = wav(tmp_path, "utt.wav")
    arrays = [np.full((1, 64, 200), float(i), np.float32) for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda a: cache.put(MFCC, audio, a), arrays))
    got = cache.get(MFCC, audio)
    assert got.shape == (1, 64, 200) and np.all(got == got.flat[0])
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_size_cap_evicts_least_recently_read(tmp_path: Path) -> None:
    entry = np.zeros((1, 100, 100), np.float32)  # 40 kB + header
    cache = FeatureCache(tmp_path / "cache", max_bytes=3 * entry.nbytes + 1000)
    files = [wav(tmp_path, f"utt{i}.wav", seed=i) for i in range(4)]
    for i, path in enumerate(files[:3]):
        cache.put(MFCC, path, entry)
        entry_path = cache.entry_path(MFCC, path)
        os.utime(entry_path, ns=(1_000_000_000 * (i + 1), entry_path.stat().st_mtime_ns))
    assert cache.get(MFCC, files[0]) is not None  # now the most recently read
    cache.put(MFCC, files[3], entry)
    assert cache.get(MFCC, files[1]) is None, "least recently read entry is evicted"
    assert cache.get(MFCC, files[0]) is not None and cache.get(MFCC, files[3]) is not None
    assert cache.size_bytes() <= cache.max_bytes
