"""Copy a trained run's best checkpoint into the package as the default detector.

    python scripts/ship_default_model.py runs/default-lcnn

Writes spoofscope/data/default/{model.safetensors, card.json, README.md}. The card gains the input
channel the model was trained on (LocalSpoof is telephone-band audio, so the Detector band-limits
what it scores) and the provenance: the recipe, the command that reproduces it, the commit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "spoofscope" / "data" / "default"
RECIPE = "configs/default/lcnn-localspoof.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--channel", default="telephone")
    args = parser.parse_args()
    best = args.run / "best"
    card = json.loads((best / "card.json").read_text())
    config = yaml.safe_load((args.run / "config.yaml").read_text())
    summary_path = args.run / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    card["input"]["channel"] = args.channel
    card["provenance"] = {
        "recipe": RECIPE,
        "reproduce": [
            "spoofscope corpus build --out data/localspoof-full --size full --workers 2 --seed 0",
            f"spoofscope train --config {RECIPE} --out runs/default-lcnn",
            "python scripts/ship_default_model.py runs/default-lcnn",
        ],
        "commit": commit,
        "training_data": "LocalSpoof full, train split (train speakers; attacks L01, L02, L06); "
        "model selection on the dev split only",
        "name": config.get("name"),
        "training_seconds": summary.get("seconds"),
    }
    TARGET.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best / "model.safetensors", TARGET / "model.safetensors")
    (TARGET / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    dev_eer = card["training"]["dev_eer"]
    (TARGET / "README.md").write_text(
        f"# spoofscope default detector\n\n"
        f"{card['architecture']} ({card['parameters']:,} parameters) on "
        f"{card['input']['frontend']['name']} features, trained by `{RECIPE}` on LocalSpoof "
        f"(built offline from Debian recordings and local synthesizers). Dev EER "
        f"{100 * dev_eer:.2f}% at epoch {card['training']['epoch']}. Inputs are band-limited to "
        f"the telephone channel before scoring.\n\nReproduce:\n\n```\n"
        + "\n".join(card["provenance"]["reproduce"])
        + "\n```\n\nTraining data licences: see the LocalSpoof data card written by the build.\n"
    )
    print(f"shipped {best} -> {TARGET} (dev EER {100 * dev_eer:.2f}%)")


if __name__ == "__main__":
    main()
