"""`spoofscope train`: train a YAML recipe into a run directory (also under torchrun)."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import err_console, print_json


def train(
    config: Path = typer.Option(
        ...,
        "--config",
        help="A YAML recipe file, or the name of a recipe shipped with spoofscope "
        "(`spoofscope recipes list`).",
    ),
    out: Path = typer.Option(..., "--out", help="Run directory to write."),
    overrides: list[str] = typer.Option(
        [],
        "--set",
        help="Override a value: section.key=value, read as YAML; repeatable. A mapping merges "
        "into the recipe's ({drop: [1]} keeps its other keys); section.key!=value replaces it "
        "whole; lists always replace.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from RUN_DIR/last."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the run already in --out (refused without it)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Train the recipe CONFIG into OUT: checkpoints, metrics log, dev scores and curves."""
    from spoofscope.training.config import load_config

    # Validation first: a bad recipe fails here, before torch is imported.
    cfg = load_config(config, overrides)

    from spoofscope.inference.device import pick_device
    from spoofscope.training.distributed import init_distributed, shutdown
    from spoofscope.training.trainer import Trainer

    info = init_distributed(pick_device(cfg.train.device, key="train.device").type)
    try:
        trainer = Trainer(cfg, out, info=info, console=err_console, progress=not quiet)
        result = trainer.fit(resume=resume, overwrite=overwrite)
    finally:
        shutdown(info)
    if not info.is_main:
        return
    summary = {
        "run_dir": str(result.run_dir),
        "best_epoch": result.best_epoch,
        "dev_eer": result.dev_eer,
        "epochs": result.epochs,
        "steps": result.steps,
        "seconds": result.seconds,
    }
    if as_json:
        print_json(summary)
    else:
        eer = "n/a" if result.dev_eer is None else f"{100 * result.dev_eer:.2f}%"
        err_console.print(
            f"trained {result.epochs} epoch(s), {result.steps} step(s) in {result.seconds:.1f}s; "
            f"best epoch {result.best_epoch}, dev EER {eer} → {result.run_dir}",
            markup=False,
        )


def attach(app: typer.Typer) -> None:
    app.command("train")(train)
