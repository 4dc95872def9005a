"""The cache holds a front-end's output before its selection steps; ``after_cache`` applies them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from spoofscope.features.base import reading_cached
from spoofscope.features.cache import FeatureCache
from spoofscope.features.extract import extract_to_cache, pad_batch
from tests.unit.features.conftest import SR, speech_like

#: a leave-one-coefficient-out study over 13 MFCCs, plus the full set
LOFO = [{"n_mfcc": 13}] + [{"n_mfcc": 13, "drop": [i]} for i in range(1, 14)]


def padded_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Three utterances of 0.5, 0.83 and 1.2 s as one zero-padded batch."""
    return pad_batch([speech_like(s, seed=i) for i, s in enumerate((0.5, 0.83, 1.2))])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("mfcc", {"n_mfcc": 13, "drop": [1], "deltas": 2}),
        ("mfcc", {"n_mfcc": 13, "keep": [2, 5, 9], "deltas": 1, "delta_width": 1}),
        ("lfcc", {"keep": [1, 2, 3, 4]}),
        ("cqcc", {"drop": [1, 20]}),
        ("logmel", {}),
    ],
)
def test_after_cache_of_the_cached_output_is_the_front_ends_output(name: str, params: dict) -> None:
    frontend = build_frontend(name, **params).eval()
    wave, lengths = padded_batch()
    frame_lengths = frontend.output_lengths(lengths)
    with torch.no_grad():
        direct = frontend(wave, lengths)
        stored = frontend.cached(wave, lengths)
        again = frontend.from_cache(stored, frame_lengths)
        with reading_cached(frontend):
            fed = frontend(stored[:1, ..., : int(frame_lengths[0])])
    torch.testing.assert_close(again, direct, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fed, direct[:1, ..., : int(frame_lengths[0])], rtol=1e-5, atol=1e-5)
    assert not frontend.reads_cached, "the waveform path is back once the block ends"


def test_coefficient_variants_share_one_cache_key_and_keep_what_they_select() -> None:
    variants = [build_frontend("mfcc", **p) for p in LOFO]
    assert len({str(sorted(v.cache_config().items())) for v in variants}) == 1
    assert len({str(sorted(v.config().items())) for v in variants}) == len(LOFO)
    stored = variants[0].cached(*padded_batch())
    assert stored.shape[2] == 13, "every static coefficient is cached"
    dropped = variants[4].from_cache(stored)  # drop c4 (1-based), i.e. index 3
    assert dropped.shape[2] == 12
    torch.testing.assert_close(dropped[:, :, 3], stored[:, :, 4])


def test_normalisations_share_the_front_ends_entries_and_normalise_after_it() -> None:
    plain = build_frontend("lfcc")
    utterance = build_frontend("lfcc", norm="utterance")
    assert utterance.cache_config() == plain.cache_config()
    assert utterance.frame_hop == plain.frame_hop == 160
    wave, lengths = padded_batch()
    with torch.no_grad():
        stored = utterance.cached(wave, lengths)
        torch.testing.assert_close(stored, plain.cached(wave, lengths))
        again = utterance.from_cache(stored, utterance.output_lengths(lengths))
        torch.testing.assert_close(again, utterance(wave, lengths), rtol=1e-4, atol=1e-4)


def test_a_cqcc_row_of_a_padded_batch_is_what_the_row_alone_gives() -> None:
    """Up to float rounding: 2e-6 of the largest value (a batched FFT rounds the same row 6e-7
    of it apart; sized by the batch's length, a 0.5 s row padded to 1.2 s moved 1e-5)."""
    frontend = build_frontend("cqcc").eval()
    wave, lengths = padded_batch()
    with torch.no_grad():
        batch = frontend.cached(wave, lengths)
        frames = frontend.output_lengths(lengths).tolist()
        for row, n in enumerate(frames):
            alone = frontend.cached(wave[row : row + 1, : int(lengths[row])])[0]
            tolerance = 2e-6 * float(alone.abs().max())
            torch.testing.assert_close(batch[row, ..., :n], alone, rtol=0, atol=tolerance)


def write_files(folder: Path, n: int) -> list[Path]:
    paths = [folder / f"LA_T_{1000 + i}.flac" for i in range(n)]
    for i, path in enumerate(paths):
        sf.write(path, speech_like(0.4 + 0.05 * i, seed=i), SR, subtype="PCM_16")
    return paths


def test_a_coefficient_study_computes_its_features_once(tmp_path: Path) -> None:
    files = write_files(tmp_path, 4)
    cache = FeatureCache(tmp_path / "cache")
    reports = [extract_to_cache(build_frontend("mfcc", **p), files, cache) for p in LOFO[:3]]
    assert [(r.computed, r.cached) for r in reports] == [(4, 0), (0, 4), (0, 4)]
    assert len(list(cache.root.iterdir())) == 1


def test_a_front_end_whose_rows_depend_on_the_batch_is_refused_by_the_cache(
    tmp_path: Path,
) -> None:
    files = write_files(tmp_path, 2)
    cache = FeatureCache(tmp_path / "cache")
    with pytest.raises(ConfigError, match=r"front-end 'fft'.*cannot be cached: n_fft: null"):
        extract_to_cache(build_frontend("fft"), files, cache)
    assert cache.entries() == []
    report = extract_to_cache(build_frontend("fft", n_fft=1024), files, cache)
    assert report.computed == 2
    assert np.asarray(cache.get(build_frontend("fft", n_fft=1024).cache_config(), files[0])).shape
