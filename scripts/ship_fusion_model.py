"""Fuse trained detectors at score level, with everything fitted on dev scores, and ship the fusion.

    python scripts/ship_fusion_model.py \\
        --member runs/shipped-f0/best --dev-scores runs/eval-default-dev/scores.tsv \\
        --member runs/phase256/best --dev-scores runs/eval-phase256-dev/scores.tsv \\
        --name default

Each ``--dev-scores`` file is ``spoofscope evaluate --split dev --crop windows --channel telephone``
of its member: the Detector's windows (scores averaged) behind the fusion's input channel, so the
threshold and calibration are fitted on the scores ``Detector.score`` will give (``--crop`` names
another scoring when the dev files were made otherwise). From those scores alone: each member's
mean and standard deviation (both classes pooled), the weight (a 0.05 grid over ``[0, 1]`` for two
members, lowest dev EER, ties to the first), the threshold at the fused dev EER and the Platt
calibration. The eval split is never read. Writes the ``score-fusion`` checkpoint where
scripts/ship_default_model.py writes (``spoofscope/data/default`` or ``pretrained/NAME``);
``--dry-run`` prints the weights and the fused dev EER and writes nothing, to try a pair first.

``--unpack spoofscope/data/default --out runs/fusion-members`` writes a shipped fusion's members
as checkpoints of their own (``member0``, ``member1``, cards with their training records and
provenance), so a fusion can be refitted with a new member without the old run directories.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml
from ship_default_model import REPO, head_commit, ship_dir, training_data

from spoofscope.evaluation.metrics import compute_eer
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.models.base import load_checkpoint, read_card, save_checkpoint
from spoofscope.models.fusion import ScoreFusion, unpack_members
from spoofscope.training.calibration import fit_platt

GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
#: what each ``spoofscope evaluate --crop`` of the dev scores means, for the card
SCORING = {
    "windows": "the Detector's averaged windows",
    "full": "whole utterances",
}


def aligned_dev_scores(
    paths: list[Path], attacks: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Members' dev scores on their shared utterances → ``([members, N], labels [N], 1 = bona)``.

    ``attacks`` keeps bona fide and those attacks only: the dev a leave-attacks-out protocol
    allows (the members' own ``data.attacks``), so the fit never sees an attack held for eval.
    """
    sets = [read_scores(p) for p in paths]
    index = [dict(zip(s.utt_id, range(len(s.utt_id)), strict=True)) for s in sets]
    shared = sorted(set.intersection(*(set(i) for i in index)))
    if len(shared) != len(sets[0].utt_id):
        raise SystemExit(f"error: the dev score files share {len(shared)} utterances only")
    if attacks:
        head, at = sets[0], index[0]
        shared = [
            u for u in shared if head.key[at[u]] == "bonafide" or head.attack[at[u]] in attacks
        ]
    scores = np.stack([s.score[[i[u] for u in shared]] for s, i in zip(sets, index, strict=True)])
    labels = np.array([sets[0].key[index[0][u]] == "bonafide" for u in shared], dtype=np.int64)
    return scores, labels


def member_provenance(path: Path, card: dict) -> dict | None:
    """A member's provenance: its card's when that says how to reproduce it (a shipped model), else
    rebuilt from its run directory (``RUN/best`` beside ``RUN/config.yaml``), naming the configs/
    recipe of the same ``name``."""
    provenance = card.get("provenance") or {}
    if provenance.get("reproduce"):
        # the fusion ships its members: a member's own ship command would overwrite the fusion
        steps = [c for c in provenance["reproduce"] if not c.startswith("python scripts/ship_")]
        return {**provenance, "reproduce": steps}
    run = path.parent
    if not (run / "config.yaml").is_file():
        return None
    config = yaml.safe_load((run / "config.yaml").read_text())
    recipes = [
        p for p in sorted((REPO / "configs").rglob("*.yaml"))
        if (yaml.safe_load(p.read_text()) or {}).get("name") == config.get("name")
    ]  # fmt: skip
    recipe = str(recipes[0].relative_to(REPO)) if recipes else str(run / "config.yaml")
    data_text, build_command = training_data(
        Path(config["data"]["root"]), config["data"].get("attacks")
    )
    summary = json.loads((run / "summary.json").read_text())
    return {
        "recipe": recipe,
        "reproduce": [build_command, f"spoofscope train --config {recipe} --out {run}"],
        "training_data": data_text,
        "name": config.get("name"),
        "training_seconds": summary.get("seconds"),
    }


def member_channel(card: dict, channel: str) -> str:
    """The ``--channel`` option a member's dev scoring needs to sit behind ``channel``.

    Evaluation applies the member card's own ``input.channel`` after ``--channel``; a member that
    already carries the fusion's channel must not get it twice.
    """
    own = (card.get("input") or {}).get("channel")
    return "" if own == channel else f" --channel {channel}"


def fit_weights(z: np.ndarray, labels: np.ndarray) -> list[float]:
    """Weights of two standardised members ``z: [2, N]`` with the lowest dev EER."""
    if z.shape[0] != 2:
        raise SystemExit("error: the weight search fuses exactly two members")
    bona = labels == 1
    best_w, best_eer = 0.0, np.inf
    for w in GRID:
        fused = (1 - w) * z[0] + w * z[1]
        eer = compute_eer(fused[bona], fused[~bona]).eer
        if eer < best_eer - 1e-12:
            best_w, best_eer = float(w), eer
    return [round(1 - best_w, 2), best_w]  # the grid is in hundredths: no 0.15000000000000002


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--unpack",
        type=Path,
        help="write the members of this fusion checkpoint under --out as checkpoints, and stop",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/fusion-members"))
    parser.add_argument("--member", type=Path, action="append", default=[])
    parser.add_argument("--dev-scores", type=Path, action="append", default=[])
    parser.add_argument("--name", default="default", help="default, or a pretrained name")
    parser.add_argument("--channel", default="telephone")
    parser.add_argument(
        "--crop",
        default="windows",
        choices=list(SCORING),
        help="how the --dev-scores were scored (spoofscope evaluate --crop)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the fitted weights and dev EER, write nothing"
    )
    parser.add_argument(
        "--dev-root",
        default="data/localspoof-full-allseen",
        help="the corpus the dev scores came from",
    )
    args = parser.parse_args()
    if args.unpack:
        for path in unpack_members(args.unpack, args.out):
            print(path)
        return
    if not args.member or len(args.member) != len(args.dev_scores):
        raise SystemExit("error: give one --dev-scores per --member, in the same order")

    cards = [read_card(m).to_dict() for m in args.member]
    for card, path in zip(cards, args.member, strict=True):
        card["provenance"] = member_provenance(path, card)
    crops = {int(c["input"]["crop_samples"]) for c in cards}
    if len(crops) != 1:
        raise SystemExit(f"error: the members were trained on different crops {sorted(crops)}")
    protocols = {tuple((c.get("training") or {}).get("attacks") or ()) for c in cards}
    if len(protocols) != 1:
        raise SystemExit("error: the members were trained on different data.attacks")
    attacks = list(protocols.pop()) or None
    scores, labels = aligned_dev_scores(args.dev_scores, attacks)
    fitted_on = f"dev split, {SCORING[args.crop]}" + (
        f", bona fide and {', '.join(attacks)} only" if attacks else ""
    )
    means, stds = scores.mean(axis=1), scores.std(axis=1)
    z = (scores - means[:, None]) / stds[:, None]
    weights = fit_weights(z, labels)
    if args.dry_run:
        fused = np.asarray(weights) @ z
        eer = compute_eer(fused[labels == 1], fused[labels == 0]).eer
        print(f"weights {weights}: dev EER {100 * eer:.2f}% (dry run, nothing written)")
        return
    fusion = ScoreFusion(
        members=[{"architecture": c["architecture"], "config": c["config"]} for c in cards],
        weights=weights,
        means=means.tolist(),
        stds=stds.tolist(),
        crop_samples=crops.pop(),
    )
    for member, path in zip(fusion.members, args.member, strict=True):
        member.load_state_dict(load_checkpoint(path).state_dict())
    fused = np.asarray(weights) @ z
    bona = labels == 1
    eer = compute_eer(fused[bona], fused[~bona])
    command = "python scripts/ship_fusion_model.py " + " ".join(
        f"--member {m} --dev-scores {d}" for m, d in zip(args.member, args.dev_scores, strict=True)
    )
    if args.dev_root != parser.get_default("dev_root"):
        # the card's evaluate commands name the root, so its re-run must too
        command += f" --dev-root {args.dev_root}"
    target = ship_dir(args.name)
    save_checkpoint(
        fusion.eval(),
        target,
        input={**fusion.card()["input"], "channel": args.channel},
        threshold=float(eer.threshold),
        calibration=fit_platt(fused, labels),
        training={
            "fitted_on": f"{fitted_on} (spoofscope evaluate --crop {args.crop})",
            "n_dev": len(labels),
            "dev_eer": float(eer.eer),
            "members": [c.get("training") for c in cards],
        },
        provenance={
            "members": [c.get("provenance") for c in cards],
            "reproduce": [
                *(f"spoofscope evaluate --model {m} --corpus localspoof --root {args.dev_root} "
                  f"--split dev --crop {args.crop}{member_channel(c, args.channel)} --out {d.parent}"
                  for m, d, c in zip(args.member, args.dev_scores, cards, strict=True)),
                f"{command} --name {args.name}",
            ],
            "commit": head_commit(),
            "training_data": "; ".join(
                dict.fromkeys((c.get("provenance") or {}).get("training_data", "?") for c in cards)
            ),
            "training_seconds": sum(
                (c.get("provenance") or {}).get("training_seconds") or 0.0 for c in cards
            ),
        },
    )  # fmt: skip
    card = read_card(target).to_dict()
    names = ", ".join(f"{c['architecture']} on {c['config'].get('frontend')}" for c in cards)
    (target / "README.md").write_text(
        f"# spoofscope detector `{args.name}`\n\n"
        f"Score fusion of {names} ({card['parameters']:,} parameters in all), weights "
        f"{[round(w, 2) for w in weights]} on dev-standardised scores, all fitted on the LocalSpoof "
        f"{fitted_on}: dev EER {100 * eer.eer:.2f}%. Each member's card entry "
        "under `provenance.members` gives the commands that trained it. Inputs are band-limited "
        "to the telephone channel before scoring.\n\nReproduce the fusion:\n\n```\n"
        + "\n".join(card["provenance"]["reproduce"])
        + "\n```\n\nTraining data licences: see the LocalSpoof data card written by the build.\n"
    )
    print(
        f"fused {len(cards)} members, weights {weights}: dev EER {100 * eer.eer:.2f}% -> {target}"
    )


if __name__ == "__main__":
    main()
