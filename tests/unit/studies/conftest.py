"""Fixtures of the study tests: a tiny LA tree and the seeds/001 image CNN sized for it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.unit.training.tiny_corpus import build_la


@pytest.fixture(scope="session")
def tiny_la_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ASVspoof 2019 LA tree: 4 speakers, train 32 / dev 16 / eval 16 utterances of 0.25 s."""
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.25)


@pytest.fixture(scope="session")
def tiny_la_recipe(tiny_la_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The paper CNN on 16×16 images of 13 MFCCs (the seeds/001 model at a size that trains in
    seconds): the image renders any number of kept coefficients at one size, so a variant
    keeping one coefficient still fits the network."""
    path = tmp_path_factory.mktemp("recipe") / "paper-cnn-tiny.yaml"
    recipe = {
        "name": "paper-cnn-tiny",
        "data": {"corpus": "asvspoof2019-la", "root": str(tiny_la_root), "crop_samples": 4000,
                 "batch_size": 8},
        "model": {"name": "paper-cnn", "params": {
            "frontend": "image",
            "frontend_params": {"source": "mfcc", "size": [16, 16],
                                "source_params": {"n_mfcc": 13}}}},
        "optim": {"name": "adam", "lr": 0.01},
        "train": {"epochs": 2, "seed": 7},
        "eval": {"batch_size": 16},
    }  # fmt: skip
    path.write_text(yaml.safe_dump(recipe))
    return path
