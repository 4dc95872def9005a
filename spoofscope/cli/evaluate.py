"""`spoofscope evaluate`: score a corpus split with a model; write scores, metrics and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from spoofscope.cli.common import console, err_console, print_json


def evaluate(
    model: str = typer.Option(
        ..., "--model", help="Run dir, checkpoint dir, 'default', or a named pretrained model."
    ),
    corpus: str = typer.Option(..., "--corpus", help="Corpus recipe name (asvspoof2019-la, ...)."),
    root: Path = typer.Option(..., "--root", help="Corpus root folder."),
    split: str | None = typer.Option(
        None, "--split", help="Split to score (default: the recipe's eval.split, else eval)."
    ),
    out: Path = typer.Option(..., "--out", help="Output directory."),
    max_files: int | None = typer.Option(None, "--max-files", help="Score a seeded subset."),
    crop: str | None = typer.Option(
        None,
        "--crop",
        help="windows (averaged windows, as detect does), first, centre or full (whole "
        "utterance); default: the recipe's eval.crop, else windows.",
    ),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Files per forward pass."),
    channel: str | None = typer.Option(
        None,
        "--channel",
        help="Pass every file through a codec first (mulaw, alaw, gsm, mp3, opus).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print metrics.json to stdout."),
) -> None:
    """Score SPLIT of CORPUS at ROOT with MODEL; write OUT/{scores.tsv,metrics.json,report.html}."""
    from spoofscope.errors import CorpusError

    if not root.exists():
        raise CorpusError(root, "corpus root does not exist")
    from spoofscope.evaluation.evaluate import EvalOptions, recipe_eval_defaults
    from spoofscope.evaluation.evaluate import evaluate as run

    opts = EvalOptions.for_model(
        model, crop=crop, batch_size=batch_size, max_files=max_files, channel=channel
    )
    split = split or recipe_eval_defaults(model).get("split") or "eval"
    from spoofscope.cli.score import progress_bar

    with progress_bar(f"scoring {corpus} {split}") as progress:
        metrics = run(model, corpus, root, split, out, opts, progress=progress)
    if metrics["skipped_lines"]:
        err_console.print(
            f"warning: {metrics['skipped_lines']} protocol line(s) left out "
            f"(spoofscope corpus check --corpus {corpus} --root {root} lists them)",
            markup=False,
        )
    if metrics["failed_files"]:
        err_console.print(
            f"warning: {metrics['failed_files']} file(s) could not be scored; "
            f"their reasons are in {out}/failures.tsv",
            markup=False,
        )
    if as_json:
        print_json(metrics)
    else:
        _summary(metrics, out)
    if metrics["failed_files"]:
        raise typer.Exit(1)


def _summary(metrics: dict[str, Any], out: Path) -> None:
    """The headline figures and the EER of each attack, one line each."""
    tdcf = metrics.get("min_tdcf")
    console.print(
        f"{metrics['n_files']} files: EER {metrics['eer_percent']:.2f}%"
        + ("" if tdcf is None else f", min t-DCF {tdcf:.4f}")
        + f" → {out}/report.html",
        markup=False,
    )
    for attack, eer in metrics["per_attack"].items():
        console.print(f"  {attack}: EER {100 * eer:.2f}%", markup=False)
    from spoofscope.evaluation.groups import text_lines

    for line in text_lines(metrics):
        console.print(line, markup=False)


def attach(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
