"""Paired training draws: each bona fide recording next to a spoof of it in the same batch.

A resynthesis attack (a vocoder or voice conversion run on a real recording: LocalSpoof's WORLD,
Griffin-Lim and LPC attacks, WaveFake's vocoders) keeps the speaker, the words and the timing of
its source, so the only thing that tells the two apart is the vocoder. Drawn independently, a
bona fide crop and its resynthesis reach the model under different crops, codecs and noise, and
the gradient mostly follows those. Drawn as a *pair* (same crop, same augmentation), the
difference between the two items of a pair is the vocoder alone. Wang and Yamagishi (ICASSP 2023,
"Spoofed training data for speech spoofing countermeasure can be efficiently created using neural
vocoders") put a bona fide utterance and its vocoded copies in the same mini-batch for this
reason.

:class:`Partners` finds, for every training item, a partner of the other class:

* a spoof whose ``extra["source_file"]`` is a bona fide recording of the split (LocalSpoof's
  protocol column) pairs with that recording, *aligned*: both are cut to their common length and
  then share one augmentation generator, so crop, codec, noise and gain are identical;
* a bona fide recording with such spoofs pairs with one of them at random, aligned likewise;
* any other item (a text-to-speech spoof, a bona fide recording no attack converted, a corpus
  without source columns) pairs with a random item of the other class and the same speaker
  (any speaker when it has none), *unaligned*: each keeps its own crop and augmentation.

:class:`PairedSampler` draws anchors with a :class:`~spoofscope.corpora.samplers.ClassBalancedSampler`
and yields ``(anchor, partner, aligned)`` keys; :class:`~spoofscope.corpora.dataset.PairedDataset`
turns a key into two items and :func:`~spoofscope.corpora.dataset.collate_pairs` flattens a batch of
pairs, so the model sees ``2 x pairs`` ordinary items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from torch.utils.data import Sampler

from spoofscope.corpora.manifest import Manifest
from spoofscope.corpora.samplers import ClassBalancedSampler

#: the ``Utterance.extra`` column naming the recording a spoof was made from
SOURCE_COLUMN = "source_file"

PairKey = tuple[int, int, bool]


class Partners:
    """Who pairs with whom in one training manifest.

    Args:
        manifest: the training utterances (both classes needed).

    Raises:
        ValueError: the manifest lacks one of the classes.
    """

    def __init__(self, manifest: Manifest) -> None:
        labels = manifest.labels
        if not {0, 1} <= set(labels):
            raise ValueError("pairing needs both bona fide and spoof items")
        bonafide_of: dict[tuple[str, str], int] = {}
        for i, u in enumerate(manifest):
            source = u.extra.get(SOURCE_COLUMN, "")
            if u.label == 1 and source:
                bonafide_of[(u.speaker, source)] = i
        #: resynthesis spoof -> its bona fide source
        self.source: dict[int, int] = {}
        #: bona fide -> the resynthesis spoofs made from it
        self.children: dict[int, list[int]] = defaultdict(list)
        by_speaker: dict[tuple[str, int], list[int]] = defaultdict(list)
        by_label: dict[int, list[int]] = defaultdict(list)
        for i, u in enumerate(manifest):
            by_speaker[(u.speaker, u.label)].append(i)
            by_label[u.label].append(i)
            source = u.extra.get(SOURCE_COLUMN, "")
            j = bonafide_of.get((u.speaker, source)) if u.label == 0 and source else None
            if j is not None:
                self.source[i] = j
                self.children[j].append(i)
        self._labels = labels
        self._speakers = [u.speaker for u in manifest]
        self._by_speaker = {k: np.asarray(v) for k, v in by_speaker.items()}
        self._by_label = {k: np.asarray(v) for k, v in by_label.items()}

    @property
    def aligned_pairs(self) -> int:
        """How many (bona fide, resynthesis) pairs the manifest holds."""
        return len(self.source)

    def draw(self, index: int, rng: np.random.Generator) -> PairKey:
        """``(index, partner, aligned)`` for the item ``index`` (see the module docstring)."""
        if index in self.source:
            return index, self.source[index], True
        children = self.children.get(index)
        if children:
            return index, children[int(rng.integers(len(children)))], True
        other = 1 - self._labels[index]
        pool = self._by_speaker.get((self._speakers[index], other))
        if pool is None:
            pool = self._by_label[other]
        return index, int(pool[rng.integers(len(pool))]), False


class PairedSampler(Sampler[PairKey]):
    """Class-balanced anchors, each with its partner: ``(anchor, partner, aligned)`` keys.

    Args:
        partners: the pairing of the training manifest.
        anchors: the sampler of the anchors (its length is the number of pairs per epoch and
            rank; it already holds the seed, the strata and the rank's shard). Its seed also
            fixes the partner chosen for an anchor with several.

    Since the anchors are class-balanced and every partner is of the other class, every pair is
    one bona fide and one spoof item.
    """

    def __init__(self, partners: Partners, anchors: ClassBalancedSampler) -> None:
        self.partners = partners
        self.anchors = anchors

    def set_epoch(self, epoch: int) -> None:
        """Draw the pairs of ``epoch`` next."""
        self.anchors.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.anchors)

    def __iter__(self) -> Iterator[PairKey]:
        # Its own stream (the anchors draw from [seed, epoch]): rank and position fix the choice.
        a = self.anchors
        rng = np.random.default_rng([a.seed, a.epoch, a.rank, 2])
        return iter([self.partners.draw(int(i), rng) for i in a])
