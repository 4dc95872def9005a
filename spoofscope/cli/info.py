"""`spoofscope info`: versions, device, and every registered front-end, model and corpus."""

from __future__ import annotations

import json
from typing import Any

import typer

from spoofscope.cli.common import console, print_json


def _count_params(model_cls: Any) -> int | None:
    """Parameters of the architecture's published configuration, or None when that depends on
    what a recipe names (an SSL encoder directory) or on an optional extra not installed."""
    from spoofscope.errors import SpoofscopeError

    try:
        model = model_cls()
    except (TypeError, SpoofscopeError, ImportError):
        return None
    return sum(p.numel() for p in model.parameters())


def collect() -> dict[str, Any]:
    """Everything `info` prints, as one JSON-ready dict."""
    import torch

    import spoofscope
    from spoofscope.allocator import describe
    from spoofscope.corpora import CORPORA
    from spoofscope.features import FRONTENDS
    from spoofscope.inference.resolve import default_model_dir
    from spoofscope.models import MODELS
    from spoofscope.models.pretrained import PRETRAINED

    card_path = default_model_dir() / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    data = card.get("provenance", {}).get("training_data", "(missing from this installation)")
    pretrained = {"default": {"architecture": card.get("architecture", "-"), "data": data}}
    for name, (arch, data) in PRETRAINED.items():
        pretrained[name] = {"architecture": arch, "data": data}
    return {
        "version": spoofscope.__version__,
        "torch": torch.__version__,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "allocator": describe(),
        "frontends": FRONTENDS.names(),
        "models": {name: {"params": _count_params(cls)} for name, cls in MODELS.items()},
        "corpora": CORPORA.names(),
        "pretrained": pretrained,
    }


def info(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the version, torch and device, and the registered front-ends, models and corpora."""
    data = collect()
    if as_json:
        print_json(data)
        return
    console.print(f"spoofscope {data['version']}  (torch {data['torch']}, device {data['device']})")
    console.print(f"allocator: {data['allocator']}")
    console.print(f"front-ends ({len(data['frontends'])}): {', '.join(data['frontends']) or '-'}")
    console.print(f"models ({len(data['models'])}):")
    for name, card in data["models"].items():
        params = card["params"]
        console.print(f"  {name:<20} {params:>12,} parameters" if params else f"  {name}")
    console.print(f"corpora ({len(data['corpora'])}): {', '.join(data['corpora']) or '-'}")
    console.print(f"shipped models ({len(data['pretrained'])}), by name for --model:")
    for name, card in data["pretrained"].items():
        console.print(f"  {name:<26} {card['architecture']:<9} {card['data']}")


def attach(app: typer.Typer) -> None:
    app.command("info")(info)
