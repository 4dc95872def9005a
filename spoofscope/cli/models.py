"""`spoofscope models`: list the registered models, show a card, import official checkpoints."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import console, print_json

models_app = typer.Typer(
    help="Countermeasure architectures and pretrained weights.", no_args_is_help=True
)


@models_app.command("list")
def list_models(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List registered architectures and shipped pretrained models."""
    from spoofscope.models import MODELS
    from spoofscope.models.pretrained import PRETRAINED

    data = {
        "architectures": MODELS.names(),
        "pretrained": {name: {"architecture": a, "data": d} for name, (a, d) in PRETRAINED.items()},
    }
    if as_json:
        print_json(data)
        return
    console.print("architectures: " + ", ".join(data["architectures"]))
    console.print("pretrained:")
    for name, (arch, trained_on) in PRETRAINED.items():
        console.print(f"  {name:<16} {arch:<10} {trained_on}")


@models_app.command("show")
def show(
    name: str = typer.Argument(
        ..., help="Architecture, default, a pretrained name, a checkpoint or run directory."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the card as JSON."),
) -> None:
    """Print a model's card and a layer summary (top-level modules with their parameter counts)."""
    from spoofscope.models import MODELS

    if name in MODELS:
        model = MODELS.get(name)()
        card = model.card()
    else:
        # One resolver for every name a --model option takes: default, the pretrained names,
        # checkpoint and run directories.
        from spoofscope.inference.resolve import load_model

        model, read = load_model(name)
        card = {**model.card(), **read.to_dict()}
    layers = [
        {"name": child, "type": type(module).__name__,
         "parameters": sum(p.numel() for p in module.parameters())}
        for child, module in model.named_children()
    ]  # fmt: skip
    if as_json:
        print_json({"card": card, "layers": layers})
        return
    print_json(card)
    console.print(f"{'layer':<24} {'type':<24} {'parameters':>12}")
    for row in layers:
        console.print(f"{row['name']:<24} {row['type']:<24} {row['parameters']:>12,}")
    console.print(f"{'total':<49} {card['parameters']:>12,}")


@models_app.command("import")
def import_weights(
    arch: str = typer.Option(..., "--arch", help="Architecture of the official checkpoint."),
    weights: Path = typer.Option(..., "--weights", help="Official .pth state dict."),
    out: Path = typer.Option(..., "--out", help="Directory for the spoofscope checkpoint."),
) -> None:
    """Convert an official checkpoint (read weights-only) to safetensors + card.json."""
    from spoofscope.models.base import save_checkpoint
    from spoofscope.models.pretrained import import_official, sha256

    model = import_official(arch, weights)
    provenance = {"imported_from": str(weights), "sha256": sha256(weights)}
    save_checkpoint(model, out, provenance=provenance)
    console.print(f"wrote {out} ({arch}, {model.num_parameters():,} parameters)")


def attach(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
