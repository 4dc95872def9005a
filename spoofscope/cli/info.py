"""`spoofscope info`: versions, device, and every registered front-end, model and corpus."""

from __future__ import annotations

from typing import Any

import typer

from spoofscope.cli.common import console, print_json


def _count_params(model_cls: Any) -> int | None:
    try:
        model = model_cls()
    except TypeError:
        return None
    return sum(p.numel() for p in model.parameters())


def collect() -> dict[str, Any]:
    """Everything `info` prints, as one JSON-ready dict."""
    import torch

    import spoofscope
    from spoofscope.corpora import CORPORA
    from spoofscope.features import FRONTENDS
    from spoofscope.models import MODELS

    return {
        "version": spoofscope.__version__,
        "torch": torch.__version__,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "frontends": FRONTENDS.names(),
        "models": {name: {"params": _count_params(cls)} for name, cls in MODELS.items()},
        "corpora": CORPORA.names(),
    }


def info(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the version, torch and device, and the registered front-ends, models and corpora."""
    data = collect()
    if as_json:
        print_json(data)
        return
    console.print(f"spoofscope {data['version']}  (torch {data['torch']}, device {data['device']})")
    console.print(f"front-ends ({len(data['frontends'])}): {', '.join(data['frontends']) or '-'}")
    console.print(f"models ({len(data['models'])}):")
    for name, card in data["models"].items():
        params = card["params"]
        console.print(f"  {name:<20} {params:>12,} parameters" if params else f"  {name}")
    console.print(f"corpora ({len(data['corpora'])}): {', '.join(data['corpora']) or '-'}")


def attach(app: typer.Typer) -> None:
    app.command("info")(info)
