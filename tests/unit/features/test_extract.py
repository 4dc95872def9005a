"""Batched extraction into the cache: what is computed, what is counted, what fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope.audio import load
from spoofscope.features import build_frontend
from spoofscope.features.base import FrontEnd
from spoofscope.features.cache import FeatureCache
from spoofscope.features.extract import batch_features, extract_to_cache
from tests.unit.features.conftest import SR, speech_like


def utterances(folder: Path, n: int) -> list[Path]:
    """``n`` 16-bit FLAC files of 0.4, 0.5, ... s, each other audio."""
    paths = [folder / f"utt{i}.flac" for i in range(n)]
    for i, path in enumerate(paths):
        sf.write(path, speech_like(0.4 + 0.1 * i, seed=i), SR, subtype="PCM_16")
    return paths


@pytest.fixture
def frontend() -> FrontEnd:
    return build_frontend("mfcc", n_mfcc=13).eval()


@pytest.fixture
def cache(tmp_path: Path) -> FeatureCache:
    return FeatureCache(tmp_path / "cache")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batch sizes the MFCC front-end is called with (counted on its class, for every instance)."""
    from spoofscope.features.cepstral import Mfcc

    seen: list[int] = []
    cached = Mfcc.cached

    def counted(self: Mfcc, wave: torch.Tensor, lengths: torch.Tensor | None = None):
        seen.append(wave.shape[0])
        return cached(self, wave, lengths)

    monkeypatch.setattr(Mfcc, "cached", counted)
    return seen


def test_every_file_is_counted_once_and_each_entry_holds_its_own_features(
    tmp_path: Path, frontend: FrontEnd, cache: FeatureCache, calls: list[int]
) -> None:
    files = utterances(tmp_path, 5)
    copy = tmp_path / "copy_of_utt0.flac"
    copy.write_bytes(files[0].read_bytes())
    steps: list[int] = []
    report = extract_to_cache(
        frontend, [*files, copy, tmp_path / "gone.flac"], cache, 2, steps.append
    )
    assert (report.computed, report.cached, report.duplicates) == (5, 0, 1)
    assert report.failed == [(str(tmp_path / "gone.flac"), "no such file")]
    assert sum(steps) == 7 and calls == [2, 2, 1]
    for path in files:
        alone = batch_features(frontend, [load(path)])[0]
        np.testing.assert_array_equal(cache.get(frontend.cache_config(), path), alone)


def test_a_batch_whose_only_missing_file_fails_to_decode_is_not_computed_again(
    tmp_path: Path, frontend: FrontEnd, cache: FeatureCache, calls: list[int]
) -> None:
    """A file that never decodes keeps its entry missing; rerunning must not recompute its
    batch-mates for it on every run."""
    files = utterances(tmp_path, 3)
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + bytes(60))
    extract_to_cache(frontend, [*files, broken], cache, 4)
    calls.clear()
    report = extract_to_cache(frontend, [*files, broken], cache, 4)
    assert (report.computed, report.cached, len(report.failed)) == (0, 3, 1)
    assert calls == []


def test_a_missing_entry_is_computed_with_its_whole_batch_and_only_it_is_written(
    tmp_path: Path, frontend: FrontEnd, cache: FeatureCache, calls: list[int]
) -> None:
    files = utterances(tmp_path, 4)
    extract_to_cache(frontend, files, cache, 2)
    kept = cache.entry_path(frontend.cache_config(), files[0])
    kept_ns = kept.stat().st_mtime_ns
    cache.entry_path(frontend.cache_config(), files[1]).unlink()
    calls.clear()
    report = extract_to_cache(frontend, files, cache, 2)
    assert (report.computed, report.cached) == (1, 3)
    assert calls == [2], "the batch is computed with both its files"
    assert kept.stat().st_mtime_ns == kept_ns, "an entry already there is not written again"
