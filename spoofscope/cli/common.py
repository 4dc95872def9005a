"""Helpers shared by the command modules: JSON printing, the rich console, shared options."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import typer
from rich.console import Console

# One result or error per line, in a pipe and in a narrow terminal alike (soft_wrap), and ids or
# paths printed as they are: ":a:" in a path is not an emoji (emoji=False). Text from a corpus is
# printed with markup=False or as rich Text, never inside a markup string.
console = Console(highlight=False, soft_wrap=True, emoji=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (machine-readable output of a `--json` flag).

    A non-finite number is printed as null: ``NaN`` is not JSON, and a reader would fail on it.
    """
    text = json.dumps(_finite(obj), indent=2, sort_keys=False, default=float, allow_nan=False)
    sys.stdout.write(text + "\n")


def _finite(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float (numpy ones too) replaced by None."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if type(obj).__module__ == "numpy" and hasattr(obj, "tolist"):
        obj = obj.tolist()  # Python scalars or lists: numpy ints stay ints
        if isinstance(obj, list):
            return _finite(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def backend_option() -> Any:
    """``--backend torch|onnx``: what runs the model (Detector.load checks the name)."""
    return typer.Option(
        "torch", "--backend", help="What runs the model: torch, or onnx (ONNX Runtime)."
    )
