"""`make demo`: spoofscope's main job on its embedded default, LocalSpoof, step by step.

1. build LocalSpoof tiny, the default protocol (real Debian recordings and local synthesizers; resumes on a
   second run),
2. train a small LFCC-LCNN on its train split for about a minute,
3. evaluate it on the eval split (unseen attacks included) and write report.html,
4. score one bona fide and one spoofed eval file with the model the package ships.

Each step is one CLI call, printed before it runs, so a reader can repeat any of them by hand.
Outputs go to .cache/demo/ (ignored by git).
"""

from __future__ import annotations

import csv
import json
import shlex
import subprocess
import sys
from pathlib import Path

from spoofscope.localspoof.protocols import DEFAULT_PROTOCOL

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / ".cache" / "demo"
# The protocol in the names: a folder made while another protocol was the default holds a build
# this one refuses to resume into
CORPUS = OUT / f"localspoof-{DEFAULT_PROTOCOL}-tiny"
RUN = OUT / f"run-lfcc-lcnn-{DEFAULT_PROTOCOL}"
EVAL = OUT / f"eval-{DEFAULT_PROTOCOL}"
#: what the console script runs: the CLI under spoofscope's malloc settings (spoofscope.allocator)
LAUNCHER = "spoofscope.cli.launch"


def step(title: str, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    """Run one CLI call; stop the demo unless its exit code is in ``ok``."""
    shown = [a.replace(str(REPO) + "/", "") for a in args]
    print(f"\n== {title}\n$ spoofscope {shlex.join(shown)}", flush=True)
    code = subprocess.run([sys.executable, "-m", LAUNCHER, *args], cwd=REPO).returncode
    if code not in ok:
        raise SystemExit(f"demo: step '{title}' failed with exit code {code}")


def eval_split() -> tuple[list[dict[str, str]], set[str]]:
    """The tiny build's eval rows, and the attacks of its train and dev splits (``build.json``)."""
    with open(CORPUS / "localspoof.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "eval"]
    return rows, set(json.loads((CORPUS / "build.json").read_text())["seen"])


def unseen_attacks() -> list[str]:
    """The eval split's attacks that train never holds."""
    rows, seen = eval_split()
    return sorted({r["attack"] for r in rows if r["key"] == "spoof"} - seen)


def example_files() -> list[str]:
    """One bona fide and one spoof file of the eval split (the spoof from an unseen attack)."""
    rows, seen = eval_split()
    bona = next(r for r in rows if r["key"] == "bonafide")
    spoof = next(r for r in rows if r["key"] == "spoof" and r["attack"] not in seen)
    return [str(CORPUS / bona["path"]), str(CORPUS / spoof["path"])]


def main() -> None:
    step("What is installed", "info")
    # Exit code 1 means a synthesizer failed on a few texts, which are listed and left out.
    step(
        f"Build LocalSpoof tiny (protocol {DEFAULT_PROTOCOL})",
        "corpus",
        "build",
        "--out",
        str(CORPUS),
        "--size",
        "tiny",
        "--protocol",
        DEFAULT_PROTOCOL,
        ok=(0, 1),
    )
    step("Check it reads as a released corpus", "corpus", "check", "--corpus", "localspoof",
         "--root", str(CORPUS))  # fmt: skip
    if (RUN / "summary.json").is_file():
        print(f"\n== Train: {RUN.relative_to(REPO)} already holds a trained model; skipping")
    else:
        # tiny's train split is 16 files: batches of 8 and no early stop give 200 steps (~40 s on
        # two cores). The recipe's patience of 3 stopped it after 4 steps, at chance on eval.
        step(
            "Train a small LFCC-LCNN for about a minute",
            "train", "--config", "lfcc-lcnn-localspoof",
            "--set", f"data.root={CORPUS}", "--set", "train.epochs=100",
            "--set", "train.early_stopping.patience=null", "--set", "data.batch_size=8",
            # a run cut short before its summary starts again from scratch
            "--out", str(RUN), "--overwrite",
        )  # fmt: skip
    step(
        f"Evaluate on the eval split (attacks {', '.join(unseen_attacks())} unseen in training)",
        "evaluate", "--model", str(RUN), "--corpus", "localspoof", "--root", str(CORPUS),
        "--split", "eval", "--out", str(EVAL),
    )  # fmt: skip
    print(f"\nreport: {EVAL / 'report.html'}")
    step("Score two files with the model spoofscope ships", "detect", *example_files())


if __name__ == "__main__":
    main()
