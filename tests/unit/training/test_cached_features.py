"""Training from the feature cache: the same steps as from audio, crops in frames, no audio read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spoofscope.corpora.dataset import CropPolicy
from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import ConfigError
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.features import build_frontend
from spoofscope.features.cache import FeatureCache
from spoofscope.features.extract import batch_features
from spoofscope.training.cached_features import CachedFeatureDataset, cacheable_frontend
from spoofscope.training.config import validate
from spoofscope.training.data import load_splits
from spoofscope.training.run_files import read_metrics
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe

#: a 13-MFCC LCNN without c0, with deltas: selection and deltas run after the cache
MFCC_LCNN = (
    "model={name: lcnn, params: {frontend: mfcc, backend: pool, dropout: 0.0, "
    "frontend_params: {n_mfcc: 13, drop: [1], deltas: 1}}}"
)


def step_losses(run: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(run / "metrics.jsonl") if r["kind"] == "step"]


def test_training_from_the_cache_takes_the_steps_training_from_audio_takes(tiny_la, tmp_path):
    """Every tiny-LA file is one crop long (0.25 s = 4,000 samples), so the crops agree."""
    common = (MFCC_LCNN, "train.epochs=1", "train.max_steps=3", "train.log_every=1")
    audio = Trainer(recipe(tiny_la, *common), tmp_path / "audio", progress=False)
    audio.fit()
    cache = f"data.feature_cache={tmp_path / 'cache'}"
    cached = Trainer(recipe(tiny_la, *common, cache), tmp_path / "cached", progress=False)
    cached.fit()
    want, got = step_losses(tmp_path / "audio"), step_losses(tmp_path / "cached")
    assert len(want) == 3
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # dev scoring reads the waveforms either way: same weights, same dev scores
    dev = [read_scores(tmp_path / run / "dev_scores.tsv").score for run in ("audio", "cached")]
    np.testing.assert_allclose(dev[1], dev[0], rtol=1e-4, atol=1e-5)


def test_no_epoch_reads_training_audio_once_the_cache_is_filled(tiny_la, tmp_path, monkeypatch):
    from spoofscope.audio import io as audio_io

    cfg = recipe(
        tiny_la, MFCC_LCNN, f"data.feature_cache={tmp_path / 'cache'}", "train.epochs=2",
        "feature_augment=[{name: specaugment, n_time_masks: 1, max_time_width: 3}]",
    )  # fmt: skip
    trainer = Trainer(cfg, tmp_path / "run", progress=False)  # extracts the training split
    train_paths = {str(u.path) for u in trainer.train_set}
    assert len(FeatureCache(tmp_path / "cache").entries()) == len(train_paths)
    read: list[str] = []
    load = audio_io.load

    def counted(path, *args, **kwargs):
        read.append(str(path))
        return load(path, *args, **kwargs)

    monkeypatch.setattr(audio_io, "load", counted)
    monkeypatch.setattr("spoofscope.corpora.dataset.load", counted)
    result = trainer.fit()
    assert result.epochs == 2
    assert read, "dev scoring still reads its recordings"
    assert not train_paths.intersection(read)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (("model.name=tiny-spectral",), r"has no spoofscope front-end"),
        (
            ("model={name: lcnn, params: {frontend: fft}}",),
            r"front-end 'fft': cannot be cached: n_fft: null",
        ),
    ],
)
def test_a_recipe_that_cannot_train_from_the_cache_fails_before_the_corpus_is_read(
    tmp_path, overrides, match
):
    with pytest.raises(ConfigError, match=match):
        cfg = recipe(tmp_path / "absent", f"data.feature_cache={tmp_path}", *overrides)
        Trainer(cfg, tmp_path / "run", progress=False)


def test_waveform_augmentation_with_the_cache_is_a_recipe_error(tmp_path) -> None:
    data = {
        "data": {"corpus": "asvspoof2019-la", "root": str(tmp_path), "feature_cache": "cache"},
        "model": {"name": "lcnn"},
        "augment": [{"name": "rawboost", "algo": 3}],
    }
    with pytest.raises(ConfigError, match=r"data\.feature_cache serves .* drop augment"):
        validate(data, need_root=False)
    validate({**data, "augment": []}, need_root=False)


def test_a_learning_front_end_is_refused() -> None:
    model = torch.nn.Module()
    model.frontend = build_frontend("mfcc")
    model.frontend.register_parameter("gain", torch.nn.Parameter(torch.ones(1)))
    with pytest.raises(ConfigError, match="learns"):
        cacheable_frontend(model, "learnt-gain")


@pytest.fixture
def dataset(tiny_la, tmp_path) -> CachedFeatureDataset:
    train, _ = load_splits(recipe(tiny_la))
    frontend = build_frontend("mfcc", n_mfcc=13, deltas=2)
    return CachedFeatureDataset(
        Manifest(list(train)[:2]), frontend, FeatureCache(tmp_path / "cache"),
        CropPolicy(1600, "random", "repeat"), seed=3,
    )  # fmt: skip


def test_a_long_recording_is_cropped_to_the_crops_frames_on_the_frame_grid(dataset) -> None:
    feats = dataset.load(0)  # a 4,000-sample recording: 26 frames, frames first
    assert feats.shape == (26, 1, 13), "static coefficients only: deltas come after the cache"
    item, _, index = dataset[0]
    assert item.shape == (1, 13, 11) and index == 0  # 1 + 1600 // 160 frames
    starts = set()
    for epoch in range(12):
        dataset.set_epoch(epoch)
        crop = dataset[0][0].numpy()
        start = int(
            np.flatnonzero((np.moveaxis(feats, 0, -1)[..., :16] == crop[..., :1]).all((0, 1)))[0]
        )
        np.testing.assert_array_equal(crop, np.moveaxis(feats[start : start + 11], 0, -1))
        starts.add(start)
    assert len(starts) > 3 and max(starts) <= 26 - 11


def test_a_short_recording_is_tiled_or_filled_with_silence_in_frames(dataset) -> None:
    short = dataset.load(1)[:4]  # [4, 1, 13]
    tiled = dataset.finish(short, 1, dataset.rng(1))[0].numpy()
    np.testing.assert_array_equal(tiled[..., 4:8], tiled[..., :4])
    zero = CachedFeatureDataset(
        dataset.manifest, dataset.frontend, dataset.cache, CropPolicy(1600, "first", "zero")
    )
    filled = zero.finish(short, 1, zero.rng(1))[0].numpy()
    silence = batch_features(dataset.frontend, [np.zeros(3200, np.float32)])[0][..., 5]
    np.testing.assert_allclose(filled[..., 6], silence, rtol=1e-6)
    np.testing.assert_array_equal(filled[..., :4], np.moveaxis(short, 0, -1))


def test_an_entry_deleted_after_extraction_is_computed_again(dataset) -> None:
    first = dataset.load(0)
    for entry in dataset.cache.entries():
        entry.unlink()
    np.testing.assert_array_equal(dataset.load(0), first)
    assert len(dataset.cache.entries()) == 1
