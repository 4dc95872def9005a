"""Checkpoint format, pretrained loading, the CLI, and model-specific behaviour."""

from __future__ import annotations

import json

import pytest
import torch

from spoofscope.cli.app import main
from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models import MODELS, load_pretrained
from spoofscope.models.base import load_checkpoint, save_checkpoint


def test_checkpoint_round_trip_keeps_weights_config_and_card(tmp_path):
    torch.manual_seed(3)
    model = MODELS.get("lcnn")(backend="pool").eval()
    save_checkpoint(model, tmp_path / "ck", threshold=0.25, provenance={"run": "unit"})
    card = json.loads((tmp_path / "ck" / "card.json").read_text())
    assert card["architecture"] == "lcnn" and card["config"]["backend"] == "pool"
    assert card["threshold"] == 0.25 and card["input"]["frontend"]["name"] == "lfcc"
    loaded = load_checkpoint(tmp_path / "ck")
    wave = torch.randn(2, 16000)
    with torch.no_grad():
        assert torch.equal(model(wave), loaded(wave))


def test_checkpoint_errors_are_typed(tmp_path):
    with pytest.raises(CheckpointError, match=r"card\.json"):
        load_checkpoint(tmp_path)
    save_checkpoint(MODELS.get("paper-cnn")(), tmp_path / "ck")
    card = json.loads((tmp_path / "ck" / "card.json").read_text())
    card["architecture"] = "aasist"
    (tmp_path / "ck" / "card.json").write_text(json.dumps({**card, "config": {}}))
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(tmp_path / "ck")
    with pytest.raises(ConfigError, match="not a pretrained model"):
        load_pretrained("no-such-model")


def test_paper_cnn_has_1617_parameters_and_1d_variant():
    assert MODELS.get("paper-cnn")().num_parameters() == 1617
    one_d = MODELS.get("paper-cnn")(variant="1d")
    assert one_d.num_parameters() == 16 * 1 * 3 + 16 + 8 * 16 * 3 + 8 + 9
    assert one_d(torch.randn(2, 16000)).shape == (2, 2)


def test_mobilenetv2_loads_torchvision_named_backbone_and_freezes_top():
    model = MODELS.get("mobilenetv2")()
    state = {
        f"features.{k}": torch.randn_like(v) if v.is_floating_point() else v.clone()
        for k, v in model.features.state_dict().items()
    }
    state["classifier.1.weight"] = torch.randn(1000, 1280)
    assert "features.18.1.running_var" in state and "features.1.conv.0.0.weight" in state
    from spoofscope.models.mobilenetv2 import load_backbone

    n = load_backbone(model.features, state)
    assert n == len(state) - 1
    assert torch.equal(model.features[18][0].weight, state["features.18.0.weight"])
    model.freeze_backbone(trainable_top=2)
    trainable = [
        i for i, s in enumerate(model.features) if any(p.requires_grad for p in s.parameters())
    ]
    assert trainable == [17, 18]
    assert all(p.requires_grad for p in model.classifier.parameters())


def test_siamese_cnn_enroll_moves_centroids_and_scores_follow():
    torch.manual_seed(0)
    model = MODELS.get("siamese-cnn")(metric="cosine").eval()
    bona, spoof = torch.randn(3, 16000) * 0.1, torch.sin(torch.arange(16000.0)).repeat(3, 1)
    with torch.no_grad():
        model.enroll(model.embed(torch.cat([bona, spoof])), torch.tensor([1, 1, 1, 0, 0, 0]))
        assert (model.score(spoof) < 0).all() and (model.score(bona) > 0).all()


def test_cli_import_list_and_show(tmp_path, aasist_reference, capsys):
    out = tmp_path / "ck"
    rc = main(["models", "import", "--arch", "aasist-l", "--weights",
               str(aasist_reference / "AASIST-L.pth"), "--out", str(out)])  # fmt: skip
    assert rc == 0 and (out / "model.safetensors").is_file()
    assert "85,306 parameters" in capsys.readouterr().out
    assert main(["models", "show", str(out), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["card"]["parameters"] == 85_306
    assert shown["card"]["provenance"]["sha256"].startswith("814331d0")
    rc = main(["models", "import", "--arch", "aasist", "--weights",
               str(aasist_reference / "AASIST-L.pth"), "--out", str(tmp_path / "bad")])  # fmt: skip
    assert rc == 2 and "shape mismatch" in capsys.readouterr().err


@pytest.mark.parametrize("keep", [[4, 5, 8], [4]])
def test_siamese_cnn_on_a_compact_coefficient_set_embeds(keep):
    # a compact study's top-3 model: one MFCC row is left after the first pool, and a second
    # 2x2 pool used to leave none ("Output size is too small")
    model = MODELS.get("siamese-cnn")(frontend_params={"n_mfcc": 13, "keep": keep}).eval()
    with torch.no_grad():
        emb = model.embed(torch.randn(2, 16000) * 0.1)
    assert emb.shape == (2, 128) and torch.isfinite(emb).all()
