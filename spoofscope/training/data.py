"""The data side of a training run: the train and dev manifests, and the train sampler.

Splits come from :mod:`spoofscope.corpora.splits`, shared with evaluation; the sampler follows
``data.sampler`` (shuffled, class-balanced, paired, or P speakers × K utterances), sharded by rank
and seeded per epoch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from spoofscope.corpora.manifest import Manifest
from spoofscope.corpora.splits import keep_attacks, prepare, split_of, stratified_subset
from spoofscope.errors import ConfigError
from spoofscope.training.config import RunConfig
from spoofscope.training.distributed import DistInfo, barrier, per_rank_batch


def load_splits(cfg: RunConfig) -> tuple[Manifest, Manifest]:
    """The training and dev manifests of the recipe's corpus (seeded subsets when capped).

    Raises:
        CorpusError: the root holds no such corpus.
        ConfigError: the train or dev split is empty.
    """
    manifest = prepare(cfg.data.corpus, cfg.data.root)
    out = []
    for split, cap, key in (
        (cfg.data.train_split, cfg.data.max_train_files, "data.train_split"),
        (cfg.data.dev_split, cfg.data.max_dev_files, "data.dev_split"),
    ):
        part = split_of(manifest, split, cfg.data.root, key)
        if key == "data.train_split" and cfg.data.extra_train:
            part = with_extra_train(part, cfg)
        if cfg.data.attacks is not None:
            part = keep_attacks(part, cfg.data.attacks, split)
        out.append(stratified_subset(part, cap, cfg.train.seed))
    return out[0], out[1]


def with_extra_train(train: Manifest, cfg: RunConfig) -> Manifest:
    """``train`` followed by the utterances of every ``data.extra_train`` source.

    Raises:
        ConfigError: an extra source is empty or repeats an utterance id already in training.
    """
    items = list(train)
    seen = {u.utt_id for u in items}
    for i, extra in enumerate(cfg.data.extra_train):
        key = f"data.extra_train.{i}"
        part = split_of(prepare(extra.corpus, extra.root), extra.split, extra.root, f"{key}.split")
        clash = sorted(seen.intersection(u.utt_id for u in part))
        if clash:
            raise ConfigError(key, f"{len(clash)} utterance id(s) already in training: {clash[:3]}")
        seen.update(u.utt_id for u in part)
        items += part
    return Manifest(items)


def sampler_kwargs(
    cfg: RunConfig, dataset: Any, manifest: Manifest, info: DistInfo
) -> dict[str, Any]:
    """DataLoader keyword arguments for the recipe's sampler (rank-sharded, seeded per epoch)."""
    from torch.utils.data import DistributedSampler

    from spoofscope.corpora.samplers import ClassBalancedSampler, SpeakerBalancedBatchSampler

    s, seed = cfg.data.sampler, cfg.train.seed
    batch = per_rank_batch(cfg.data.batch_size, info)
    rank, world = info.rank, info.world_size
    if s.name == "pk":
        sampler = SpeakerBalancedBatchSampler(
            [u.speaker for u in manifest], manifest.labels, p=s.P, k=s.K,
            num_batches=max(1, len(manifest) // cfg.data.batch_size) * world,
            seed=seed, rank=rank, world_size=world,
        )  # fmt: skip
        return {"batch_sampler": sampler}
    if s.name == "class-balanced":
        strata = None
        if s.strata is not None:
            from spoofscope.training.strata import strata_of

            workers = max(1, cfg.data.workers)
            try:
                strata = strata_of(manifest, s.strata, s.n_strata, s.min_per_class, workers)
            except ValueError as exc:
                raise ConfigError("data.sampler.min_per_class", str(exc)) from None
        weights = attack_weights(manifest, s.attack_weights) if s.attack_weights else None
        if s.pairs is not None:
            return paired_kwargs(cfg, manifest, info, strata, weights)
        sampler = ClassBalancedSampler(
            manifest.labels, seed=seed, rank=rank, world_size=world, strata=strata,
            weights=weights,
        )  # fmt: skip
    else:
        sampler = DistributedSampler(
            dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False
        )
    # Drop the ragged last batch (a batch of one breaks batch norm), unless that leaves nothing.
    return {"sampler": sampler, "batch_size": batch, "drop_last": len(sampler) >= batch}


def paired_kwargs(
    cfg: RunConfig,
    manifest: Manifest,
    info: DistInfo,
    strata: Sequence[int] | None,
    weights: np.ndarray | None,
) -> dict[str, Any]:
    """DataLoader keyword arguments of ``data.sampler.pairs``: class-balanced anchors, each with
    its partner (:mod:`spoofscope.corpora.pairs`); an epoch still draws one item per file."""
    from spoofscope.corpora.dataset import collate_pairs
    from spoofscope.corpora.pairs import PairedSampler, Partners
    from spoofscope.corpora.samplers import ClassBalancedSampler

    pairs_per_batch = max(1, per_rank_batch(cfg.data.batch_size, info) // 2)
    anchors = ClassBalancedSampler(
        manifest.labels, num_samples=max(1, len(manifest) // 2), seed=cfg.train.seed, rank=info.rank,
        world_size=info.world_size, strata=strata, weights=weights,
    )  # fmt: skip
    sampler = PairedSampler(Partners(manifest), anchors)
    return {
        "sampler": sampler,
        "batch_size": pairs_per_batch,
        "drop_last": len(sampler) >= pairs_per_batch,
        "collate_fn": collate_pairs,
    }


def attack_weights(manifest: Manifest, weights: dict[str, float]) -> np.ndarray:
    """Per-file draw weights of ``data.sampler.attack_weights``: a spoof of a named attack weighs
    its value, every other file 1.

    Raises:
        ConfigError: an attack the training split has no spoof of.
    """
    present = sorted({u.attack for u in manifest if u.label == 0})
    missing = sorted(set(weights) - set(present))
    if missing:
        raise ConfigError(
            "data.sampler.attack_weights",
            f"no training spoof of {', '.join(missing)} (the split has {', '.join(present)})",
        )
    return np.array([1.0 if u.label else weights.get(u.attack, 1.0) for u in manifest])


def worker_init(worker_id: int) -> None:
    # Items draw from per-item generators; this only pins NumPy's global state for any
    # third-party transform that ignores the generator it is given.
    np.random.seed(torch.initial_seed() % 2**32)


class WaitClock:
    """Iterate over ``items``, summing in ``seconds`` the time spent waiting for each next item.

    Around a DataLoader this is the time the model stood idle for data: an epoch's
    ``data_wait_seconds`` near its ``train_seconds`` means the loading and augmentation, not the
    model, set the training speed.
    """

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Any]:
        iterator = iter(self.items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.seconds += time.perf_counter() - start
            yield item


@dataclass
class Loaders:
    """The datasets, sampler and loaders of one run (what :func:`build_loaders` assembles)."""

    train_data: Any  # AudioDataset (PairedDataset wraps it in train_loader when paired)
    dev_data: Any
    sampler: Any  # has set_epoch(); a batch sampler for P×K
    train_loader: DataLoader
    dev_loader: DataLoader

    @property
    def steps_per_epoch(self) -> int:
        return max(1, len(self.train_loader))


def build_loaders(
    cfg: RunConfig, train: Manifest, dev: Manifest, info: DistInfo, frontend: Any = None
) -> Loaders:
    """The train loader (crops, augmentation, the recipe's sampler) and the dev loader.

    With ``data.feature_cache`` the training split is first extracted into the cache with
    ``frontend`` (the model's, :func:`~spoofscope.training.cached_features.cacheable_frontend`)
    and the train items are cached features cropped in frames. Dev items are whole recordings
    (``collate_list``) either way: the dev pass scores them window by window as the Detector
    does, so the run's threshold is on the Detector's score scale.

    Raises:
        ConfigError: a bad augmentation or sampler setting.
        UnknownNameError: an unknown augmentation.
        AudioError: with ``data.feature_cache``, a training file that cannot be decoded.
    """
    from spoofscope.audio.augment import build_augment
    from spoofscope.corpora.dataset import AudioDataset, CropPolicy, PairedDataset, collate_list

    d = cfg.data
    crop = CropPolicy(d.crop_samples, d.crop, d.pad)
    if d.feature_cache is not None:
        from spoofscope.features.cache import FeatureCache
        from spoofscope.training.cached_features import CachedFeatureDataset, fill_cache

        cache = FeatureCache(d.feature_cache)
        if info.is_main:  # the other ranks wait at the barrier, then read what rank 0 wrote
            fill_cache(frontend, train, cache)
        barrier(info)
        train_data: Any = CachedFeatureDataset(train, frontend, cache, crop, cfg.train.seed)
    else:
        augment = build_augment(cfg.augment, sr=d.sample_rate) if cfg.augment else None
        train_data = AudioDataset(train, d.sample_rate, crop, augment=augment, seed=cfg.train.seed)
    dev_data = AudioDataset(dev, d.sample_rate, CropPolicy(d.crop_samples, "full", d.pad))
    common = {"num_workers": d.workers, "worker_init_fn": worker_init if d.workers else None}
    kwargs = sampler_kwargs(cfg, train_data, train, info)
    sampler = kwargs.get("sampler") or kwargs["batch_sampler"]
    paired = d.sampler.pairs is not None
    train_loader = DataLoader(
        PairedDataset(train_data) if paired else train_data, **kwargs, **common
    )
    dev_loader = DataLoader(
        dev_data, batch_size=d.eval_batch_size or d.batch_size, shuffle=False,
        collate_fn=collate_list, **common,
    )  # fmt: skip
    return Loaders(train_data, dev_data, sampler, train_loader, dev_loader)
