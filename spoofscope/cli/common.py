"""Helpers shared by the command modules: JSON printing and the rich console."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

# One result or error per line, in a pipe and in a narrow terminal alike (soft_wrap), and ids or
# paths printed as they are: ":a:" in a path is not an emoji (emoji=False). Text from a corpus is
# printed with markup=False or as rich Text, never inside a markup string.
console = Console(highlight=False, soft_wrap=True, emoji=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (machine-readable output of a `--json` flag)."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n")
