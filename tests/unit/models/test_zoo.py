"""Every registered model: forward/backward on CPU, gradient at the first layer, ONNX parity."""

from __future__ import annotations

import pytest
import torch

from spoofscope.models import MODELS
from spoofscope.models.stand_ins import stand_in_params

SLOW = {"rawnet2", "dual-mobilenetv2", "mobilenetv2", "modified-cnn", "aasist", "ssl-aasist"}
NAMES = [
    pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
    for n in sorted(MODELS.declared_names())
]


def _speech_like(batch: int, samples: int = 16000) -> torch.Tensor:
    t = torch.arange(samples) / 16000.0
    f0 = torch.linspace(110, 220, batch)[:, None]
    return 0.1 * torch.sin(2 * torch.pi * f0 * t) + 0.01 * torch.randn(batch, samples)


@pytest.mark.parametrize("name", NAMES)
def test_forward_backward_reaches_first_layer(name):
    torch.manual_seed(0)
    model = MODELS.get(name)(**stand_in_params(name)).train()
    logits = model(_speech_like(3))
    assert logits.shape == (3, 2) and torch.isfinite(logits).all()
    logits.logsumexp(dim=1).sum().backward()
    first = next(p for p in model.parameters() if p.requires_grad)
    assert first.grad is not None and first.grad.abs().sum() > 0
    card = model.card()
    assert card["architecture"] == name and card["parameters"] == model.num_parameters() > 0


@pytest.mark.parametrize("name", NAMES)
def test_onnx_export_matches_torch(name, tmp_path):
    import onnxruntime as ort

    torch.manual_seed(0)
    model = MODELS.get(name)(**stand_in_params(name)).eval()
    wave = _speech_like(2)
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(model, (wave,), str(path), opset_version=17, dynamo=False,
                      input_names=["wave"], output_names=["logits"])  # fmt: skip
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"wave": wave.numpy()})
    with torch.no_grad():
        torch_out = model(wave).numpy()
    assert abs(onnx_out - torch_out).max() < 1e-4
