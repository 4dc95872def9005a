"""`make demo`: the main job of spoofscope on its embedded default, step by step.

Each step is one CLI call, printed before it runs, so a reader can repeat any of them by hand.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPOOFSCOPE = [sys.executable, "-m", "spoofscope.cli.app"]


def step(title: str, *args: str) -> None:
    print(f"\n== {title}\n$ spoofscope {shlex.join(args)}", flush=True)
    subprocess.run([*SPOOFSCOPE, *args], check=True, cwd=REPO)


def main() -> None:
    step("What is installed", "info")
    step(
        "Metrics of a score file (EER, per-attack EER, classification report)",
        "metrics",
        "examples/example_scores.tsv",
    )


if __name__ == "__main__":
    main()
