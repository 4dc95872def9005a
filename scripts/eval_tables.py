"""Markdown tables of several ``spoofscope evaluate`` outputs side by side, one row per run.

    python scripts/eval_tables.py runs/eval-default-clean runs/eval-default-mulaw ...

Each argument is an ``evaluate --out`` folder (its ``metrics.json``); a row is labelled with the
model and the channel it was scored through. Four tables, the columns docs/models.md reports:
EER overall (with its 95% trial interval) and per attack, unseen attacks first; per bona fide
source, the share of its files rejected at the split's EER threshold (and, in brackets, that
source's EER against all spoofs); per seconds of speech; and below / above 1 s of speech.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def label(m: dict) -> str:
    spec = Path(m["model"]["spec"])
    name = spec.parent.name if spec.name in ("best", "last") else spec.name  # a run's checkpoint
    return f"{name} / {m['data']['channel']}"


def attack_table(runs: list[dict]) -> list[str]:
    attacks = runs[0]["attacks"]
    order = [a for a in attacks if not a["seen"]] + [a for a in attacks if a["seen"]]
    head = [f"{a['attack']}{'' if a['seen'] else '*'}" for a in order]
    lines = [
        "| model / channel | EER % (95% trial interval) | " + " | ".join(head) + " |",
        "|---|---|" + "---:|" * len(head),
    ]
    for m in runs:
        ci = m["eer_ci"]["trial"]
        by = {a["attack"]: a["eer"] for a in m["attacks"]}
        cells = [pct(by.get(a["attack"])) for a in order]
        lines.append(
            f"| {label(m)} | {100 * m['eer']:.2f} ({pct(ci['low'])}–{pct(ci['high'])}) | "
            + " | ".join(cells)
            + " |"
        )
    return lines


def source_table(runs: list[dict]) -> list[str]:
    sources = sorted(runs[0]["per_source"])
    head = [f"{s} ({runs[0]['per_source'][s]['n_bonafide']})" for s in sources]
    lines = ["| model / channel | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for m in runs:
        cells = [
            f"{pct(m['per_source'][s]['bonafide_rejected'])} "
            f"({pct(m['per_source'][s]['eer_against_all_spoofs'])})"
            for s in sources
        ]
        lines.append(f"| {label(m)} | " + " | ".join(cells) + " |")
    return lines


def band_table(runs: list[dict], key: str) -> list[str]:
    bands = runs[0][key]
    head = [f"{b['band']} ({b['n_bonafide']}+{b['n_spoof']})" for b in bands]
    lines = ["| model / channel | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for m in runs:
        lines.append(f"| {label(m)} | " + " | ".join(pct(b["eer"]) for b in m[key]) + " |")
    return lines


def unseen_means(m: dict) -> tuple[float, float]:
    """Mean EER over the unseen attacks and mean bona fide rejection over the sources."""
    unseen = [a["eer"] for a in m["attacks"] if not a["seen"] and a["eer"] is not None]
    rejected = [s["bonafide_rejected"] for s in m["per_source"].values()]
    return sum(unseen) / len(unseen), sum(rejected) / len(rejected)


def rule_table(runs: list[dict]) -> list[str]:
    lines = [
        "| model / channel | mean unseen-attack EER % | mean source rejection % |",
        "|---|---:|---:|",
    ]
    for m in runs:
        attacks, sources = unseen_means(m)
        lines.append(f"| {label(m)} | {pct(attacks)} | {pct(sources)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="evaluate --out folders")
    args = parser.parse_args()
    runs = [json.loads((r / "metrics.json").read_text()) for r in args.runs]
    print("EER % overall and per attack (* unseen in train):\n")
    print("\n".join(attack_table(runs)))
    print("\nBona fide sources: % rejected at the EER threshold (source EER vs all spoofs):\n")
    print("\n".join(source_table(runs)))
    print("\nEER % by seconds of speech:\n")
    print("\n".join(band_table(runs, "per_speech_duration")))
    print("\nEER % below and above 1 s of speech:\n")
    print("\n".join(band_table(runs, "short_speech")))
    print("\nThe shipping rule's means:\n")
    print("\n".join(rule_table(runs)))


if __name__ == "__main__":
    main()
