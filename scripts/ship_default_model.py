"""Copy a trained run's best checkpoint into the package as a shipped detector.

    python scripts/ship_default_model.py runs/default-lcnn-shipped \
        --recipe configs/default/lcnn-localspoof-shipped.yaml
    python scripts/ship_default_model.py runs/default-lcnn \
        --recipe configs/default/lcnn-localspoof.yaml --name lcnn-localspoof-benchmark

``--name default`` (the default) writes spoofscope/data/default/, what ``Detector.load("default")``
reads; another name writes spoofscope/data/pretrained/NAME/ (register it in
``spoofscope.models.pretrained.PRETRAINED``). The card gains the input channel the model was
trained on (LocalSpoof is telephone-band audio, so the Detector band-limits what it scores) and the
provenance: the recipe, the commands that reproduce it, the attacks it saw, the commit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "spoofscope" / "data"


def head_commit() -> str:
    """The short hash of the commit a shipped model is built at."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()


def ship_dir(name: str) -> Path:
    """Where a shipped model named ``name`` lives: ``data/default`` or ``data/pretrained/NAME``."""
    return DATA / "default" if name == "default" else DATA / "pretrained" / name


def training_data(root: Path, attacks: list[str] | None = None) -> tuple[str, str]:
    """A sentence on what the model learnt from, and the `corpus build` command of ``root``.

    ``attacks`` is the recipe's ``data.attacks`` (a protocol that keeps fewer attacks than the
    build's train split holds); None means every attack the build put in train.
    """
    from spoofscope.localspoof.protocols import PROTOCOLS, UNNAMED_PROTOCOL

    info = json.loads((root / "build.json").read_text())
    # the command names the protocol, so it rebuilds the same corpus whatever the default is
    protocol = PROTOCOLS.get(info.get("protocol", UNNAMED_PROTOCOL))
    built = info.get("seen", list(protocol.seen))
    seen = [a for a in built if a in attacks] if attacks else built
    flag = " --seen all" if set(built) == set(protocol.attacks) else ""
    command = (
        f"spoofscope corpus build --out {root} --protocol {protocol.name} "
        f"--size {info['size']}{flag} --workers 2 --seed {info['seed']}"
    )
    text = (
        f"LocalSpoof {protocol.name} {info['size']}, train split (train speakers; attacks "
        f"{', '.join(seen)}); model selection on the dev split only"
    )
    return text, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--recipe", required=True, help="the recipe the run was trained from")
    parser.add_argument("--name", default="default", help="default, or a pretrained name")
    parser.add_argument("--channel", default="telephone")
    args = parser.parse_args()
    best = args.run / "best"
    card = json.loads((best / "card.json").read_text())
    config = yaml.safe_load((args.run / "config.yaml").read_text())
    summary_path = args.run / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    commit = head_commit()
    data_text, build_command = training_data(
        Path(config["data"]["root"]), config["data"].get("attacks")
    )
    card["input"]["channel"] = args.channel
    card["provenance"] = {
        "recipe": args.recipe,
        "reproduce": [
            build_command,
            f"spoofscope train --config {args.recipe} --out {args.run}",
            f"python scripts/ship_default_model.py {args.run} --recipe {args.recipe} "
            f"--name {args.name}",
        ],
        "commit": commit,
        "training_data": data_text,
        "name": config.get("name"),
        "training_seconds": summary.get("seconds"),
    }
    target = ship_dir(args.name)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best / "model.safetensors", target / "model.safetensors")
    (target / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    dev_eer = card["training"]["dev_eer"]
    (target / "README.md").write_text(
        f"# spoofscope detector `{args.name}`\n\n"
        f"{card['architecture']} ({card['parameters']:,} parameters) on "
        f"{card['input']['frontend']['name']} features, trained by `{args.recipe}` on "
        f"{data_text} (LocalSpoof is built offline from Debian recordings and local "
        f"synthesizers). Dev EER {100 * dev_eer:.2f}% at epoch {card['training']['epoch']}. "
        f"Inputs are band-limited to the telephone channel before scoring.\n\nReproduce:\n\n```\n"
        + "\n".join(card["provenance"]["reproduce"])
        + "\n```\n\nTraining data licences: see the LocalSpoof data card written by the build.\n"
    )
    print(f"shipped {best} -> {target} (dev EER {100 * dev_eer:.2f}%)")


if __name__ == "__main__":
    main()
