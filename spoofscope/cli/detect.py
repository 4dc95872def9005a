"""`spoofscope detect FILE...`: one verdict line per file."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import console, err_console, print_json


def detect(
    files: list[Path] = typer.Argument(..., help="Audio files to check."),
    model: str = typer.Option(
        "default", "--model", help="default, a pretrained name, a checkpoint or run directory."
    ),
    band: float = typer.Option(
        0.1, "--uncertain-band", help="Half-width in probability of the 'uncertain' band."
    ),
    max_seconds: float = typer.Option(
        600.0,
        "--max-seconds",
        help="Longest recording accepted (inf: no limit). Files over a minute are scored in "
        "blocks, so a higher limit costs time, not memory.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> int:
    """Print a verdict (bonafide, spoof, uncertain, too-short), score and p_spoof for each FILE.

    A file that cannot be used (unreadable, not audio, a FIFO or socket, NaN samples, too long, or
    a model score that is not finite) gets an error line and a ``failed`` entry in ``--json``; the
    others are still scored, and the exit code is 1 when any file failed. Scores are always
    finite, so ``--json`` is strict JSON (no NaN).
    """
    from spoofscope.errors import AudioError
    from spoofscope.inference.detector import Detector

    detector = Detector.load(model, uncertain_band=band)
    results, failed = [], []
    for path in files:
        try:
            det = detector.score(path, max_seconds=max_seconds)
        except AudioError as exc:
            failed.append({"file": str(path), "error": str(exc)})
            if not as_json:
                err_console.print(f"error: {exc}", markup=False)
            continue
        results.append(det.to_dict())
        if not as_json:
            flags = f"  [{', '.join(det.quality)}]" if det.quality else ""
            console.print(
                f"{det.verdict:<10} score {det.score:+8.3f}  p_spoof {det.p_spoof:6.3f}  "
                f"{path}{flags}",
                markup=False,
            )
    if as_json:
        print_json({"model": model, "results": results, "failed": failed})
    elif len(files) > 1:
        console.print(f"{len(results)} scored, {len(failed)} failed", markup=False)
    return 1 if failed else 0


def attach(app: typer.Typer) -> None:
    app.command("detect")(detect)
