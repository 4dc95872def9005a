"""Freezing specs on the MobileNetV2 systems of seeds/001: per-branch ``top:N``, head and fusion."""

from __future__ import annotations

from pathlib import Path

import pytest
from torch import nn

from spoofscope.models import MODELS
from spoofscope.training.config import load_config
from spoofscope.training.freezing import layers, set_trainable

CONFIGS = Path(__file__).resolve().parents[3] / "spoofscope" / "recipes"  # packaged recipes


def trainable(module: nn.Module) -> list[str]:
    """Layers of ``module`` whose own parameters all train."""
    return [
        name
        for name, layer in layers(module)
        if all(p.requires_grad for p in layer.parameters(recurse=False))
    ]


@pytest.fixture(scope="module")
def dual() -> nn.Module:
    return MODELS.get("dual-mobilenetv2")(fusion="attention")


def test_top_n_unfreezes_the_top_n_layers_of_each_branch_of_the_dual_model(dual):
    names = set_trainable(dual, "top:20")
    # 104 parameterised layers per MobileNetV2 backbone; the last 20 are stages 15-18
    assert len(layers(dual.spec)) == len(layers(dual.mfcc)) == 104
    assert trainable(dual.spec) == [n for n, _ in layers(dual.spec)][-20:]
    assert trainable(dual.mfcc) == [n for n, _ in layers(dual.mfcc)][-20:]
    # the fusion scores and the whole head are new layers: they train as well
    assert all(p.requires_grad for p in dual.modality_score.parameters())
    assert all(p.requires_grad for p in dual.head.parameters())
    assert len(names) == 2 * 20 + len(layers(dual.modality_score)) + len(layers(dual.head))


def test_head_phase_trains_fusion_and_head_and_no_backbone_layer(dual):
    set_trainable(dual, "head")
    assert trainable(dual.spec) == [] and trainable(dual.mfcc) == []
    assert trainable(dual.modality_score) == [""]
    # Figure 7.0's head: Dense 512, 256, 64 each with batch norm, then the output Dense
    assert len(trainable(dual.head)) == len(layers(dual.head)) == 7


def test_dual_recipe_fine_tunes_the_top_10_layers_of_both_branches_as_the_report(dual):
    cfg = load_config(CONFIGS / "asvspoof2019-la" / "dual-mobilenetv2.yaml", need_root=False)
    head, fine_tune = cfg.train.phases
    set_trainable(dual, fine_tune.trainable)
    assert len(trainable(dual.spec)) == len(trainable(dual.mfcc)) == 10
    set_trainable(dual, head.trainable)
    assert trainable(dual.spec) == trainable(dual.mfcc) == []


def test_single_mobilenetv2_top_20_trains_stages_15_to_18_and_the_head():
    model = MODELS.get("mobilenetv2")()
    set_trainable(model, "top:20")
    stages = [i for i, stage in enumerate(model.features) if trainable(stage)]
    assert stages == [15, 16, 17, 18]
    assert len(trainable(model.features)) == 20
    assert all(p.requires_grad for p in model.classifier.parameters())


class TwoTowers(nn.Module):
    """Two small pretrained-style towers, a fusion layer and a head, in that order."""

    backbones = ("left", "right")

    def __init__(self) -> None:
        super().__init__()
        self.left = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))
        self.right = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
        self.fuse = nn.Linear(8, 4)
        self.head = nn.Linear(4, 1)


def test_top_n_counts_in_each_branch_and_takes_a_whole_branch_when_larger():
    model = TwoTowers()
    assert set_trainable(model, "top:1") == ["left.2", "right.1", "fuse", "head"]
    assert set_trainable(model, "top:3") == [n for n, _ in layers(model)]  # right holds 2
    assert trainable(model) == [n for n, _ in layers(model)]


def test_a_model_without_backbones_keeps_counting_over_the_whole_body():
    model = nn.Module()
    model.body = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))
    model.head = nn.Linear(4, 1)
    assert set_trainable(model, "top:2") == ["body.1", "body.2", "head"]
    assert set_trainable(model, "head") == ["head"]


def test_a_declared_backbone_without_layers_is_a_model_error():
    model = TwoTowers()
    model.backbones = ("left", "middle")
    with pytest.raises(ValueError, match="middle"):
        set_trainable(model, "top:1")
