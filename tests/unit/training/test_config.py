"""Recipe loading: overrides, extends, and errors that name the key and what is allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spoofscope.errors import ConfigError, CorpusError, UnknownNameError
from spoofscope.training.config import RunConfig, apply_overrides, load_config, read_yaml


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def recipe_file(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    return _write(
        tmp_path / "r.yaml",
        {"data": {"corpus": "asvspoof2019-la", "root": str(root)}, "model": {"name": "aasist"}},
    )


def test_defaults_and_typed_overrides(recipe_file):
    cfg = load_config(
        recipe_file,
        ["optim.lr=1e-3", "loss.params.weight=[0.1, 0.9]", "train.grad_clip=5", "augment=[]"],
    )
    assert cfg.optim.lr == 1e-3 and isinstance(cfg.optim.lr, float)
    assert cfg.loss.params == {"weight": [0.1, 0.9]}
    assert cfg.train.grad_clip == 5.0
    assert cfg.data.crop_samples == 64600 and cfg.data.sampler.name == "random"
    again = RunConfig.model_validate(yaml.safe_load(cfg.to_yaml()))
    assert again == cfg


@pytest.mark.parametrize(
    ("override", "key", "hint"),
    [
        ("optim.lr=-0.001", "optim.lr", "greater than 0"),
        ("optim.name=rmsprop", "optim.name", "'adam', 'adamw' or 'sgd'"),
        ("train.epochs=many", "train.epochs", "valid integer"),
        ("data.sampler.name=pk2", "data.sampler.name", "'random', 'class-balanced' or 'pk'"),
        ("train.phases=[{epochs: 1, trainable: bottom}]", "train.phases.0", "head, all or top:N"),
        ("data.sampler.strata=gender", "data.sampler", "choose one of ['f0', 'speaker']"),
        ("data.sampler.strata=f0", "data.sampler", "need the class-balanced sampler"),
        ("data.sampler.attack_weights={L06: 2}", "data.sampler", "need the class-balanced"),
        (
            "data.sampler={name: class-balanced, attack_weights: {L06: 0}}",
            "data.sampler",
            "must be positive",
        ),
        ("data.sampler.pairs=source", "data.sampler", "pairs need the class-balanced"),
        ("data.sampler.pairs=speaker", "data.sampler.pairs", "'source'"),
    ],
)
def test_bad_values_name_the_key_and_the_allowed_values(recipe_file, override, key, hint):
    with pytest.raises(ConfigError) as info:
        load_config(recipe_file, [override])
    assert info.value.what == key
    assert hint in info.value.why


def test_unknown_key_lists_the_allowed_keys(recipe_file):
    with pytest.raises(ConfigError) as info:
        load_config(recipe_file, ["optim.learning_rate=0.1"])
    assert info.value.what == "optim.learning_rate"
    assert "lr, weight_decay, betas, momentum" in info.value.why
    with pytest.raises(ConfigError, match="allowed keys here: name, description, data"):
        load_config(recipe_file, ["trian.epochs=3"])


def test_unknown_names_list_the_registered_ones(recipe_file):
    with pytest.raises(UnknownNameError) as info:
        load_config(recipe_file, ["model.name=aasist-xxl"])
    assert "aasist" in info.value.allowed and "aasist-l" in info.value.allowed
    with pytest.raises(UnknownNameError, match="asvspoof2019-la"):
        load_config(recipe_file, ["data.corpus=asvspoof2030"])
    with pytest.raises(UnknownNameError, match="cross-entropy"):
        load_config(recipe_file, ["loss.name=focal"])


def test_missing_corpus_root_fails(recipe_file, tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_config(recipe_file, [f"data.root={tmp_path / 'nowhere'}"])


def test_model_only_callers_skip_the_root_but_not_the_names(recipe_file, tmp_path):
    nowhere = f"data.root={tmp_path / 'nowhere'}"
    assert load_config(recipe_file, [nowhere], need_root=False).data.root == str(
        tmp_path / "nowhere"
    )
    with pytest.raises(UnknownNameError, match="aasist-xxl"):
        load_config(recipe_file, [nowhere, "model.name=aasist-xxl"], need_root=False)


def test_extends_merges_sections_and_detects_loops(tmp_path, recipe_file):
    child = _write(
        tmp_path / "cpu.yaml",
        {"extends": "r.yaml", "data": {"batch_size": 4}, "train": {"epochs": 2}},
    )
    cfg = load_config(child)
    assert cfg.data.batch_size == 4 and cfg.data.corpus == "asvspoof2019-la"
    assert cfg.model.name == "aasist" and cfg.train.epochs == 2
    _write(tmp_path / "loop.yaml", {"extends": "loop.yaml"})
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(tmp_path / "loop.yaml")


def test_pairs_need_an_even_batch(recipe_file):
    pairs = "data.sampler={name: class-balanced, pairs: source}"
    with pytest.raises(ConfigError, match=r"must be even with data\.sampler\.pairs") as info:
        load_config(recipe_file, [pairs, "data.batch_size=15"])
    assert "data.batch_size" in str(info.value)
    assert load_config(recipe_file, [pairs, "data.batch_size=16"]).data.sampler.pairs == "source"


def test_pk_batch_size_follows_p_and_k(recipe_file):
    cfg = load_config(recipe_file, ["data.sampler={name: pk, P: 4, K: 2}"])
    assert cfg.data.batch_size == 16


def test_phases_fix_the_epochs_unless_they_disagree(recipe_file):
    cfg = load_config(recipe_file, ["train.phases=[{epochs: 2, trainable: head}, {epochs: 3}]"])
    assert sum(p.epochs for p in cfg.train.schedule_phases) == 5
    with pytest.raises(ConfigError, match="differs from the phases' sum"):
        load_config(recipe_file, ["train.epochs=4", "train.phases=[{epochs: 2}]"])


def test_malformed_override_and_yaml(tmp_path, recipe_file):
    with pytest.raises(ConfigError, match=r"section\.key=value"):
        apply_overrides({}, ["optim.lr"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


# --- --set on a mapping ------------------------------------------------------------------------


@pytest.fixture
def mfcc_recipe(tmp_path: Path) -> Path:
    """A recipe that states its front-end's parameters, as the 13-MFCC Siamese recipe does."""
    root = tmp_path / "corpus"
    root.mkdir()
    model = {"name": "siamese-cnn", "params": {"frontend": "mfcc",
             "frontend_params": {"n_mfcc": 13, "n_mels": 40}}}  # fmt: skip
    return _write(
        tmp_path / "siamese.yaml",
        {"data": {"corpus": "asvspoof2019-la", "root": str(root)}, "model": model},
    )


def test_set_on_a_mapping_merges_into_the_recipes_mapping(mfcc_recipe):
    # The MFCC ablation: leaving out c1 must keep the recipe's 13 coefficients.
    cfg = load_config(mfcc_recipe, ["model.params.frontend_params={drop: [1]}"])
    assert cfg.model.params["frontend_params"] == {"n_mfcc": 13, "n_mels": 40, "drop": [1]}
    assert cfg.model.params["frontend"] == "mfcc"


def test_set_with_a_bang_replaces_a_mapping_whole_and_lists_always_replace(mfcc_recipe):
    cfg = load_config(mfcc_recipe, ["model.params.frontend_params!={n_mfcc: 20}"])
    assert cfg.model.params["frontend_params"] == {"n_mfcc": 20}
    cfg = load_config(
        mfcc_recipe,
        ["model.params.frontend_params={drop: [1, 2]}", "model.params.frontend_params.drop=[3]"],
    )
    assert cfg.model.params["frontend_params"]["drop"] == [3]


def test_the_siamese_recipe_keeps_13_mfccs_under_the_ablation_override():
    from spoofscope.training.build import build_model

    cfg = load_config(
        "siamese-cnn-triplet-19la", ["model.params.frontend_params={drop: [1]}"], need_root=False
    )
    assert cfg.model.params["frontend_params"] == {"n_mfcc": 13, "drop": [1]}
    frontend = build_model(cfg).frontend
    assert frontend.params["n_mfcc"] == 13 and frontend.head.n_features == 12


def test_a_key_the_frontend_does_not_take_fails_at_validation_in_one_line(mfcc_recipe):
    with pytest.raises(ConfigError) as info:
        load_config(mfcc_recipe, ["model.params.frontend_params={n_mfc: 20}"])
    assert info.value.what == "model.params.frontend_params.n_mfc"
    assert info.value.why.startswith("front-end 'mfcc' takes no such parameter; it takes: ")
    assert "n_mfcc" in info.value.why and "drop" in info.value.why
    assert "\n" not in str(info.value)


def test_the_models_default_frontend_is_checked_when_the_recipe_names_none(recipe_file):
    # LCNN's default front-end is LFCC, whose coefficient count is n_lfcc
    overrides = ["model.name=lcnn", "model.params={frontend_params: {n_mfcc: 13}}"]
    with pytest.raises(ConfigError, match="front-end 'lfcc' takes no such parameter") as info:
        load_config(recipe_file, overrides)
    assert info.value.what == "model.params.frontend_params.n_mfcc"
    with pytest.raises(UnknownNameError, match="front-end 'mfcc2'"):
        load_config(recipe_file, [*overrides, "model.params.frontend=mfcc2"])


def test_frontend_parameters_read_from_source_are_the_classes_defaults():
    """The torch-free reading must stay in step with what the front-ends take when built."""
    import inspect

    from spoofscope.features import FRONTENDS
    from spoofscope.models import MODELS
    from spoofscope.training.config import _default_frontend, _frontend_parameters

    for name, cls in FRONTENDS.items():
        assert _frontend_parameters(name) == {*cls.defaults, "sample_rate", "norm"}, name
    for name, cls in MODELS.items():
        default = inspect.signature(cls).parameters.get("frontend")
        expected = default.default if default is not None else None
        assert _default_frontend(name) == (expected if isinstance(expected, str) else None), name


def test_the_frontend_check_does_not_import_torch(mfcc_recipe):
    code = (
        "import sys; from spoofscope.errors import ConfigError; "
        "from spoofscope.training.config import load_config\n"
        f"try: load_config({str(mfcc_recipe)!r}, ['model.params.frontend_params={{n_mfc: 20}}'])\n"
        "except ConfigError as exc: print(exc.what, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["model.params.frontend_params.n_mfc", "False"]


def test_a_key_marked_with_a_bang_in_a_recipe_replaces_what_it_extends(tmp_path, mfcc_recipe):
    """A recipe on another front-end extends one on MFCCs without inheriting n_mfcc."""
    child = _write(
        tmp_path / "lfcc.yaml",
        {"extends": mfcc_recipe.name, "model": {"params": {"frontend": "lfcc",
         "frontend_params!": {"n_lfcc": 30, "nested": {"x!": 1}}}}},
    )  # fmt: skip
    params = read_yaml(child)["model"]["params"]
    assert params["frontend_params"] == {"n_lfcc": 30, "nested": {"x": 1}}  # marks dropped
    assert params["frontend"] == "lfcc"
    alone = _write(tmp_path / "alone.yaml", {"model": {"name": "lcnn", "params!": {"a": 1}}})
    assert read_yaml(alone)["model"] == {"name": "lcnn", "params": {"a": 1}}
