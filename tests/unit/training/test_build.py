"""Building a recipe's model: one crop length, and the files a recipe must name."""

from __future__ import annotations

import pytest

from spoofscope.errors import ConfigError
from spoofscope.training.build import build_model
from tests.unit.training.conftest import recipe


def test_the_model_is_built_for_the_recipes_one_crop_length(tmp_path):
    model = build_model(recipe(tmp_path, "data.crop_samples=6000"))
    assert model.crop_samples == 6000 and model.config["crop_samples"] == 6000


@pytest.mark.parametrize(
    ("arch", "key"), [("lcnn", "crop_samples"), ("rawnet2", "nb_samp"), ("aasist-l", "nb_samp")]
)
def test_a_second_differing_crop_length_fails_in_one_line(arch, key, tmp_path):
    cfg = recipe(
        tmp_path, "data.crop_samples=16000", f"model={{name: {arch}, params: {{{key}: 64600}}}}"
    )
    with pytest.raises(ConfigError, match=r"differs from data\.crop_samples") as err:
        build_model(cfg)
    assert err.value.what == f"model.params.{key}" and "\n" not in str(err.value)


def test_an_agreeing_crop_length_is_accepted(tmp_path):
    cfg = recipe(
        tmp_path, "data.crop_samples=16000", "model={name: rawnet2, params: {nb_samp: 16000}}"
    )
    assert build_model(cfg).crop_samples == 16000


@pytest.mark.parametrize("arch", ["mobilenetv2", "dual-mobilenetv2"])
def test_a_transfer_recipe_without_its_imagenet_file_fails_saying_where_to_get_it(arch, tmp_path):
    with pytest.raises(ConfigError, match="IMAGENET1K_V1") as err:
        build_model(recipe(tmp_path, f"model={{name: {arch}}}"))
    assert err.value.what == "model.params.backbone_weights"
    # saying `none` on purpose trains from random weights
    model = build_model(
        recipe(tmp_path, f"model={{name: {arch}, params: {{backbone_weights: none}}}}")
    )
    assert model.crop_samples == 4000


def test_siamese_mfcc_parameters_merge_over_its_13_coefficients(tmp_path):
    from spoofscope.models import MODELS

    model = MODELS.get("siamese-cnn")(frontend_params={"drop": [1]})
    assert model.config["frontend_params"] == {"n_mfcc": 13, "drop": [1]}
    assert model.frontend.head.n_features == 12
