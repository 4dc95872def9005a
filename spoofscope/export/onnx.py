"""One ONNX graph per model: waveform ``[B, T]`` float32 in, score ``[B]`` out, card inside.

The graph holds the whole countermeasure, front-end included, and its ``metadata_props`` hold the
model card (threshold, calibration, input contract: everything :class:`ModelCard` holds) under
:data:`CARD_KEY` and the export's own facts (opset, exporter, quantization, versions) under
:data:`EXPORT_KEY`, so a ``.onnx`` file alone is a deployable detector. What the card's
``input.channel`` names (the telephone band of the LocalSpoof models) is applied by the caller
before the graph, as the Detector applies it before a torch model.

Quantization is ONNX Runtime's dynamic int8 (weights int8, activations quantized per call):
``int8-matmul`` quantizes only the matrix products (MatMul, Gemm), ``int8-full`` every operator
type ONNX Runtime can quantize dynamically (convolutions and LSTMs too).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from spoofscope.errors import ConfigError, ExportError
from spoofscope.models.card import ModelCard

#: the ONNX opset graphs are written in (ONNX Runtime 1.17, the oldest the extra allows, runs it)
OPSET = 17
INPUT, OUTPUT = "wave", "score"
#: ``metadata_props`` keys: the model card, and the facts of the export
CARD_KEY = "spoofscope.card"
EXPORT_KEY = "spoofscope.export"
EXPORT_FORMAT = "spoofscope-onnx/1"

#: quantization name → operator types ``quantize_dynamic`` quantizes (None: every type it can)
QUANTIZATIONS: dict[str, list[str] | None] = {
    "int8-matmul": ["MatMul", "Gemm"],
    "int8-full": None,
}
#: nodes whose name holds one of these stay float32 in every quantization: a front-end's
#: matrix products read power spectra spanning ~12 orders of magnitude, which one int8 scale
#: per tensor cannot hold
FLOAT_SCOPES = ("/frontend/",)
#: what ``--quantize int8`` ships: the variant that keeps the EER (docs/export.md has the table)
INT8 = "int8-matmul"

#: an exported fp32 graph may differ from torch by this much (absolute, plus as much relative)
#: before :func:`export_onnx` refuses it; float32 re-ordering stays near 1e-6
CHECK_TOLERANCE = 1e-4


class ScoreGraph(nn.Module):
    """``wave: [B, T]`` → ``model.score(wave)``: ``[B]``, the module that is traced."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, wave: Tensor) -> Tensor:
        return self.model.score(wave)


def _card(card: ModelCard | dict[str, Any]) -> ModelCard:
    return card if isinstance(card, ModelCard) else ModelCard.parse(card, "card")


def check_quantization(quantize: str | None) -> None:
    """Raise ConfigError unless ``quantize`` is None or a name of :data:`QUANTIZATIONS`."""
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise ConfigError(
            "quantize", f"'{quantize}' is not one of {', '.join(QUANTIZATIONS)} (or none)"
        )


def trace_input(card: ModelCard, batch: int = 2, samples: int | None = None) -> Tensor:
    """A seeded speech-level noise batch ``[batch, samples]`` (default: the card's crop).

    Traced at the crop length the Detector feeds, a branch the tracer freezes is the one every
    deployed window takes; batch 2 keeps the batch axis from being folded into a constant.
    """
    generator = torch.Generator().manual_seed(0)
    return 0.05 * torch.randn(batch, samples or card.input.crop_samples, generator=generator)


def export_onnx(
    model: nn.Module,
    card: ModelCard | dict[str, Any],
    out: str | Path,
    quantize: str | None = None,
    check: bool = True,
) -> Path:
    """Write ``model`` as one ONNX graph ``wave [B, T] → score [B]`` with ``card`` in its metadata.

    Both axes are dynamic. The file is written to a temporary name beside ``out`` and renamed,
    so ``out`` is never left half-written. With ``check`` the fp32 graph is run in ONNX Runtime
    on a batch of another length than the traced one and compared with torch, which catches a
    shape the tracer froze.

    Args:
        model: a countermeasure (``score(wave) -> [B]``); its mode and ``fast`` flag are restored.
        card: its model card (validated; stored whole in the metadata).
        out: the ``.onnx`` file to write (its folder must exist).
        quantize: None (float32), or a name of :data:`QUANTIZATIONS`.
        check: compare the fp32 graph with torch before writing.

    Returns:
        ``out`` as a Path.

    Raises:
        ConfigError: unknown ``quantize``.
        ExportError: the model does not export, the graph disagrees with torch, or ``out``
            cannot be written.
    """
    import onnx

    check_quantization(quantize)
    card = _card(card)
    out = writable_target(out)
    with tempfile.TemporaryDirectory(prefix="spoofscope-onnx-") as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        _trace(model, card, fp32)
        if check:
            _check_against_torch(model, card, fp32)
        graph = onnx.load(str(fp32))
        if quantize is not None:
            graph = _quantized(fp32, Path(scratch) / "int8.onnx", quantize)
        _write_metadata(graph, card, quantize)
        _save_atomically(graph, out)
    return out


def writable_target(out: str | Path) -> Path:
    """``out`` as a Path, if a file can be written there.

    Raises:
        ExportError: ``out`` is a directory, or its folder is missing or not writable.
    """
    out = Path(out)
    if out.is_dir():
        raise ExportError(out, "is a directory; give the .onnx file to write")
    if not out.parent.is_dir():
        raise ExportError(out, f"cannot write: folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ExportError(out, f"cannot write: folder {out.parent} is not writable")
    return out


def _trace(model: nn.Module, card: ModelCard, path: Path) -> None:
    """Trace ``model.score`` into ``path`` with dynamic batch and time axes.

    The TorchScript exporter (``dynamo=False``), though torch's dynamo exporter was tried first:
    on this project's models it took 25-40x longer (AASIST 130 s against 5 s, AASIST-L 244 s
    against 6 s, on the 2-core machine), failed on the front-ends' data-dependent
    "is any row padded" test (LCNN), and froze AASIST's graph-pool sizes just as tracing did,
    so it bought nothing for its cost. Shapes the tracer would freeze are computed in the graph
    where the models build them (AASIST's GraphPool, the Siamese CNN's attention), and the
    check in :func:`export_onnx` runs the graph at a second length to keep it so.
    """
    fast = getattr(model, "fast", None)
    was_training = model.training
    if fast is not None:
        # AASIST's fast path encodes one utterance at a time: traced, its loop would fix the
        # batch size. The plain path has the same outputs, and ONNX Runtime fuses its BNs.
        model.fast = False
    model.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # TracerWarnings about Python values in the graph
            torch.onnx.export(
                ScoreGraph(model),
                (trace_input(card),),
                str(path),
                dynamo=False,
                opset_version=OPSET,
                input_names=[INPUT],
                output_names=[OUTPUT],
                dynamic_axes={INPUT: {0: "batch", 1: "samples"}, OUTPUT: {0: "batch"}},
            )
    except (
        Exception
    ) as exc:  # the exporter raises many types; all mean "this model does not export"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(card.architecture, f"does not export to ONNX: {first}") from exc
    finally:
        model.train(was_training)
        if fast is not None:
            model.fast = fast


def _check_against_torch(model: nn.Module, card: ModelCard, path: Path) -> None:
    """Run ``path`` on 3 rows of 3/4 of the crop (neither the traced batch nor length)."""
    import onnxruntime as ort

    wave = trace_input(card, batch=3, samples=max(1, 3 * card.input.crop_samples // 4))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT], {INPUT: wave.numpy()})
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            expected = model.score(wave).float().numpy()
    finally:
        model.train(was_training)
    gap = abs(got - expected)
    if got.shape != expected.shape or not (gap <= CHECK_TOLERANCE * (1 + abs(expected))).all():
        worst = float(gap.max()) if got.shape == expected.shape else float("nan")
        raise ExportError(
            card.architecture,
            f"the ONNX graph disagrees with torch at another input length "
            f"(max gap {worst:.3g}, shapes {got.shape} and {expected.shape})",
        )


def _quantized(fp32: Path, out: Path, quantize: str) -> Any:
    """Dynamic int8 quantization of the graph at ``fp32`` (weights int8, per tensor)."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32))
    floats = [n.name for n in graph.graph.node if any(scope in n.name for scope in FLOAT_SCOPES)]
    # quantize_dynamic logs advice and shape-inference misses on the root logger; library
    # code does not print, and the result is checked by the tests, not by those lines
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            fp32,
            out,
            op_types_to_quantize=QUANTIZATIONS[quantize],
            nodes_to_exclude=floats,
            weight_type=QuantType.QInt8,
        )
    finally:
        logging.disable(previous)
    return onnx.load(str(out))


def export_facts(quantize: str | None) -> dict[str, Any]:
    """What :data:`EXPORT_KEY` records: format, opset, exporter, quantization and versions."""
    import onnx

    import spoofscope

    return {
        "format": EXPORT_FORMAT,
        "opset": OPSET,
        "exporter": "torch.onnx (TorchScript)",
        "quantization": quantize,
        "input": f"{INPUT} [B, T] float32 at the card's input.sample_rate, channel applied",
        "output": f"{OUTPUT} [B], higher = more bona fide",
        "spoofscope": spoofscope.__version__,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
    }


def _write_metadata(graph: Any, card: ModelCard, quantize: str | None) -> None:
    """Replace ``graph``'s spoofscope metadata entries with the card and the export facts."""
    import onnx

    import spoofscope

    entries = {
        CARD_KEY: json.dumps(card.to_dict(), allow_nan=False),
        EXPORT_KEY: json.dumps(export_facts(quantize), allow_nan=False),
    }
    kept = [p for p in graph.metadata_props if p.key not in entries]
    del graph.metadata_props[:]
    graph.metadata_props.extend(kept)
    for key, value in entries.items():
        graph.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    graph.producer_name = "spoofscope"
    graph.producer_version = spoofscope.__version__
    graph.doc_string = f"{card.architecture}: {INPUT} [B, T] -> {OUTPUT} [B]"


def _save_atomically(graph: Any, out: Path) -> None:
    """``onnx.save`` to a temporary file beside ``out``, then rename it over ``out``."""
    import onnx

    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        onnx.save(graph, tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(out, f"cannot write: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
