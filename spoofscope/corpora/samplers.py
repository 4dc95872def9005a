"""Samplers for imbalanced anti-spoofing data: class-balanced, and speaker-balanced P×K batches.

Both are deterministic for (seed, epoch) and split their work across distributed ranks the way
``torch.utils.data.DistributedSampler`` does: every rank draws the same global order from the same
seed and keeps every ``world_size``-th element starting at its ``rank``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class _Seeded:
    """Seed / epoch / rank bookkeeping shared by the samplers."""

    def __init__(self, seed: int, rank: int, world_size: int) -> None:
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in [0, {world_size})")
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Draw the order of ``epoch`` next (call before each epoch, as with DistributedSampler)."""
        self.epoch = epoch

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch])

    def _shard(self, items: list) -> list:
        # Pad by wrapping so every rank gets the same number of items, then stride.
        per_rank = -(-len(items) // self.world_size)
        total = per_rank * self.world_size
        padded = items + items[: total - len(items)] if items else items
        return padded[self.rank : total : self.world_size]


class ClassBalancedSampler(_Seeded, Sampler[int]):
    """Indices drawn so that bona fide and spoof are equally likely at every step, optionally
    within each stratum.

    Args:
        labels: per-item labels (any hashable class ids, e.g. 1 / 0).
        num_samples: indices per epoch over all ranks (default: the dataset size).
        seed: fixes the order for each epoch.
        rank, world_size: this process's share in distributed training.
        strata: per-item stratum ids (:mod:`spoofscope.training.strata`); None is one stratum.
        weights: per-item positive weights; an item is drawn from its class in proportion to its
            weight (None: uniformly). The classes stay equally likely whatever the weights.

    Each draw picks a stratum in proportion to its size, then a class of it uniformly, then an
    item of that class (uniformly, or by weight; with replacement). Within every stratum the
    classes are then equally frequent, so what defines the strata (an F0 band, a speaker) no
    longer predicts the label, while the strata keep the share of the data they have.

    Raises:
        ValueError: no items, ``strata`` or ``weights`` of another length than ``labels``, or a
            weight that is not positive.
    """

    def __init__(
        self,
        labels: Sequence[int],
        num_samples: int | None = None,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        strata: Sequence[int] | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        super().__init__(seed, rank, world_size)
        labels_arr = np.asarray(labels)
        if not labels_arr.size:
            raise ValueError("no items to sample from")
        strata_arr = np.zeros(labels_arr.size, np.int64) if strata is None else np.asarray(strata)
        if strata_arr.shape != labels_arr.shape:
            raise ValueError(f"{strata_arr.size} strata for {labels_arr.size} items")
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        if w is not None and (w.shape != labels_arr.shape or not (w > 0).all()):
            raise ValueError(f"need {labels_arr.size} positive weights, one per item")
        self.pools: list[list[np.ndarray]] = []  # per stratum, the items of each class in it
        #: per stratum and class, cumulative draw probabilities of its items (None: uniform)
        self.cumulative: list[list[np.ndarray | None]] = []
        sizes = []
        for s in np.unique(strata_arr):
            inside = strata_arr == s
            pools = [
                np.flatnonzero(inside & (labels_arr == c)) for c in np.unique(labels_arr[inside])
            ]
            self.pools.append(pools)
            self.cumulative.append(
                [None if w is None else np.cumsum(w[p]) / w[p].sum() for p in pools]
            )
            sizes.append(int(inside.sum()))
        self.stratum_p = np.asarray(sizes, dtype=np.float64) / sum(sizes)
        self.num_samples = num_samples or len(labels_arr)

    def _draw(self, rng: np.random.Generator, stratum: int, cls: int) -> int:
        items, cumulative = self.pools[stratum][cls], self.cumulative[stratum][cls]
        if cumulative is None:
            return int(items[rng.integers(0, len(items))])
        pick = min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(items) - 1)
        return int(items[pick])

    def __len__(self) -> int:
        return -(-self.num_samples // self.world_size)

    def __iter__(self) -> Iterator[int]:
        rng = self._rng()
        if len(self.pools) == 1:
            # one stratum: the draw order of the original sampler, so its seeded runs stay the same
            which = rng.integers(0, len(self.pools[0]), size=self.num_samples)
            return iter(self._shard([self._draw(rng, 0, int(c)) for c in which]))
        stratum = rng.choice(len(self.pools), size=self.num_samples, p=self.stratum_p)
        order = [self._draw(rng, s, int(rng.integers(0, len(self.pools[s])))) for s in stratum]
        return iter(self._shard(order))


class SpeakerBalancedBatchSampler(_Seeded, Sampler[list[int]]):
    """Batches of P speakers × (K bona fide + K spoof) for triplet / contrastive mining.

    Args:
        speakers: per-item speaker ids.
        labels: per-item labels, 1 = bona fide, 0 = spoof.
        p: speakers per batch.
        k: items per class per speaker.
        num_batches: batches per epoch over all ranks (default: items // (p * 2k)).
        seed, rank, world_size: as for :class:`ClassBalancedSampler`.

    Only speakers with at least one bona fide and one spoof item take part; a speaker with fewer
    than ``k`` items of a class is sampled with replacement, otherwise without.

    Raises:
        ValueError: fewer than ``p`` speakers have both classes.
    """

    def __init__(
        self,
        speakers: Sequence[str],
        labels: Sequence[int],
        p: int,
        k: int,
        num_batches: int | None = None,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        super().__init__(seed, rank, world_size)
        if p < 1 or k < 1:
            raise ValueError("p and k must be at least 1")
        pools: dict[str, tuple[list[int], list[int]]] = {}
        for i, (spk, y) in enumerate(zip(speakers, labels, strict=True)):
            pools.setdefault(spk, ([], []))[0 if y == 1 else 1].append(i)
        self.pools = {s: v for s, v in sorted(pools.items()) if v[0] and v[1]}
        if len(self.pools) < p:
            raise ValueError(f"{len(self.pools)} speakers have both classes; p={p} needs more")
        self.p, self.k = p, k
        self.num_batches = num_batches or max(1, len(speakers) // (p * 2 * k))

    def __len__(self) -> int:
        return -(-self.num_batches // self.world_size)

    def _take(self, rng: np.random.Generator, pool: list[int]) -> list[int]:
        replace = len(pool) < self.k
        return [int(pool[j]) for j in rng.choice(len(pool), size=self.k, replace=replace)]

    def __iter__(self) -> Iterator[list[int]]:
        rng = self._rng()
        names = list(self.pools)
        batches = []
        for _ in range(self.num_batches):
            batch: list[int] = []
            for s in rng.choice(len(names), size=self.p, replace=False):
                bonafide, spoof = self.pools[names[s]]
                batch += self._take(rng, bonafide) + self._take(rng, spoof)
            batches.append(batch)
        return iter(self._shard(batches))
