"""Enrolment: how a model that scores by comparison gets the references it compares with.

The Siamese systems (seeds 000 and 002) do not end in a classifier: an utterance is scored by its
distance to reference embeddings of the classes (the Siamese CNN: the bona fide and spoof
centroids; the cosine Siamese: the bona fide reference, whose cosine with the utterance is the
score). A model takes part by defining ``embed(wave [B, T]) -> [B, D]``,
``enroll(embeddings [N, D], labels [N])`` (1 = bona fide) and ``references`` (how many training
utterances per class to enrol: a model parameter, so the card records it).

Protocol, the same for every such model: after each epoch, before dev is scored, up to
``references`` utterances of each class are drawn from the *training* split (seeded by the run's
seed only, so every epoch and every rank uses the same ones), cut to the first crop of the run's
crop length (repeat-padded when short, as training crops are), embedded in eval mode, and passed
to ``enroll``. The references therefore move with the model, dev EER measures what was learned,
and the enrolled buffers are saved with every checkpoint.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from spoofscope.corpora.manifest import Manifest
from spoofscope.training.config import RunConfig

#: enrolment draws its references from a stream of its own, apart from data order and crops
ENROL_STREAM = 0x656E726F


def enrols(model: nn.Module) -> bool:
    """Whether ``model`` scores against enrolled references (``enroll`` and ``references > 0``).

    A Siamese CNN with a linear head has no references to enrol (``references`` is 0).
    """
    return callable(getattr(model, "enroll", None)) and getattr(model, "references", 0) > 0


def reference_indices(manifest: Manifest, per_class: int, seed: int) -> np.ndarray:
    """Indices into ``manifest`` of at most ``per_class`` utterances of each class, seeded; sorted."""
    rng = np.random.default_rng([seed, ENROL_STREAM])
    labels = np.asarray(manifest.labels)
    picked: list[int] = []
    for cls in (1, 0):
        idx = np.flatnonzero(labels == cls)
        picked += rng.choice(idx, size=min(per_class, idx.size), replace=False).tolist()
    return np.array(sorted(picked), dtype=np.int64)


@torch.no_grad()
def enrol(
    model: nn.Module,
    train: Manifest,
    cfg: RunConfig,
    device: torch.device,
    batch: int = 32,
) -> dict[str, Any]:
    """Enrol ``model`` on references from the training split; what was enrolled, for the card.

    Raises:
        ConfigError: (from the model) a class has no reference in the training split.
    """
    from spoofscope.corpora.dataset import AudioDataset, CropPolicy

    d = cfg.data
    picked = reference_indices(train, int(model.references), cfg.train.seed)
    data = AudioDataset(
        Manifest(train[int(i)] for i in picked),
        d.sample_rate,
        CropPolicy(d.crop_samples, "first", d.pad),
    )
    was_training = model.training
    model.eval()
    embeddings, labels = [], []
    try:
        for start in range(0, len(data), batch):
            items = [data[i] for i in range(start, min(start + batch, len(data)))]
            embeddings.append(model.embed(torch.stack([w for w, _, _ in items]).to(device)))
            labels += [y for _, y, _ in items]
        label = torch.tensor(labels, dtype=torch.long, device=device)
        model.enroll(torch.cat(embeddings).float(), label)
    finally:
        model.train(was_training)
    n_bona = int(label.sum())
    return {
        "protocol": "training split, first crop, seeded",
        "per_class": int(model.references),
        "bonafide": n_bona,
        "spoof": len(picked) - n_bona,
        "seed": cfg.train.seed,
    }
