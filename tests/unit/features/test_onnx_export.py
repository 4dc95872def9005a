"""Front-ends export to ONNX (opset 17) and run in onnxruntime with the same numbers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from spoofscope.features import build_frontend
from tests.unit.features.conftest import speech_like

# The spectrogram is checked in linear power: in dB, float32 rounding of powers 1e-9 below the
# peak (the exported DFT is a matmul, eager mode an FFT) shows up as hundredths of a dB.
CASES = {
    "mfcc": {},
    "lfcc": {},
    "logmel": {},
    "spectrogram": {"log": False},
    "image": {"source": "mfcc"},
    "phasegram": {"fmax": 4000.0},
}
# A phase angle's rounding error grows as its bin's magnitude shrinks: in the weakest bins of the
# phasegram the exported DFT matmul and the eager FFT differ by ~1e-3 on a unit phasor.
TOLERANCE = {"phasegram": 1e-3}


@pytest.mark.parametrize("name", list(CASES))
def test_export_runs_in_onnxruntime_with_dynamic_batch_and_length(
    name: str, tmp_path: Path
) -> None:
    import onnxruntime

    frontend = build_frontend(name, **CASES[name]).eval()
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            frontend,
            (torch.zeros(2, 16000),),
            str(path),
            opset_version=17,
            dynamo=False,
            input_names=["wave"],
            output_names=["feats"],
            dynamic_axes={"wave": {0: "batch", 1: "samples"}, "feats": {0: "batch", 3: "frames"}},
        )
    waves = np.stack([speech_like(0.7, seed=51), speech_like(0.7, seed=52, f0=200.0)])
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"wave": waves})
    with torch.no_grad():
        expected = frontend(torch.from_numpy(waves)).numpy()
    assert got.shape == expected.shape
    scale = float(np.abs(expected).max())
    assert float(np.abs(got - expected).max()) / scale < TOLERANCE.get(name, 1e-4)
