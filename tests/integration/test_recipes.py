"""Every recipe loads, and trains for two steps on a tiny tree laid out as its corpus's release is.

The overrides shrink only sizes (steps, batch, crop, dev files), through the same ``--set``
mechanism a user has, so what runs is the recipe's own model, loss, optimiser, sampler, schedule,
freezing phases and augmentation. The packaged recipes are trained by name, as an installed user
would (``spoofscope train --config aasist-19la``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spoofscope.recipes import packaged_recipes, recipes_dir
from spoofscope.training.config import load_config
from spoofscope.training.run_files import read_metrics
from spoofscope.training.trainer import Trainer
from tests.fixtures.corpora import build_asvspoof2017, build_decro
from tests.unit.training.tiny_corpus import build_la

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
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
#: by the recipe's front-end: smaller feature images (a 200×200 modified CNN takes ~7 s a step on
#: two cores), and a tiny random encoder for a pretrained model CI cannot have; both merge into
#: the recipe's front-end parameters, so the rest of them is the recipe's
FRONTEND_STAND_INS = {
    "image": ("model.params.frontend_params={size: [64, 64]}",),
    "ssl": ("model.params.frontend_params={model: tiny-random, layer: 2}",),
    "whisper": ("model.params.frontend_params={weights: tiny-random}",),
}
#: by model: the pretrained weights a recipe names, which CI does not have
MODEL_STAND_INS = {
    "ssl-aasist": ("model.params.ssl_path=tiny-random",),
    "ssl-linear": ("model.params.ssl_path=tiny-random",),
    "mobilenetv2": ("model.params.backbone_weights=none",),
    "dual-mobilenetv2": ("model.params.backbone_weights=none",),
}


def stand_ins(path: Path) -> tuple[str, ...]:
    """The ``--set`` overrides CI adds to a recipe beyond :data:`SHRINK`."""
    model = load_config(path, need_root=False).model
    frontend = model.params.get("frontend")
    by_frontend = FRONTEND_STAND_INS.get(frontend, ()) if isinstance(frontend, str) else ()
    return (*by_frontend, *MODEL_STAND_INS.get(model.name, ()))


def recipes_in(folder: str) -> dict[str, Path]:
    """Name → file of the packaged recipes of one corpus folder (``asvspoof2019-la``)."""
    return {n: p for n, p in packaged_recipes().items() if p.parent == recipes_dir() / folder}


LA_RECIPES = recipes_in("asvspoof2019-la")
CPU_RECIPES = recipes_in("localspoof")
SEED_RECIPES = {**recipes_in("asvspoof2017"), **recipes_in("decro")}


def _stem(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.5)


@pytest.fixture(scope="module")
def release_roots(tmp_path_factory) -> dict[str, Path]:
    """A tree per corpus of the seed recipes, laid out as the release is."""
    return {
        "asvspoof2017": build_asvspoof2017(tmp_path_factory.mktemp("asvspoof2017")).root,
        "decro": build_decro(tmp_path_factory.mktemp("decro")).root,
    }


def test_there_is_a_recipe_per_system_and_a_cpu_variant_of_each():
    stems = {p.stem for p in LA_RECIPES.values()}
    assert stems == {
        "lfcc-lcnn", "rawnet2", "aasist", "aasist-l", "ssl-aasist", "wav2vec2-linear",
        "paper-cnn-mfcc", "paper-cnn-spectrogram", "modified-cnn", "mobilenetv2-transfer",
        "dual-mobilenetv2", "siamese-cnn-triplet", "siamese-cosine", "whisper-lcnn",
        "siamese-cnn-triplet-study",
    }  # fmt: skip
    assert {p.stem for p in CPU_RECIPES.values()} == stems


def test_every_seed_experiment_has_a_recipe_named_for_it():
    # seeds/001 on ASVspoof 2017 v2: the paper's five feature images into one CNN, its 1-D variant
    # on wav2vec embeddings, the modified CNN, MobileNetV2 transfer and the dual MobileNetV2
    # fusion; seeds/002 on DECRO's two language subsets
    assert set(SEED_RECIPES) >= {
        "paper-cnn-mfcc-asvspoof2017", "paper-cnn-spectrogram-asvspoof2017",
        "paper-cnn-mel-asvspoof2017", "paper-cnn-fft-asvspoof2017", "paper-cnn-stft-asvspoof2017",
        "paper-cnn-wav2vec-asvspoof2017", "modified-cnn-asvspoof2017",
        "mobilenetv2-transfer-asvspoof2017", "dual-mobilenetv2-asvspoof2017",
        "siamese-cosine-decro-en", "siamese-cosine-decro-zh",
    }  # fmt: skip
    # seeds/000, 003 and 004 trained on ASVspoof 2019 LA
    assert {"siamese-cnn-triplet-19la", "rawnet2-19la", "lfcc-lcnn-19la", "aasist-19la"} <= set(
        LA_RECIPES
    )


def test_the_feature_study_changes_only_the_image_source(tmp_path):
    base = load_config("paper-cnn-mfcc-asvspoof2017", [f"data.root={tmp_path}"])
    for name, source in [("mel", "logmel"), ("fft", "fft"), ("stft", "stft")]:
        cfg = load_config(f"paper-cnn-{name}-asvspoof2017", [f"data.root={tmp_path}"])
        params = cfg.model.params["frontend_params"]
        assert params == {**base.model.params["frontend_params"], "source": source}
        assert (cfg.optim, cfg.train, cfg.data) == (base.optim, base.train, base.data)


def test_the_decro_subsets_read_their_own_partitions(tmp_path):
    en = load_config("siamese-cosine-decro-en", [f"data.root={tmp_path}"])
    zh = load_config("siamese-cosine-decro-zh", [f"data.root={tmp_path}"])
    assert (en.data.train_split, en.data.dev_split, en.eval.split) == (
        "en_train",
        "en_dev",
        "en_eval",
    )
    assert (zh.data.train_split, zh.data.dev_split, zh.eval.split) == (
        "ch_train",
        "ch_dev",
        "ch_eval",
    )
    assert zh.model == en.model and en.model.name == "siamese-cosine"


@pytest.mark.parametrize("name", sorted(CPU_RECIPES), ids=str)
def test_cpu_variant_keeps_the_system_and_sizes_for_cpu(name, tmp_path):
    cfg = load_config(CPU_RECIPES[name], [f"data.root={tmp_path}"])
    published = LA_RECIPES[name.replace("-localspoof", "-19la")]
    published_cfg = load_config(published, [f"data.root={tmp_path}"])
    assert cfg.model == published_cfg.model and cfg.loss == published_cfg.loss
    assert cfg.data.corpus == "localspoof" and cfg.train.device == "cpu"
    assert cfg.data.crop_samples <= published_cfg.data.crop_samples


def _trains_two_steps(path: Path, root: Path, run: Path) -> None:
    cfg = load_config(path, [f"data.root={root}", *SHRINK, *stand_ins(path)])
    result = Trainer(cfg, run, progress=False).fit()
    assert result.steps == 2
    epochs = [r for r in read_metrics(run / "metrics.jsonl") if r["kind"] == "epoch"]
    assert epochs and all(r["train_loss"] == r["train_loss"] for r in epochs)  # not NaN
    assert (run / "best" / "model.safetensors").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LA_RECIPES), ids=str)
def test_recipe_trains_two_steps(name, tiny_root, tmp_path):
    _trains_two_steps(LA_RECIPES[name], tiny_root, tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SEED_RECIPES), ids=str)
def test_seed_experiment_recipe_trains_two_steps_on_its_corpus(name, release_roots, tmp_path):
    corpus = load_config(name, need_root=False).data.corpus
    _trains_two_steps(SEED_RECIPES[name], release_roots[corpus], tmp_path / "run")


@pytest.mark.parametrize("path", sorted((CONFIGS / "experiments").glob("*.yaml")), ids=_stem)
def test_rejected_recipes_still_extend_the_default_members(path):
    """configs/experiments/ keeps what tuning the default tried; its extends reach configs/default."""
    cfg = load_config(path, need_root=False)
    assert cfg.data.corpus == "localspoof" and cfg.model.name == "lcnn"
    assert path.read_text().startswith(("# Rejected (", "# Not shipped (", "# Not trained ("))


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((CONFIGS / "default").glob("*.yaml")), ids=_stem)
def test_default_model_recipes_train_two_steps_on_localspoof(path, tmp_path):
    """The recipes of the shipped detectors (benchmark and shipped), augmentation included."""
    from tests.fixtures.localspoof import tiny_corpus

    # tiny's train split holds 8 files a class: F0 strata of at least 2 of each
    overrides = [f"data.root={tiny_corpus()}", *SHRINK[:5], "data.sampler.min_per_class=2"]
    cfg = load_config(path, overrides)
    assert cfg.data.corpus == "localspoof" and cfg.augment
    result = Trainer(cfg, tmp_path / "run", progress=False).fit()
    assert result.steps == 2
    card = (tmp_path / "run" / "best" / "card.json").read_text()
    assert '"architecture": "lcnn"' in card
