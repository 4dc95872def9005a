"""`spoofscope score PATHS...`: score files and folders into one score file, resumably."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from spoofscope.cli.common import console, err_console


@contextlib.contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar with files/s and ETA on stderr.

    Drawn only on a terminal: in a pipe or a log the bar's redraws would be noise, and the
    summary line says what was done.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
    )
    task = bar.add_task(what, total=None, rate="")

    def update(done: int, total: int) -> None:
        speed = bar.tasks[0].speed
        rate = f"{speed:.1f} files/s" if speed else ""
        bar.update(task, completed=done, total=total, rate=rate)

    with bar:
        yield update


def score(
    paths: list[Path] = typer.Argument(..., help="Audio files and folders of audio files."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into sub-folders."),
    model: str = typer.Option(
        "default", "--model", help="default, a pretrained name, a checkpoint or run directory."
    ),
    out: Path = typer.Option(
        Path("scores.tsv"),
        "--out",
        help="Output file: .tsv, .csv or .jsonl for --format spoofscope.",
    ),
    fmt: str = typer.Option(
        "spoofscope",
        "--format",
        help="spoofscope (every field of each detection, and errors), asvspoof2019, "
        "asvspoof2021 or asvspoof5 (the official score files; failures in OUT.failures.tsv).",
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Worker processes of one thread each (default: one per core)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue an interrupted run from OUT.partial (else start one)."
    ),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or ray."),
    address: str | None = typer.Option(
        None, "--address", help="Ray cluster address (default: a local Ray instance)."
    ),
    max_seconds: float = typer.Option(
        600.0, "--max-seconds", help="Longest recording accepted (inf: no limit)."
    ),
) -> int:
    """Score every audio file of PATHS with MODEL and write one row per file to OUT.

    Rows come in the order of PATHS (each folder's files sorted), whatever order workers finish
    in. A file that cannot be used gets a row with its reason in the error column and the run
    goes on; the exit code is then 1. A run that is killed can be continued with --resume: the
    files already scored are not scored again, and OUT is the file an uninterrupted run writes.
    """
    from spoofscope.inference.batch import score_files

    with progress_bar("scoring") as progress:
        summary = score_files(
            paths,
            out,
            model=model,
            fmt=fmt,
            recursive=recursive,
            workers=workers,
            engine=engine,
            address=address,
            resume=resume,
            max_seconds=max_seconds,
            progress=progress,
        )
    resumed = f" ({summary.resumed} from the interrupted run)" if summary.resumed else ""
    console.print(
        f"{summary.scored} scored, {summary.failed} failed{resumed} → "
        + ", ".join(map(str, summary.written)),
        markup=False,
    )
    return 1 if summary.failed else 0


def attach(app: typer.Typer) -> None:
    app.command("score")(score)
