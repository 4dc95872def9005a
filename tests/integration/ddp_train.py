"""Entry point for the data-parallel test: ``torchrun --nproc_per_node=2 ddp_train.py RECIPE OUT``.

Does what ``spoofscope train`` does after parsing (join the process group, train, leave), with the
test-only ``tiny-spectral`` model registered first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from spoofscope.training.config import RunConfig
from spoofscope.training.distributed import init_distributed, shutdown
from spoofscope.training.trainer import Trainer
from tests.unit.training import tiny_model  # noqa: F401


def main(recipe: str, out: str) -> None:
    cfg = RunConfig.model_validate(yaml.safe_load(Path(recipe).read_text()))
    info = init_distributed("cpu")
    try:
        Trainer(cfg, out, info=info, progress=False).fit()
    finally:
        shutdown(info)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
