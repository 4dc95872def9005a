"""Every recipe in configs/ loads, and trains for two steps on a tiny ASVspoof 2019 LA tree.

The overrides shrink only sizes (steps, batch, crop, dev files), through the same ``--set``
mechanism a user has, so what runs is the recipe's own model, loss, optimiser, sampler, schedule,
freezing phases and augmentation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.training.config import load_config
from spoofscope.training.trainer import Trainer, read_metrics
from tests.unit.training.tiny_corpus import build_la

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
LA_RECIPES = sorted((CONFIGS / "asvspoof2019-la").glob("*.yaml"))
CPU_RECIPES = sorted((CONFIGS / "localspoof").glob("*.yaml"))
SHRINK = (
    "train.max_steps=2",
    "data.batch_size=4",
    "data.crop_samples=8000",
    "data.max_dev_files=4",
    "data.workers=0",
    "train.device=cpu",
    "data.sampler.P=2",
    "data.sampler.K=1",
)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.5)


def test_there_is_a_recipe_per_system_and_a_cpu_variant_of_each():
    names = {p.stem for p in LA_RECIPES}
    assert names == {
        "lfcc-lcnn", "rawnet2", "aasist", "aasist-l", "ssl-aasist", "wav2vec2-linear",
        "paper-cnn-mfcc", "paper-cnn-spectrogram", "modified-cnn", "mobilenetv2-transfer",
        "dual-mobilenetv2", "siamese-cnn-triplet", "siamese-cosine",
    }  # fmt: skip
    assert {p.stem for p in CPU_RECIPES} == names


@pytest.mark.parametrize("path", CPU_RECIPES, ids=lambda p: p.stem)
def test_cpu_variant_keeps_the_system_and_sizes_for_cpu(path, tmp_path):
    cfg = load_config(path, [f"data.root={tmp_path}"])
    published = load_config(CONFIGS / "asvspoof2019-la" / path.name, [f"data.root={tmp_path}"])
    assert cfg.model == published.model and cfg.loss == published.loss
    assert cfg.data.corpus == "localspoof" and cfg.train.device == "cpu"
    assert cfg.data.crop_samples <= published.data.crop_samples


@pytest.mark.slow
@pytest.mark.parametrize("path", LA_RECIPES, ids=lambda p: p.stem)
def test_recipe_trains_two_steps(path, tiny_root, tmp_path):
    cfg = load_config(path, [f"data.root={tiny_root}", *SHRINK])
    result = Trainer(cfg, tmp_path / "run", progress=False).fit()
    assert result.steps == 2
    epochs = [r for r in read_metrics(tmp_path / "run" / "metrics.jsonl") if r["kind"] == "epoch"]
    assert epochs and all(r["train_loss"] == r["train_loss"] for r in epochs)  # not NaN
    assert (tmp_path / "run" / "best" / "model.safetensors").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((CONFIGS / "default").glob("*.yaml")), ids=lambda p: p.stem)
def test_default_model_recipes_train_two_steps_on_localspoof(path, tmp_path):
    """The recipes of the shipped detectors (benchmark and shipped), augmentation included."""
    from tests.fixtures.localspoof import tiny_copies, tiny_corpus

    # tiny's train split holds 8 files a class: F0 strata of at least 2 of each
    overrides = [f"data.root={tiny_corpus()}", *SHRINK[:5], "data.sampler.min_per_class=2"]
    if load_config(path, need_root=False).data.extra_train:  # set here or in what it extends
        copies = tiny_copies()
        overrides.append(f"data.extra_train=[{{corpus: localspoof, root: {copies}}}]")
    init = load_config(path, need_root=False).model.init
    if init is not None:  # fine-tunes a shipped member: unpack it as the recipe says
        from spoofscope.inference.resolve import default_model_dir
        from spoofscope.models.fusion import unpack_members

        index = int(Path(init).name.removeprefix("member"))
        overrides.append(f"model.init={unpack_members(default_model_dir(), tmp_path)[index]}")
    cfg = load_config(path, overrides)
    assert cfg.data.corpus == "localspoof" and cfg.augment
    result = Trainer(cfg, tmp_path / "run", progress=False).fit()
    assert result.steps == 2
    card = (tmp_path / "run" / "best" / "card.json").read_text()
    assert '"architecture": "lcnn"' in card
    if init is not None:
        assert '"weights_sha256"' in card
    if cfg.data.extra_train:  # the card names the copies it learnt from by digest
        assert str(cfg.data.extra_train[0].root) in card and '"extra_train_digests"' in card
