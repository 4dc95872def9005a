"""Fixtures of the training tests: a learnable tiny LA tree and recipes over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spoofscope.training.config import RunConfig, apply_overrides
from tests.unit.training import tiny_model  # noqa: F401  (registers tiny-spectral)
from tests.unit.training.tiny_corpus import build_la


@pytest.fixture(scope="session")
def tiny_la(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ASVspoof 2019 LA tree: 4 speakers, train 32 / dev 16 / eval 16 utterances of 0.25 s."""
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.25)


def recipe(root: Path, *overrides: str) -> RunConfig:
    """A tiny-spectral recipe over ``root`` with ``section.key=value`` overrides applied.

    Validated by pydantic only: the tiny model is registered at run time, not in the package
    source that :func:`spoofscope.training.config.check_names` reads.
    """
    base: dict[str, Any] = {
        "name": "tiny",
        "data": {"corpus": "asvspoof2019-la", "root": str(root), "crop_samples": 4000,
                 "batch_size": 8},
        "model": {"name": "tiny-spectral"},
        "optim": {"name": "adam", "lr": 0.01},
        "train": {"epochs": 2, "seed": 7, "log_every": 2},
    }  # fmt: skip
    return RunConfig.model_validate(apply_overrides(base, overrides))
