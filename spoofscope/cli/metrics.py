"""`spoofscope metrics`: EER, min t-DCF, per-attack EER and a classification report from a score file;
`spoofscope compare`: whether one system's EER is lower than another's on the same trials."""

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


def compare(
    scores_a: Path = typer.Argument(..., help="Score file of system A (project TSV)."),
    scores_b: Path = typer.Argument(..., help="Score file of system B, on the same trials."),
    by: str = typer.Option(
        "trial", "--by", help="Resampling unit: trial, or speaker (voices, then their trials)."
    ),
    resamples: int = typer.Option(1000, "--resamples", min=10, help="Bootstrap resamples."),
    seed: int = typer.Option(0, "--seed", help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    html: Path | None = typer.Option(
        None, "--html", help="Also write a page: DET curves overlaid, per-attack differences."
    ),
) -> None:
    """Paired bootstrap of EER(A) - EER(B) over the trials both files score (negative: A errs less)."""
    import numpy as np

    from spoofscope.errors import ScoreFileError
    from spoofscope.evaluation.bootstrap import Resampling, compare_eer
    from spoofscope.evaluation.scorefile import read_scores

    a, b = read_scores(scores_a), read_scores(scores_b)
    rows_b = {u: i for i, u in enumerate(b.utt_id)}
    if set(rows_b) != set(a.utt_id):
        shared = len(set(rows_b) & set(a.utt_id))
        raise ScoreFileError(
            scores_b, None, f"scores {len(b)} trials, {scores_a} {len(a)}; {shared} shared"
        )
    order = [rows_b[u] for u in a.utt_id]
    if any(a.key[i] != b.key[j] for i, j in enumerate(order)):
        raise ScoreFileError(scores_b, None, f"its keys disagree with those of {scores_a}")
    how = Resampling(unit=by, n_resamples=resamples, seed=seed)  # type: ignore[arg-type]
    aligned = np.asarray(b.score)[order]
    result = compare_eer(a.score, aligned, np.asarray(a.key) == "bonafide", a.speaker, how)
    if html is not None:
        from spoofscope.evaluation.comparison_report import write_comparison

        names = (str(scores_a), str(scores_b))
        write_comparison(html, names, np.asarray(a.score), aligned, a.key, a.attack, result, how)
    if as_json:
        print_json(result.to_dict())
        return
    d = result.difference
    console.print(
        f"EER A {100 * result.eer_a:.2f}%  B {100 * result.eer_b:.2f}%  "
        f"A - B {100 * d.estimate:+.2f} points, {100 * d.level:.0f}% interval "
        f"[{100 * d.low:+.2f}, {100 * d.high:+.2f}] by {d.unit} ({d.n_resamples} resamples), "
        f"p = {result.p_value:.3f}",
        markup=False,
    )


def attach(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
    app.command("compare")(compare)
