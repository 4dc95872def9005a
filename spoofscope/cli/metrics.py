"""`spoofscope metrics`: EER, min t-DCF, per-attack EER and a classification report from a score file."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import console, print_json


def metrics(
    scores: Path = typer.Argument(
        ..., help="Score file: project TSV or an official ASVspoof format."
    ),
    asv_scores: Path | None = typer.Option(
        None, "--asv-scores", help="ASVspoof 2019 ASV scores (source key score) for min t-DCF."
    ),
    keys: Path | None = typer.Option(
        None, "--keys", help="Keys/metadata file for score formats without labels."
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Decision threshold for the report (default: the EER threshold)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Compute metrics from SCORES (higher score = more bona fide)."""
    from spoofscope.evaluation import metrics as m
    from spoofscope.evaluation.scorefile import read_asv_scores, read_scores
    from spoofscope.evaluation.text_report import render

    trials = read_scores(scores, keys_file=keys)
    if any(not k for k in trials.key):
        from spoofscope.errors import ScoreFileError

        raise ScoreFileError(scores, None, "trials have no keys; pass --keys")
    asv = None
    if asv_scores is not None:
        groups = read_asv_scores(asv_scores)
        asv = m.asv_error_rates(groups["target"], groups["nontarget"], groups["spoof"])
    summary = m.summarize(trials.score, trials.key, trials.attack, threshold=threshold, asv=asv)
    if as_json:
        print_json(summary.to_dict())
    else:
        console.print(render(summary, title=f"metrics for {scores}"), markup=False)


def attach(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
