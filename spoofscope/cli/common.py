"""Helpers shared by the command modules: JSON printing and the rich console."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)  # one result per line, even in a pipe
err_console = Console(stderr=True, highlight=False)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (machine-readable output of a `--json` flag)."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n")
