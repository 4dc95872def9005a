"""`spoofscope export`: write a model as one ONNX graph (waveform in, score out, card inside)."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import console

#: ``--quantize`` value → the quantization written (``int8``: the variant that keeps the EER)
QUANTIZE_CHOICES = ("none", "int8", "int8-matmul", "int8-full")


def export(
    model: str = typer.Option(
        ..., "--model", help="default, a pretrained name, a checkpoint or run directory."
    ),
    fmt: str = typer.Option("onnx", "--format", help="Exchange format (onnx)."),
    quantize: str = typer.Option(
        "none",
        "--quantize",
        help="none (float32); int8 (the int8 variant that keeps the EER); or by name "
        "int8-matmul (matrix products only) or int8-full (every quantizable operator).",
    ),
    out: Path = typer.Option(..., "--out", help="The file to write (.onnx)."),
) -> None:
    """Write MODEL as one ONNX graph wave [B, T] -> score [B], with its card in the metadata."""
    from spoofscope.errors import ConfigError

    if fmt != "onnx":
        raise ConfigError("--format", f"'{fmt}' is not a format spoofscope writes (onnx)")
    if quantize not in QUANTIZE_CHOICES:
        raise ConfigError("--quantize", f"'{quantize}' is not one of {', '.join(QUANTIZE_CHOICES)}")
    from spoofscope.export.onnx import INT8, export_onnx, writable_target
    from spoofscope.inference.resolve import ONNX_SUFFIX, load_model

    writable_target(out)  # before the model loads: a bad --out fails in a second
    if model.lower().endswith(ONNX_SUFFIX):
        raise ConfigError("--model", f"{model} is already an ONNX graph")
    level = {"none": None, "int8": INT8}.get(quantize, quantize)
    net, card = load_model(model)
    path = export_onnx(net, card, out, quantize=level)
    size = path.stat().st_size / 1e6
    console.print(
        f"wrote {path} ({size:.1f} MB, {card.architecture}, {level or 'float32'})", markup=False
    )


def attach(app: typer.Typer) -> None:
    app.command("export")(export)
