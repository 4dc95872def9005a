"""ONNX export: every model as one graph wave [B, T] -> score [B], its card in the metadata, run
by ONNX Runtime wherever a torch model scores (Detector, load_model, the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import spoofscope
from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.export.onnx import CARD_KEY, EXPORT_KEY, OPSET, export_onnx
from spoofscope.inference.detector import Detector
from spoofscope.inference.onnx_model import OnnxCountermeasure, as_onnx, load_onnx
from spoofscope.inference.resolve import load_model
from spoofscope.models import MODELS
from spoofscope.models.base import save_checkpoint
from spoofscope.models.card import ModelCard
from spoofscope.models.stand_ins import stand_in_params
from tests.integration.cli_runner import run_cli
from tests.unit.features.conftest import speech_like

#: the crop the small configurations are traced at: 1 s at 16 kHz
CROP = 16000
#: fp32 graphs against torch, absolute, on scores of order 1-10
PARITY = 1e-4
#: int8 graphs against fp32, absolute on the score: twice the largest gap measured on the
#: small LCNN below (int8-matmul 0.0070, int8-full 0.0100)
INT8_TOLERANCE = {"int8-matmul": 0.015, "int8-full": 0.02}


def small(name: str) -> torch.nn.Module:
    """``name`` in its registered configuration with stand-ins and a 1-s crop, seeded, eval."""
    cls = MODELS.get(name)
    params = stand_in_params(name)
    if cls.crop_param is not None:
        params[cls.crop_param] = CROP
    torch.manual_seed(0)
    return cls(**params).eval()


def speech_batch(rows: int, seconds: float) -> torch.Tensor:
    """``[rows, seconds * 16 kHz]`` voiced speech-like rows of different pitch."""
    return torch.from_numpy(
        np.stack([speech_like(seconds, seed=r, f0=110.0 + 30 * r) for r in range(rows)])
    )


#: (row, first, last sample) of the reference speech (Allison Smith, 16 kHz) the Detector
#: scores; the first is under 0.3 s (too-short)
EXCERPTS = [(3, 8000, 11200), (4, 8000, 20800), (5, 0, 64600), (3, 16000, 32000)]


@pytest.fixture(scope="module")
def recordings(reference_dir) -> list[np.ndarray]:
    speech = np.load(reference_dir / "aasist" / "inputs.npy")
    return [speech[row, a:b] for row, a, b in EXCERPTS]


def full_card(model: torch.nn.Module, threshold: float = 0.25) -> dict:
    """A card as a trained checkpoint carries: threshold, calibration, channel, records."""
    card = model.card()
    card["threshold"] = threshold
    card["calibration"] = {"kind": "platt", "a": 1.7, "b": -0.4}
    card["input"]["channel"] = "telephone"
    card["training"] = {"corpus": "localspoof", "dev_eer": 0.0977, "epoch": 4}
    card["provenance"] = {"spoofscope": "0.1.0", "seed": 0}
    return card


@pytest.fixture(scope="module")
def lcnn() -> torch.nn.Module:
    return small("lcnn")


@pytest.fixture(scope="module")
def lcnn_card(lcnn, recordings) -> dict:
    """:func:`full_card` with the threshold at the median torch score of the recordings, so
    the verdicts on them are not all one."""
    det = Detector(lcnn, full_card(lcnn))
    return full_card(lcnn, float(np.median([det.score(r, sr=16000).score for r in recordings])))


@pytest.fixture(scope="module")
def lcnn_onnx(lcnn, lcnn_card, tmp_path_factory) -> Path:
    return export_onnx(lcnn, lcnn_card, tmp_path_factory.mktemp("onnx") / "lcnn.onnx")


@pytest.mark.parametrize("name", sorted(MODELS.declared_names()))
def test_every_model_exports_and_scores_as_torch_at_two_lengths(name, tmp_path):
    model = small(name)
    path = export_onnx(model, model.card(), tmp_path / f"{name}.onnx")
    onnx_model, _ = load_onnx(path)
    for rows, seconds in ((1, 1.0), (2, 1.5)):  # neither the traced batch (2 x 1 s) nor both
        wave = speech_batch(rows, seconds)
        with torch.no_grad():
            expected = model.score(wave)
        got = onnx_model.score(wave)
        assert got.shape == (rows,)
        assert torch.allclose(got, expected, atol=PARITY, rtol=0), (name, seconds)


def test_card_and_export_facts_round_trip_through_the_metadata(lcnn_card, lcnn_onnx):
    import onnx

    _, card = load_onnx(lcnn_onnx)
    assert card == ModelCard.parse(lcnn_card, "card")
    assert card.calibration.a == 1.7 and card.training["dev_eer"] == 0.0977
    assert card.input.channel == "telephone" and card.input.crop_samples == CROP
    props = {p.key: p.value for p in onnx.load(str(lcnn_onnx)).metadata_props}
    facts = json.loads(props[EXPORT_KEY])
    assert facts["opset"] == OPSET and facts["quantization"] is None
    assert facts["spoofscope"] == spoofscope.__version__
    assert json.loads(props[CARD_KEY])["threshold"] == lcnn_card["threshold"]


def test_detector_on_the_graph_gives_torch_verdicts_and_scores(
    lcnn, lcnn_card, lcnn_onnx, recordings
):
    # no uncertain band: every verdict is a side of the threshold (or too-short)
    torch_det = Detector(lcnn, lcnn_card, uncertain_band=0)
    onnx_det = Detector(*load_onnx(lcnn_onnx), uncertain_band=0)
    verdicts = []
    for rec in recordings:
        a, b = torch_det.score(rec, sr=16000), onnx_det.score(rec, sr=16000)
        assert b.verdict == a.verdict and b.p_spoof == pytest.approx(a.p_spoof, abs=PARITY)
        assert b.window_scores == pytest.approx(a.window_scores, abs=PARITY)
        verdicts.append(a.verdict)
    assert verdicts[0] == "too-short" and {"bonafide", "spoof"} <= set(verdicts)


@pytest.mark.parametrize("quantize", sorted(INT8_TOLERANCE))
def test_int8_graph_loads_and_stays_near_float(lcnn, lcnn_onnx, quantize, tmp_path):
    path = export_onnx(lcnn, lcnn.card(), tmp_path / "int8.onnx", quantize=quantize)
    model, _ = load_onnx(path)
    assert model.quantization == quantize
    if quantize == "int8-full":  # its convolution and LSTM weights are stored in int8
        assert path.stat().st_size < lcnn_onnx.stat().st_size
    wave = speech_batch(6, 1.0)
    fp32 = load_onnx(lcnn_onnx)[0].score(wave)
    gap = (model.score(wave) - fp32).abs().max()
    assert 0 < gap <= INT8_TOLERANCE[quantize]


def test_load_model_runs_an_onnx_file_in_onnx_runtime(lcnn, lcnn_onnx):
    model, card = load_model(str(lcnn_onnx))
    assert isinstance(model, OnnxCountermeasure) and model.threads == 1
    assert model.to("cpu") is model and model.eval() is model
    assert card.architecture == "lcnn"


def test_as_onnx_reuses_its_cache_and_replaces_a_damaged_entry(lcnn, tmp_path):
    first = as_onnx(lcnn, lcnn.card(), cache_dir=tmp_path)
    (entry,) = tmp_path.glob("*.onnx")
    stamp = entry.stat().st_mtime_ns
    again = as_onnx(lcnn, lcnn.card(), cache_dir=tmp_path)
    assert entry.stat().st_mtime_ns == stamp and again.path == first.path
    entry.write_bytes(b"truncated")
    wave = speech_batch(2, 1.0)
    redone = as_onnx(lcnn, lcnn.card(), cache_dir=tmp_path)
    assert torch.allclose(redone.score(wave), first.score(wave))
    other = small("paper-cnn")
    as_onnx(other, other.card(), cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.onnx"))) == 2  # another model, another entry


def test_unusable_files_fail_with_one_line(lcnn, tmp_path):
    import onnx

    junk = tmp_path / "junk.onnx"
    junk.write_text("not a graph")
    with pytest.raises(CheckpointError, match="not an ONNX model"):
        load_onnx(junk)
    with pytest.raises(CheckpointError, match="no such ONNX file"):
        load_onnx(tmp_path / "missing.onnx")
    bare = tmp_path / "bare.onnx"
    torch.onnx.export(torch.nn.Linear(4, 1), (torch.zeros(1, 4),), str(bare), dynamo=False)
    with pytest.raises(CheckpointError, match="holds no model card"):
        load_onnx(bare)
    broken = onnx.load(str(export_onnx(lcnn, lcnn.card(), tmp_path / "card.onnx", check=False)))
    for prop in broken.metadata_props:
        if prop.key == CARD_KEY:
            prop.value = prop.value.replace('"sample_rate": 16000', '"sample_rate": "fast"')
    onnx.save(broken, str(tmp_path / "card.onnx"))
    with pytest.raises(CheckpointError, match=r"input\.sample_rate") as err:
        load_onnx(tmp_path / "card.onnx")
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="quantize"):
        export_onnx(lcnn, lcnn.card(), tmp_path / "q.onnx", quantize="int4")


def test_cli_exports_a_checkpoint_and_refuses_bad_input_in_one_line(lcnn, tmp_path):
    ckpt = save_checkpoint(lcnn, tmp_path / "ckpt", threshold=0.1)
    out = tmp_path / "model.onnx"
    done = run_cli("export", "--model", str(ckpt), "--format", "onnx", "--out", str(out))
    assert done.code == 0 and "wrote" in done.out
    assert load_onnx(out)[1].threshold == 0.1
    for args, words in [
        (["--model", "no-such-model"], "no such checkpoint"),
        (["--model", str(ckpt), "--out", str(tmp_path / "none" / "m.onnx")], "does not exist"),
        (["--model", str(ckpt), "--out", str(tmp_path)], "is a directory"),
        (["--model", str(ckpt), "--quantize", "int4"], "--quantize"),
        (["--model", str(ckpt), "--format", "tflite"], "--format"),
    ]:
        if "--out" not in args:
            args = [*args, "--out", str(tmp_path / "bad.onnx")]
        result = run_cli("export", *args)
        assert result.code == 2, args
        assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
        assert words in result.err
    assert not (tmp_path / "bad.onnx").exists()


@pytest.mark.slow
def test_official_aasist_graph_gives_the_official_logits(reference_dir, tmp_path):
    """The shipped AASIST weights at their official size: one graph, the official scores."""
    model, card = load_model("aasist-19la")
    reference = reference_dir / "aasist"
    inputs = torch.from_numpy(np.load(reference / "inputs.npy"))  # [6, 64600]
    logits = json.loads((reference / "outputs.json").read_text())["models"]["AASIST"]
    official = torch.tensor(logits["output_logits_batch6"])
    graph, _ = load_onnx(export_onnx(model, card, tmp_path / "aasist.onnx"))
    got = graph.score(inputs)
    assert torch.allclose(got, official[:, 1] - official[:, 0], atol=PARITY, rtol=0)
