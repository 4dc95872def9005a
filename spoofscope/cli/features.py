"""`spoofscope features`: list the front-ends with their parameters, and fill the feature cache."""

from __future__ import annotations

import json
from typing import Any

import typer

from spoofscope.cli.common import console, print_json
from spoofscope.errors import ConfigError

features_app = typer.Typer(
    help="Front-ends: list them (--list) or extract a corpus into the feature cache.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def frontend_parameters() -> dict[str, dict[str, Any]]:
    """Every registered front-end → {parameter: default} (``sample_rate`` first)."""
    from spoofscope.features import FRONTENDS

    return {name: {"sample_rate": 16000, **cls.defaults} for name, cls in FRONTENDS.items()}


def parse_params(items: list[str]) -> dict[str, Any]:
    """``["n_mfcc=13", "keep=[1,2]", "window=hann"]`` → dict; values are JSON when they parse.

    Raises:
        ConfigError: an item has no ``=``.
    """
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {item}", "expected KEY=VALUE")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@features_app.callback()
def features(
    ctx: typer.Context,
    list_: bool = typer.Option(
        False, "--list", help="List front-ends with parameters and defaults."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --list: print one JSON object."),
) -> None:
    """Front-ends: list them (--list) or extract a corpus into the feature cache."""
    if not list_:
        if ctx.invoked_subcommand is None:
            console.print(ctx.get_help())
        return
    table = frontend_parameters()
    if as_json:
        print_json(table)
    else:
        for name, params in table.items():
            console.print(f"[bold]{name}[/bold]")
            for key, default in params.items():
                console.print(f"  {key:<18} {json.dumps(default, default=str)}")
    raise typer.Exit(0)


@features_app.command("extract")
def extract(
    frontend: str = typer.Option(..., "--frontend", help="Front-end name (see --list)."),
    corpus: str = typer.Option(..., "--corpus", help="Corpus recipe name (see `spoofscope info`)."),
    root: str = typer.Option(..., "--root", help="Corpus root folder."),
    out: str = typer.Option(..., "--out", help="Feature cache folder."),
    param: list[str] = typer.Option([], "--param", help="Front-end parameter KEY=VALUE (repeat)."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="Files per batch (default: extract's measured best)."
    ),
    max_gb: float = typer.Option(0.0, "--max-gb", min=0.0, help="Cache size cap (0 = no cap)."),
) -> None:
    """Compute the features of every file of a corpus into the cache; report files per second.

    Interrupted (Ctrl-C, exit 130), the entries written so far are kept and the same command
    resumes, ending with the cache an uninterrupted run writes.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from spoofscope.corpora import CORPORA
    from spoofscope.features import build_frontend
    from spoofscope.features.cache import FeatureCache
    from spoofscope.features.extract import EXTRACT_BATCH, extract_to_cache

    module = build_frontend(frontend, **parse_params(param)).eval()
    manifest = CORPORA.get(corpus)().prepare(root)
    cache = FeatureCache(out, max_bytes=int(max_gb * 1e9) if max_gb else None)
    paths = [utt.path for utt in manifest]
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        progress.advance(task, n)

    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"{frontend} features", total=len(paths))
        try:
            report = extract_to_cache(module, paths, cache, batch_size or EXTRACT_BATCH, advance)
        except KeyboardInterrupt:
            # Every entry written so far is complete (atomic writes), so the same command resumes.
            console.print(
                f"interrupted after {done} of {len(paths)} files; the same command resumes",
                soft_wrap=True,
                markup=False,
            )
            raise typer.Exit(130) from None
    for path, why in report.failed:
        console.print(f"failed: {path}: {why}", soft_wrap=True, markup=False)
    damaged = f" ({report.damaged} over damaged entries)" if report.damaged else ""
    counts = [f"{report.computed} computed{damaged}", f"{report.cached} already cached"]
    if report.duplicates:
        counts.append(f"{report.duplicates} with the same bytes as a file before them")
    counts.append(f"{len(report.failed)} failed")
    console.print(
        f"{', '.join(counts)} in {report.seconds:.1f} s ({report.files_per_second:.1f} files/s)"
        f" → {cache.root}",
        soft_wrap=True,
        markup=False,
    )
    if report.failed:
        raise typer.Exit(1)


def attach(app: typer.Typer) -> None:
    app.add_typer(features_app, name="features")
