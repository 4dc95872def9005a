"""A torch Dataset over a manifest, with the crop / pad policies used by anti-spoofing systems.

Policies (``CropPolicy``):

* ``pad="repeat"`` tiles a short recording whole ``int(length / T) + 1`` times and cuts to ``length``,
  as AASIST's ``pad`` does; ``pad="zero"`` appends zeros.
* ``select="first"`` keeps the first ``length`` samples (AASIST's evaluation), ``"centre"`` the
  middle, ``"random"`` a random window (training), ``"full"`` the whole recording (scored window by window with
  :func:`collate_list` and :mod:`spoofscope.evaluation.scoring`).

Randomness (random crops, augmentation) comes from a generator seeded by (seed, epoch, index), so a
seed fixes every crop regardless of worker count or order, and :meth:`AudioDataset.set_epoch`
changes them between epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from spoofscope.audio.io import load
from spoofscope.corpora.manifest import Manifest
from spoofscope.inference.windows import repeat_pad

#: AASIST's training / evaluation length: 64,600 samples (~4 s at 16 kHz).
AASIST_LENGTH = 64600

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class CropPolicy:
    """How a recording becomes a fixed-length (or full-length) waveform.

    Attributes:
        length: samples of the output; ignored when ``select == "full"``.
        select: "first", "centre", "random" or "full" — which window of a long recording.
        pad: "repeat" (tile, AASIST) or "zero" — how a short recording reaches ``length``.
    """

    length: int = AASIST_LENGTH
    select: str = "first"
    pad: str = "repeat"

    def __post_init__(self) -> None:
        if self.select not in ("first", "centre", "random", "full"):
            raise ValueError(f"select must be first, centre, random or full, not '{self.select}'")
        if self.pad not in ("repeat", "zero"):
            raise ValueError(f"pad must be repeat or zero, not '{self.pad}'")
        if self.length <= 0:
            raise ValueError("length must be positive")

    def apply(self, wave: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Crop / pad ``wave: [T]`` to ``[length]`` (or return it whole for "full")."""
        if self.select == "full":
            return wave
        n = self.length
        if len(wave) == 0:
            return np.zeros(n, dtype=np.float32)
        if len(wave) < n:
            if self.pad == "repeat":
                return repeat_pad(wave, n)
            return np.pad(wave, (0, n - len(wave)))
        start = self.start(len(wave) - n, rng)
        return wave[start : start + n]

    def start(self, spare: int, rng: np.random.Generator | None = None) -> int:
        """Where the window starts, given ``spare`` positions beyond one window (``>= 0``); the
        same rule crops samples here and frames of cached features in training."""
        if self.select == "first":
            return 0
        if self.select == "centre":
            return spare // 2
        if rng is None:
            raise ValueError("a random crop needs a generator")
        return int(rng.integers(0, spare + 1))


class AudioDataset(Dataset):
    """Waveforms and labels of a manifest.

    Args:
        manifest: the utterances.
        sr: sample rate to load at.
        crop: crop / pad policy.
        augment: optional ``f(wave [T], rng) -> wave`` applied after loading, before cropping.
        seed: fixes random crops and augmentation.

    Items are ``(wave [T] float32 tensor, label int (1 = bona fide, 0 = spoof), index)``.
    Loading errors propagate as :mod:`spoofscope.errors` AudioError subclasses naming the file.
    """

    def __init__(
        self,
        manifest: Manifest,
        sr: int = 16000,
        crop: CropPolicy = CropPolicy(),
        augment: Augment | None = None,
        seed: int = 0,
    ) -> None:
        self.manifest = manifest
        self.sr = sr
        self.crop = crop
        self.augment = augment
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use the crops / augmentation of ``epoch`` (call before each epoch's iteration)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.manifest)

    def rng(self, index: int) -> np.random.Generator:
        """The generator of item ``index`` in the current epoch."""
        return np.random.default_rng([self.seed, self.epoch, index])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int, int]:
        return self.finish(self.load(index), index, self.rng(index))

    def load(self, index: int) -> np.ndarray:
        """The waveform of item ``index`` at the dataset's rate, before augmentation."""
        return np.asarray(load(self.manifest[index].path, sr=self.sr), dtype=np.float32)

    def finish(
        self, wave: np.ndarray, index: int, rng: np.random.Generator
    ) -> tuple[torch.Tensor, int, int]:
        """Augment and crop a loaded ``wave`` of item ``index`` with ``rng``: the dataset's item."""
        if self.augment is not None:
            wave = np.asarray(self.augment(wave, rng), dtype=np.float32)
        wave = self.crop.apply(wave, rng)
        tensor = torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32))
        return tensor, self.manifest[index].label, index


class PairedDataset(Dataset):
    """Two items per key ``(anchor, partner, aligned)`` (:class:`spoofscope.corpora.pairs.PairedSampler`).

    An aligned pair (a recording and a resynthesis of it) is cut to the pair's common length and
    both items are augmented and cropped by generators of the *anchor's* seed: the same draws on
    the same length give the same crop, codec, noise and gain, so the two differ only by what
    made the spoof. An unaligned pair is two ordinary items.

    Args:
        base: the dataset of the single items (manifest, rate, crop, augmentation, seed, epoch).
    """

    def __init__(self, base: AudioDataset) -> None:
        self.base = base

    def set_epoch(self, epoch: int) -> None:
        """Use the crops / augmentation of ``epoch``."""
        self.base.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, key: tuple[int, int, bool]) -> list[tuple[torch.Tensor, int, int]]:
        anchor, partner, aligned = key
        base = self.base
        if not aligned:
            return [base[anchor], base[partner]]
        waves = [base.load(anchor), base.load(partner)]
        n = min(len(w) for w in waves)
        return [
            base.finish(w[:n], i, base.rng(anchor)) for w, i in zip(waves, key[:2], strict=True)
        ]


def collate_pairs(
    batch: Sequence[list[tuple[torch.Tensor, int, int]]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A batch of pairs as ``2 x pairs`` ordinary items: ``(waves [2P, T], labels, index)``."""
    items = [item for pair in batch for item in pair]
    waves = torch.stack([w for w, _, _ in items])
    labels = torch.tensor([y for _, y, _ in items], dtype=torch.long)
    index = torch.tensor([i for _, _, i in items], dtype=torch.long)
    return waves, labels, index


def collate_list(
    batch: Sequence[tuple[torch.Tensor, int, int]],
) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor]:
    """Batch full-length items as they are: ``(waves: list of [T], labels [B], index [B])``.

    Recordings of a split differ in length; :func:`spoofscope.evaluation.scoring.score_windowed`
    cuts each into the model's windows, so nothing is padded here.
    """
    labels = torch.tensor([y for _, y, _ in batch], dtype=torch.long)
    index = torch.tensor([i for _, _, i in batch], dtype=torch.long)
    return [w for w, _, _ in batch], labels, index
