"""ImageNet backbone weights for the MobileNetV2 systems of seeds/001.

The fixture is a state dict in the layout torchvision's ``mobilenet_v2()`` writes, described here
from torchvision's modules rather than built from ours, so the test checks that the two layouts
agree instead of assuming it. Values are random; names, shapes and order are torchvision's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch import Tensor

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models import MODELS
from spoofscope.models.base import load_checkpoint, save_checkpoint
from spoofscope.models.pretrained import sha256
from spoofscope.training.config import load_config

CONFIGS = Path(__file__).resolve().parents[3] / "spoofscope" / "recipes"  # packaged recipes
RECIPES = [CONFIGS / corpus / f"{name}.yaml" for corpus in ("asvspoof2019-la", "localspoof")
           for name in ("mobilenetv2-transfer", "dual-mobilenetv2")]  # fmt: skip
#: torchvision's inverted-residual table (t, c, n, s), written out here on purpose: a test that read
#: it from the module under test could not catch a wrong entry there
TORCHVISION_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                      (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip


def torchvision_mobilenet_v2_state(seed: int = 0) -> dict[str, Tensor]:
    """A ``mobilenet_v2()`` state dict: ``features.0`` and ``features.18`` are Conv2dNormActivation
    (conv ``.0``, batch norm ``.1``); ``features.1``-``17`` are InvertedResidual blocks whose
    ``conv`` is [expand Conv2dNormActivation,] depthwise Conv2dNormActivation, project conv, batch
    norm; ``classifier`` is Dropout then Linear(1280, 1000)."""
    g = torch.Generator().manual_seed(seed)
    state: dict[str, Tensor] = {}

    def conv(name: str, c_out: int, c_in: int, kernel: int) -> None:
        state[f"{name}.weight"] = torch.randn(c_out, c_in, kernel, kernel, generator=g) * 0.1

    def batch_norm(name: str, channels: int) -> None:
        state[f"{name}.weight"] = 0.5 + torch.rand(channels, generator=g)
        state[f"{name}.bias"] = torch.randn(channels, generator=g) * 0.1
        state[f"{name}.running_mean"] = torch.randn(channels, generator=g) * 0.1
        state[f"{name}.running_var"] = 0.5 + torch.rand(channels, generator=g)
        state[f"{name}.num_batches_tracked"] = torch.tensor(0)

    conv("features.0.0", 32, 3, 3)
    batch_norm("features.0.1", 32)
    c_in, index = 32, 1
    for t, c, n, _ in TORCHVISION_BLOCKS:
        for _ in range(n):
            hidden, block, j = c_in * t, f"features.{index}.conv", 0
            if t != 1:
                conv(f"{block}.0.0", hidden, c_in, 1)
                batch_norm(f"{block}.0.1", hidden)
                j = 1
            conv(f"{block}.{j}.0", hidden, 1, 3)  # depthwise: one input channel per group
            batch_norm(f"{block}.{j}.1", hidden)
            conv(f"{block}.{j + 1}", c, hidden, 1)
            batch_norm(f"{block}.{j + 2}", c)
            c_in, index = c, index + 1
    conv("features.18.0", 1280, 320, 1)
    batch_norm("features.18.1", 1280)
    state["classifier.1.weight"] = torch.randn(1000, 1280, generator=g) * 0.01
    state["classifier.1.bias"] = torch.zeros(1000)
    return state


@pytest.fixture(scope="module")
def imagenet() -> dict[str, Tensor]:
    return torchvision_mobilenet_v2_state()


@pytest.fixture(scope="module")
def imagenet_file(imagenet, tmp_path_factory) -> Path:
    """The state dict as ``torch.save(model.state_dict(), path)`` writes it."""
    path = tmp_path_factory.mktemp("weights") / "mobilenet_v2-imagenet1k_v1.pth"
    torch.save(imagenet, path)
    return path


def backbone_keys(state: dict[str, Tensor]) -> list[str]:
    return [k for k in state if k.startswith("features.")]


def test_the_fixture_has_torchvisions_314_tensors_and_the_reports_2257984_backbone_values(imagenet):
    assert len(imagenet) == 314
    # Figure 6.0: "mobilenetv2_1.00_224 (Functional) (None, 1280) 2,257,984" (weights and
    # batch-norm statistics of the base without its classifier)
    counted = [v for k, v in imagenet.items() if k.startswith("features.") and v.dim() > 0]
    assert sum(v.numel() for v in counted) == 2_257_984


def test_backbone_weights_load_every_torchvision_tensor_and_drop_the_imagenet_classifier(
    imagenet, imagenet_file
):
    model = MODELS.get("mobilenetv2")(backbone_weights=str(imagenet_file))
    own = model.state_dict()
    for key in backbone_keys(imagenet):
        assert torch.equal(own[key], imagenet[key]), key
    assert "classifier.1.weight" not in own  # ours: Dense(64) at .0, Dense(1) at .3
    assert own["classifier.0.weight"].shape == (64, 1280)
    with torch.no_grad():
        assert model.eval()(torch.randn(2, 16000) * 0.1).shape == (2, 2)


def test_the_config_and_card_record_the_file_name_and_sha256_not_the_path(imagenet_file):
    model = MODELS.get("mobilenetv2")(backbone_weights=str(imagenet_file))
    record = {"file": "mobilenet_v2-imagenet1k_v1.pth", "sha256": sha256(imagenet_file)}
    assert model.config["backbone_weights"] == record
    card = json.dumps(model.card())
    assert json.loads(card)["config"]["backbone_weights"] == record
    assert str(imagenet_file.parent) not in card


def test_a_safetensors_file_loads_the_same_tensors(imagenet, tmp_path):
    path = tmp_path / "mobilenet_v2.safetensors"
    save_file(imagenet, str(path))
    model = MODELS.get("mobilenetv2")(backbone_weights=str(path))
    assert torch.equal(model.features[18][0].weight, imagenet["features.18.0.weight"])
    assert model.config["backbone_weights"]["file"] == "mobilenet_v2.safetensors"


def test_the_dual_model_loads_the_same_imagenet_weights_into_both_branches(imagenet, imagenet_file):
    model = MODELS.get("dual-mobilenetv2")(backbone_weights=str(imagenet_file))
    own = model.state_dict()
    for key in backbone_keys(imagenet):
        name = key.removeprefix("features.")
        assert torch.equal(own[f"spec.{name}"], imagenet[key]), key
        assert torch.equal(own[f"mfcc.{name}"], imagenet[key]), key
    assert model.config["backbone_weights"]["sha256"] == sha256(imagenet_file)


def test_a_checkpoint_of_a_transfer_model_reloads_without_the_imagenet_file(imagenet, tmp_path):
    weights = tmp_path / "mobilenet_v2.pth"
    torch.save(imagenet, weights)
    model = MODELS.get("mobilenetv2")(backbone_weights=str(weights)).eval()
    save_checkpoint(model, tmp_path / "ck")
    weights.unlink()  # the card records the file; the checkpoint brings the weights
    loaded = load_checkpoint(tmp_path / "ck")
    assert loaded.config["backbone_weights"] == model.config["backbone_weights"]
    wave = torch.randn(2, 16000) * 0.1
    with torch.no_grad():
        assert torch.equal(loaded(wave), model(wave))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("features.0.0.weight", torch.zeros(32, 1, 3, 3)),  # a first conv for one-channel input
        ("features.5.conv.1.0.weight", None),  # left out
        ("fc.weight", torch.zeros(1000, 2048)),  # a ResNet's classifier
    ],
    ids=["mis-shaped", "missing", "unexpected"],
)
def test_a_tensor_that_does_not_fit_is_a_one_line_error_naming_it(imagenet, tmp_path, key, value):
    state = dict(imagenet)
    if value is None:
        del state[key]
    else:
        state[key] = value
    torch.save(state, tmp_path / "w.pth")
    with pytest.raises(CheckpointError, match=re.escape(key)) as caught:
        MODELS.get("mobilenetv2")(backbone_weights=str(tmp_path / "w.pth"))
    assert "\n" not in str(caught.value)


def test_a_file_that_holds_no_tensors_is_a_one_line_checkpoint_error(tmp_path):
    text = tmp_path / "mobilenet_v2.pth"
    text.write_text("<html>404 Not Found</html>\n")
    with pytest.raises(CheckpointError, match=re.escape("mobilenet_v2.pth")) as caught:
        MODELS.get("mobilenetv2")(backbone_weights=str(text))
    assert "\n" not in str(caught.value)


def test_a_missing_file_says_where_to_get_the_imagenet_weights(tmp_path):
    for name in ("mobilenetv2", "dual-mobilenetv2"):
        with pytest.raises(ConfigError, match="IMAGENET1K_V1") as caught:
            MODELS.get(name)(backbone_weights=str(tmp_path / "mobilenet_v2.pth"))
        assert caught.value.what == "model.params.backbone_weights"
        message = str(caught.value)
        assert "\n" not in message and "torch.save(model.state_dict(), path)" in message


def test_none_asks_for_random_initial_weights_and_is_recorded():
    torch.manual_seed(0)
    model = MODELS.get("mobilenetv2")(backbone_weights="none")
    assert model.config["backbone_weights"] == "none"


def test_both_models_tell_a_recipe_that_leaves_out_the_weights_where_to_get_them():
    for name in ("mobilenetv2", "dual-mobilenetv2"):
        hint = MODELS.get(name).recipe_requires["backbone_weights"]
        assert "IMAGENET1K_V1" in hint and "none" in hint and "\n" not in hint


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_recipes_name_the_weights_file_and_fail_at_once_without_it(
    path, imagenet_file, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the recipe's path is relative: make sure nothing is there
    cfg = load_config(path, need_root=False)
    cls = MODELS.get(cfg.model.name)
    assert cfg.model.params["backbone_weights"] not in (None, "none")
    with pytest.raises(ConfigError, match="IMAGENET1K_V1"):
        cls(**cfg.model.params)
    ready = load_config(path, [f"model.params.backbone_weights={imagenet_file}"], need_root=False)
    assert cls(**ready.model.params).config["backbone_weights"]["file"] == imagenet_file.name
