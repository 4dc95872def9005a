"""`spoofscope detect FILE...`: one verdict line per file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from spoofscope.cli.common import backend_option, console, err_console, print_json

if TYPE_CHECKING:
    from spoofscope.inference.detector import Detection


def verdict_line(det: Detection, name: str) -> str:
    """``verdict  p_spoof  most suspicious span  file  [flags]``, the line detect prints per file.

    Flags name what puts the verdict in context: loader quality flags, ``uncalibrated`` for a
    model without fitted calibration (its p_spoof is not a measured probability), and a warning
    about input narrower than the model's training band.
    """
    flags = list(det.quality)
    if not det.calibrated:
        flags.append("uncalibrated")
    flags += [w.split(":")[0] for w in det.warnings if not w.startswith("uncalibrated")]
    span = det.suspicious
    where = ""
    if span is not None and len(det.timeline) > 1:
        where = f"  most suspicious {span.start_s:.1f}-{span.end_s:.1f} s"
    line = f"{det.verdict:<10} p_spoof {det.p_spoof:5.3f}  score {det.score:+7.3f}{where}  {name}"
    return line + (f"  [{', '.join(flags)}]" if flags else "")


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
    window: float | None = typer.Option(
        None, "--window", help="Seconds per timeline window (default: the model's crop)."
    ),
    hop: float | None = typer.Option(
        None, "--hop", help="Seconds between windows (default: a whole window)."
    ),
    aggregate: str = typer.Option(
        "mean", "--aggregate", help="How window scores become the file's: mean, min or top-k."
    ),
    top_k: int = typer.Option(3, "--top-k", help="k of --aggregate top-k."),
    vad: bool = typer.Option(
        True, "--vad/--no-vad", help="Check for speech first (no-speech verdicts)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    backend: str = backend_option(),
) -> int:
    """Print a verdict (bonafide, spoof, uncertain, too-short, no-speech), p_spoof, score and the
    most suspicious window for each FILE.

    A file that cannot be used (unreadable, not audio, a FIFO or socket, NaN samples, too long, or
    a model score that is not finite) gets an error line and a ``failed`` entry in ``--json``; the
    others are still scored, and the exit code is 1 when any file failed. Scores are always
    finite, so ``--json`` is strict JSON (no NaN); it holds each file's timeline.
    """
    import warnings

    from spoofscope.audio.io import AudioQualityWarning
    from spoofscope.errors import AudioError
    from spoofscope.inference.detector import Detector

    # Quality flags (silent, clipped, rescaled) are printed on each file's line already.
    warnings.simplefilter("ignore", AudioQualityWarning)

    detector = Detector.load(
        model,
        backend=backend,
        uncertain_band=band,
        window_s=window,
        hop_s=hop,
        aggregate=aggregate,
        top_k=top_k,
        vad=vad,
    )
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
            console.print(verdict_line(det, str(path)), markup=False)
    if as_json:
        print_json({"model": model, "results": results, "failed": failed})
    elif len(files) > 1:
        console.print(f"{len(results)} scored, {len(failed)} failed", markup=False)
    return 1 if failed else 0


def attach(app: typer.Typer) -> None:
    app.command("detect")(detect)
