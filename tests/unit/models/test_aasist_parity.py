"""AASIST / AASIST-L against the official weights and outputs (../shared/reference/aasist)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from spoofscope.models import MODELS, load_pretrained
from spoofscope.models.aasist import sinc_band_pass
from spoofscope.models.pretrained import import_official

CASES = [("aasist", "AASIST", 297_866), ("aasist-l", "AASIST-L", 85_306)]


def test_sinc_bank_matches_official(aasist_reference):
    official = np.load(aasist_reference / "sinc_band_pass.npy")
    ours = sinc_band_pass(70, 128)
    assert ours.shape == official.shape == (70, 129)
    np.testing.assert_allclose(ours, official, rtol=0, atol=1e-7)


@pytest.mark.parametrize(("arch", "ref_name", "count"), CASES)
def test_parameter_names_shapes_and_count(aasist_reference, arch, ref_name, count):
    params = json.loads((aasist_reference / "params.json").read_text())
    expected = params["checkpoints"][ref_name]
    expected = expected["params"] if isinstance(expected, dict) else expected
    model = MODELS.get(arch)()
    ours = [[k, list(v.shape)] for k, v in model.state_dict().items()]
    assert sorted(ours) == sorted([n, list(s)] for n, s, _ in expected)
    assert model.num_parameters() == count
    assert params["totals"][ref_name]["n_float_elements_excluding_bn_running_stats"] == count


@pytest.mark.slow
@pytest.mark.parametrize(("arch", "ref_name", "count"), CASES)
@pytest.mark.parametrize("fast", [False, True], ids=["plain", "fast"])
def test_official_outputs_reproduced(aasist_reference, arch, ref_name, count, fast):
    outputs = json.loads((aasist_reference / "outputs.json").read_text())["models"][ref_name]
    wave = torch.from_numpy(np.load(aasist_reference / "inputs.npy"))
    model = import_official(arch, aasist_reference / f"{ref_name}.pth")
    model.fast = fast
    with torch.inference_mode():
        hidden, logits = model.forward_hidden(wave)
    np.testing.assert_allclose(logits.numpy(), outputs["output_logits_batch6"], rtol=0, atol=1e-4)
    hidden_ref = np.load(aasist_reference / f"{ref_name}_hidden.npy")
    np.testing.assert_allclose(hidden.numpy(), hidden_ref, rtol=0, atol=1e-4)
    assert logits.argmax(1).tolist() == outputs["argmax_per_row"]


@pytest.mark.slow
def test_shipped_pretrained_equals_official_and_fast_is_per_row(aasist_reference):
    outputs = json.loads((aasist_reference / "outputs.json").read_text())["models"]["AASIST-L"]
    wave = torch.from_numpy(np.load(aasist_reference / "inputs.npy"))[[5, 3]]
    model = load_pretrained("aasist-l-19la")
    assert not model.training
    model.fast = True
    with torch.inference_mode():
        logits = model(wave)
        scores = model.score(wave)
    expected = np.array(outputs["output_logits_batch6"])[[5, 3]]
    np.testing.assert_allclose(logits.numpy(), expected, rtol=0, atol=1e-4)
    np.testing.assert_allclose(scores.numpy(), expected[:, 1] - expected[:, 0], atol=1e-4)


def test_residual_bn1_has_no_effect_in_either_path():
    torch.manual_seed(0)
    model = MODELS.get("aasist-l")().eval()
    wave = torch.randn(1, 16000) * 0.05
    with torch.inference_mode():
        before = model(wave)
        for block in model.encoder[1:]:
            block[0].bn1.weight.add_(3.0)
            block[0].bn1.running_mean.add_(1.0)
        after = model(wave)
        model.fast = True
        fast = model(wave)
    assert torch.equal(before, after)
    assert torch.allclose(before, fast, atol=1e-4)
