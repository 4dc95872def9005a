"""Accuracy of detectors on a corpus split under channel conditions, as one table.

For each model and each channel (clean, or a codec of ``spoofscope.audio.channel``), scores the
split with ``spoofscope.evaluation.evaluate`` (outputs kept under ``--out``) and prints EER overall
and per attack, side by side, in Markdown:

    python benchmarks/accuracy.py --root data/localspoof-full --models default,aasist-19la \\
        --channels clean,mulaw,gsm,mp3 --out runs/accuracy
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from spoofscope.evaluation.evaluate import EvalOptions, evaluate


def run(
    models: list[str],
    channels: list[str],
    corpus: str,
    root: str,
    split: str,
    out: Path,
    max_files: int | None,
    crop: str,
) -> list[dict]:
    """Evaluate every (model, channel) pair; return one row of metrics each."""
    rows = []
    for model in models:
        for channel in channels:
            target = out / model.replace("/", "_") / channel
            if (target / "metrics.json").is_file():  # resumable: a finished condition is kept
                metrics = json.loads((target / "metrics.json").read_text())
            else:
                opts = EvalOptions(
                    crop=crop, max_files=max_files, channel=None if channel == "clean" else channel
                )
                started = time.perf_counter()
                metrics = evaluate(model, corpus, root, split, target, opts)
                metrics["wall_seconds"] = time.perf_counter() - started
            rows.append({**metrics, "model": model, "channel": channel})
            print(f"{model} / {channel}: EER {metrics['eer_percent']:.2f}%", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    """Markdown: one line per (model, channel), EER % overall and per attack."""
    attacks = sorted({a for r in rows for a in r["per_attack"]})
    head = ["model", "channel", "files", "EER %", *attacks]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["model"], r["channel"], str(r["n_files"]), f"{r['eer_percent']:.2f}"]
        cells += [
            f"{100 * r['per_attack'][a]:.2f}" if a in r["per_attack"] else "-" for a in attacks
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="default")
    parser.add_argument("--channels", default="clean,mulaw,gsm,mp3")
    parser.add_argument("--corpus", default="localspoof")
    parser.add_argument("--root", required=True)
    parser.add_argument("--split", default="eval")
    parser.add_argument("--out", type=Path, default=Path("runs/accuracy"))
    parser.add_argument("--max-files", type=int, default=None)
    parser.add_argument(
        "--crop",
        default="windows",
        help="windows: score as Detector.score does (the deployed figure)",
    )
    args = parser.parse_args(argv)
    rows = run(
        args.models.split(","),
        args.channels.split(","),
        args.corpus,
        args.root,
        args.split,
        args.out,
        args.max_files,
        args.crop,
    )
    text = table(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
