"""Enrolment: the Siamese models score against references of what they learned.

Both models used to keep their initial references after training (the trainer called a method
neither defines), so dev EER, ``evaluate`` and ``detect`` ignored what was learned.
"""

from __future__ import annotations

import pytest
import torch

from spoofscope.models.base import load_checkpoint, read_card
from spoofscope.training.enrolment import enrol, reference_indices
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe

SIAMESE = {
    "siamese-cnn": (
        "model={name: siamese-cnn, params: {channels: [4, 8, 8], heads: 2, embedding_dim: 8, "
        "references: 6, crop_samples: 4000, frontend_params: {n_mfcc: 13}}}",
        "loss={name: triplet-batch-hard, params: {margin: 1.0}}",
        "data.sampler={name: pk, P: 2, K: 2}",
    ),
    "siamese-cosine": (
        "model={name: siamese-cosine, params: {channels: [4, 8], embedding_dim: 8, "
        "references: 6, crop_samples: 4000}}",
        "loss={name: contrastive, params: {margin: 1.0, distance: cosine}}",
        "data.sampler={name: class-balanced}",
    ),
}


def _fit(root, run, overrides):
    cfg = recipe(root, "train.epochs=1", *overrides)
    trainer = Trainer(cfg, run, progress=False)
    trainer.fit()
    return trainer


def _reference_embeddings(trainer):
    """Embeddings and labels of the references enrolment draws, recomputed from the split."""
    from spoofscope.corpora.dataset import CropPolicy

    d = trainer.cfg.data
    picked = reference_indices(trainer.train_set, trainer.model.references, trainer.cfg.train.seed)
    crop = CropPolicy(d.crop_samples, "first", d.pad)
    waves = [trainer.train_data.load(int(i)) for i in picked]
    batch = torch.stack([torch.from_numpy(crop.apply(w)) for w in waves])
    labels = torch.tensor([trainer.train_set[int(i)].label for i in picked])
    trainer.model.eval()
    with torch.no_grad():
        return trainer.model.embed(batch), labels


@pytest.mark.parametrize("arch", sorted(SIAMESE))
def test_a_trained_siamese_checkpoint_holds_the_references_of_its_training_split(
    arch, tiny_la, tmp_path
):
    trainer = _fit(tiny_la, tmp_path / "run", SIAMESE[arch])
    emb, labels = _reference_embeddings(trainer)
    saved = load_checkpoint(tmp_path / "run" / "last")
    fresh = type(saved)(**saved.config)  # the references a model starts from
    if arch == "siamese-cnn":
        expected = torch.stack([emb[labels == k].mean(0) for k in (0, 1)])
        got, initial = saved.centroids, fresh.centroids
    else:
        expected = torch.nn.functional.normalize(emb[labels == 1].mean(0), dim=0)
        got, initial = saved.reference, fresh.reference
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, initial, atol=1e-3)
    enrolment = read_card(tmp_path / "run" / "last").training["enrolment"]
    assert enrolment["per_class"] == 6
    assert enrolment["bonafide"] == int(labels.sum()) and enrolment["spoof"] == int(
        (1 - labels).sum()
    )


def test_references_are_drawn_per_class_from_the_run_seed_only(tiny_la):
    train = recipe(tiny_la)
    from spoofscope.training.data import load_splits

    split, _ = load_splits(train)
    a, b = reference_indices(split, 3, seed=1), reference_indices(split, 3, seed=1)
    assert a.tolist() == b.tolist() and len(a) == 6
    assert sorted(split[int(i)].label for i in a) == [0, 0, 0, 1, 1, 1]
    assert reference_indices(split, 3, seed=2).tolist() != a.tolist()
    # a class smaller than the number asked for gives all it has
    assert len(reference_indices(split, 10_000, seed=1)) == len(split)


def test_enrolment_leaves_the_model_in_the_mode_it_found(tiny_la, tmp_path):
    trainer = Trainer(recipe(tiny_la, *SIAMESE["siamese-cnn"]), tmp_path / "run", progress=False)
    trainer.model.train()
    enrol(trainer.model, trainer.train_set, trainer.cfg, trainer.device)
    assert trainer.model.training
