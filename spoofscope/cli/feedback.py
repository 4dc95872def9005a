"""`spoofscope feedback export`: corrected recordings from the audit log, as a folder corpus."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import console

feedback_app = typer.Typer(help="Feedback stored by `spoofscope serve`.", no_args_is_help=True)


@feedback_app.command("export")
def export(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL of the audit database."),
    out: Path = typer.Option(..., "--out", help="New folder to write the corpus into."),
) -> int:
    """Write recordings people labelled (and the server kept) as ``real/`` and ``fake/`` folders
    that ``spoofscope train`` reads with the ``folder`` recipe. Exit 1 when feedback was left out."""
    from spoofscope.serving.feedback import export_feedback

    summary = export_feedback(db, out)
    for request_id, why in summary.left_out.items():
        console.print(f"left out {request_id}: {why}", markup=False)
    written = ", ".join(f"{n} {label}" for label, n in summary.written.items())
    console.print(f"wrote {written} to {out}; {len(summary.left_out)} left out", markup=False)
    return 1 if summary.left_out else 0


def attach(app: typer.Typer) -> None:
    app.add_typer(feedback_app, name="feedback")
