"""`spoofscope corpus`: check a corpus release and print its statistics.

The sub-app :data:`corpus_app` is importable, so another module's ``attach(app)`` can add
commands to it (cli/localspoof.py adds ``build``, ``extras``, ``diff`` and ``audit``).
"""

from __future__ import annotations

import typer
from rich.text import Text

from spoofscope.cli.common import console, print_json

corpus_app = typer.Typer(
    name="corpus",
    help="Read, check and describe anti-spoofing corpora as released.",
    no_args_is_help=True,
)

CORPUS_OPT = typer.Option(..., "--corpus", "-c", help="Recipe name (see `spoofscope info`).")
ROOT_OPT = typer.Option(..., "--root", "-r", help="Folder the release was unpacked into.")


def _recipe(name: str):
    from spoofscope.corpora import CORPORA

    return CORPORA.get(name)()


@corpus_app.command("check")
def check(
    corpus: str = CORPUS_OPT,
    root: str = ROOT_OPT,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when anything is found."),
    skip_counts: bool = typer.Option(
        False, "--skip-counts", help="Do not compare with the published counts."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Report absent partitions, bad protocol lines, duplicates, missing/extra audio, counts."""
    report = _recipe(corpus).check(root, compare_counts=not skip_counts)
    if as_json:
        print_json(report.to_dict())
    else:
        # Ids, paths and messages come from the corpus: styled pieces are Text, never markup.
        console.print(Text.assemble((report.corpus, "bold"), f" at {report.root}"))
        for split, counts in report.counts.items():
            console.print(
                f"  {split}: {counts['bonafide']} bona fide, {counts['spoof']} spoof", markup=False
            )
        if report.ok:
            console.print("no findings")
        for finding in report.findings:
            console.print(Text.assemble((finding.kind, "yellow"), f": {finding.message}"))
            for where in finding.where:
                console.print(f"    {where}", markup=False)
        for note in report.notes:
            console.print(f"note: {note}", markup=False)
        console.print(f"{len(report.findings)} finding(s)")
    if strict and not report.ok:
        raise typer.Exit(1)


@corpus_app.command("stats")
def stats(
    corpus: str = CORPUS_OPT,
    root: str = ROOT_OPT,
    split: str | None = typer.Option(None, "--split", "-s", help="Only this split."),
    with_durations: bool = typer.Option(
        False, "--durations", help="Read audio headers for total/mean duration (cached)."
    ),
    workers: int = typer.Option(8, "--workers", help="Threads reading headers."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Per split: bona fide and spoof counts, speakers, per-attack counts, durations."""
    from rich.progress import Progress

    from spoofscope.corpora.stats import add_durations, durations, split_stats

    manifest = _recipe(corpus).prepare(root)
    if split is not None:
        manifest = manifest.filter(split=split)
    result = split_stats(manifest)
    result["corpus"] = corpus
    failed: list[str] = []
    if with_durations:
        paths = [u.path for u in manifest]
        with Progress(console=console, transient=True, disable=as_json) as progress:
            task = progress.add_task("reading headers", total=len(paths))
            seconds, failed = durations(
                paths, workers=workers, on_done=lambda n: progress.advance(task, n)
            )
        add_durations(result, manifest, seconds)
        result["unreadable"] = failed
    if as_json:
        print_json(result)
    else:
        _print_stats(result)
    if failed:
        raise typer.Exit(1)


def _print_stats(result: dict) -> None:
    from rich.table import Table

    table = Table(title=Text(result["corpus"]))
    columns = ["split", "bonafide", "spoof", "speakers", "attacks"]
    timed = any("duration_total_s" in s for s in result["splits"].values())
    if timed:
        columns += ["hours", "mean s"]
    for name in columns:
        table.add_column(name)
    for split, s in result["splits"].items():
        attacks = ", ".join(f"{a}:{n}" for a, n in s["attacks"].items()) or "-"
        row = [split, str(s["bonafide"]), str(s["spoof"]), str(s["speakers"]), attacks]
        if timed:
            row += [f"{s['duration_total_s'] / 3600:.2f}", f"{s['duration_mean_s']:.2f}"]
        table.add_row(*map(Text, row))  # a str cell would be read as markup
    console.print(table)
    for path in result.get("unreadable", []):
        console.print(Text.assemble(("unreadable", "red"), f": {path}"))


def attach(app: typer.Typer) -> None:
    """Add the `corpus` command group to the root app."""
    app.add_typer(corpus_app, name="corpus")
