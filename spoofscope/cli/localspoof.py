"""`spoofscope corpus build`, `diff`, `audit` and `localise`: make LocalSpoof, compare two builds, audit
for shortcuts, measure how a timeline finds partial spoofs.

The commands join the `corpus` group defined in :mod:`spoofscope.cli.corpus`; that module attaches the
group to the root app, so :func:`attach` here has nothing left to do.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from spoofscope.cli.common import console, print_json
from spoofscope.cli.corpus import corpus_app
from spoofscope.errors import ConfigError

if TYPE_CHECKING:
    from spoofscope.localspoof.rendering import BuildResult


def _attack_list(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    return [a.strip().upper() for a in value.split(",") if a.strip()]


def _seen_list(value: str | None, protocol: str) -> list[str] | None:
    """``--seen``: ids, or ``all`` for every attack of ``protocol``."""
    if value is not None and value.strip().lower() == "all":
        from spoofscope.localspoof.protocols import PROTOCOLS

        return list(PROTOCOLS.get(protocol).attacks)
    return _attack_list(value)


def _print_audit(report, where: str = "") -> None:
    """The audit's table, then each split's (``where`` names the split in the title)."""
    from rich.table import Table

    table = Table(
        title=f"shortcut audit{where} ({report.n_bonafide} bona fide, {report.n_spoof} spoof)"
    )
    table.add_column("measure")
    table.add_column("EER", justify="right")
    table.add_column("verdict")
    for name, eer, verdict in report.table():
        table.add_row(
            name, f"{eer * 100:.1f}%", verdict if verdict == "ok" else f"[red]{verdict}[/]"
        )
    console.print(table)
    if not report.gated:
        console.print("[yellow]too few files a class to enforce the thresholds; reported only[/]")
    for split, part in report.splits.items():
        _print_audit(part, f", split {split}")


def _print_render(result: BuildResult, headline: str, digest: str = "digest") -> None:
    """What a render (a build, vocoded copies, the extras) did: counts, digest, audit, failures.

    Exits 1 when files failed; they were left out and are listed in ``failures.tsv``.
    """
    if result.damaged:
        shown = ", ".join(f"{u} ({why})" for u, why in result.damaged[:10])
        more = f" and {len(result.damaged) - 10} more" if len(result.damaged) > 10 else ""
        console.print(
            f"warning: {len(result.damaged)} damaged file(s) were rendered again: {shown}{more}",
            markup=False,
        )
    damaged = f", {len(result.damaged)} of them damaged" if result.damaged else ""
    console.print(
        f"{headline} ({result.rendered} rendered{damaged}, {result.skipped} already there) "
        f"in {result.seconds:.1f} s",
        markup=False,
    )
    console.print(f"{digest} {result.digest} (per file: checksums.tsv)", markup=False)
    if result.audit is not None:
        _print_audit(result.audit)
    if result.failures:
        for utt_id, why in result.failures[:10]:
            console.print(f"failed: {utt_id}: {why}", markup=False)
        console.print(
            f"{len(result.failures)} file(s) failed and were left out (see failures.tsv)",
            markup=False,
        )
        raise typer.Exit(1)


def build_command(
    out: str = typer.Option(..., "--out", "-o", help="Folder to build LocalSpoof into."),
    protocol: str | None = typer.Option(
        None,
        "--protocol",
        help="v4 (the default: v3 with L14, partial spoofs, seen in training), v3 (v2 with L13, "
        "PGHI phase reconstruction, seen in training), v2 "
        "(90 voices, 17 packages, L01-L12; eval sources and six attack families train never "
        "sees) or v1 (11 voices, attacks L01-L08; the earlier figures' data).",
    ),
    size: str = typer.Option("small", "--size", help="tiny (~60 files), small (~1,500) or full."),
    attacks: str | None = typer.Option(
        None,
        "--attacks",
        help="Comma-separated attack ids to build (default every attack of the protocol).",
    ),
    seen: str | None = typer.Option(
        None,
        "--seen",
        help="Attacks of train/dev: comma-separated ids or `all` (default the protocol's: "
        "v1 L01,L02,L06, v2 L01,L02,L04,L06,L08,L12, v3 v2's and L13, v4 v3's and L14; `all` is the "
        "data of a model to ship, "
        "eval speakers still unseen).",
    ),
    workers: int = typer.Option(
        max(1, (os.cpu_count() or 1)), "--workers", "-j", help="Render processes."
    ),
    seed: int = typer.Option(0, "--seed", help="Fixes every choice; same seed, same corpus."),
    no_audit: bool = typer.Option(False, "--no-audit", help="Skip the shortcut audit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Build (or resume) the LocalSpoof benchmark from Debian packages and local synthesizers."""
    from spoofscope.localspoof.build import build
    from spoofscope.localspoof.protocols import DEFAULT_PROTOCOL

    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    protocol = protocol or DEFAULT_PROTOCOL
    result = build(
        out,
        size=size,
        attacks=_attack_list(attacks),
        workers=workers,
        seed=seed,
        progress=not quiet,
        run_audit=not no_audit,
        seen=_seen_list(seen, protocol),
        protocol=protocol,
    )
    _print_render(
        result, f"LocalSpoof {protocol} at {result.root}: {len(result.jobs)} files", "corpus digest"
    )


def audit_command(
    root: str = typer.Option(..., "--root", "-r", help="Corpus root."),
    corpus: str = typer.Option(
        "localspoof", "--corpus", "-c", help="Only `localspoof` is audited."
    ),
    workers: int = typer.Option(1, "--workers", "-j", help="Processes measuring files."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Shortcut audit: EER of simple measures (length, silence, level, band, F0, language)."""
    from spoofscope.localspoof.audit import audit_corpus

    if corpus != "localspoof":
        raise ConfigError(f"--corpus {corpus}", "the shortcut audit reads `localspoof` corpora")
    report = audit_corpus(root, workers=workers, progress=not as_json)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_audit(report)
    report.raise_if_failed()


def diff_command(
    a: str = typer.Argument(..., help="First LocalSpoof build."),
    b: str = typer.Argument(..., help="Second LocalSpoof build."),
    workers: int = typer.Option(1, "--workers", "-j", help="Processes computing checksums."),
    show: int = typer.Option(10, "--show", help="Changed utterances to list by id."),
) -> None:
    """Compare two LocalSpoof builds file by file; exit 1 when their audio differs."""
    from rich.table import Table

    from spoofscope.localspoof.digest import compare_builds

    diff = compare_builds(a, b, workers=workers)
    table = Table(title=f"{a} against {b}")
    for name in ("split/attack", "same", "changed", "only in A", "only in B"):
        table.add_column(name, justify="left" if name == "split/attack" else "right")
    for group, *counts in diff.table():
        table.add_row(group, *(str(c) for c in counts))
    console.print(table)
    recipe = set(diff.recipe_changed)
    for utt_id in diff.changed[:show]:
        why = "manifest row differs" if utt_id in recipe else "same recipe, other samples"
        console.print(f"changed: {utt_id} ({why})", markup=False)
    console.print(
        f"{diff.same} same, {len(diff.changed)} changed ({len(recipe)} with another recipe), "
        f"{len(diff.only_a)} only in A, {len(diff.only_b)} only in B",
        markup=False,
    )
    if not diff.identical:
        raise typer.Exit(1)


def vocode_command(
    root: str = typer.Option(..., "--root", "-r", help="The LocalSpoof build to copy from."),
    out: str = typer.Option(..., "--out", "-o", help="Folder for the copies (not the build)."),
    attacks: str = typer.Option(
        "L06,L07,L08", "--attacks", help="Conversion attacks that make the copies, in turn."
    ),
    copies: int = typer.Option(1, "--copies", help="Conversions of each bona fide file."),
    split: str = typer.Option("train", "--split", help="Whose bona fide files are converted."),
    workers: int = typer.Option(
        max(1, (os.cpu_count() or 1)), "--workers", "-j", help="Render processes."
    ),
    seed: int = typer.Option(0, "--seed", help="Fixes every setting; same seed, same copies."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Vocoded copies of a build's bona fide files, as extra training spoofs (data.extra_train)."""
    from spoofscope.localspoof.vocoded import build_copies

    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    result = build_copies(
        root,
        out,
        _attack_list(attacks) or [],
        copies=copies,
        split=split,
        workers=workers,
        seed=seed,
        progress=not quiet,
    )
    _print_render(result, f"{len(result.jobs)} vocoded copies at {result.root}")


def extras_command(
    out: str = typer.Option(..., "--out", "-o", help="Folder for the add-on (not a build)."),
    seen: str | None = typer.Option(
        None,
        "--seen",
        help="Attacks of the spoofs: those of the build it joins (comma-separated ids or `all`; "
        "default L01,L02,L06).",
    ),
    per_voice: int | None = typer.Option(
        None, "--per-voice", help="At most this many recordings of each voice (default all)."
    ),
    workers: int = typer.Option(
        max(1, (os.cpu_count() or 1)), "--workers", "-j", help="Render processes."
    ),
    seed: int = typer.Option(0, "--seed", help="Fixes every choice; same seed, same add-on."),
    no_audit: bool = typer.Option(False, "--no-audit", help="Skip the shortcut audit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extra training voices (KLettres) and their spoofs, as a train-only add-on (data.extra_train)."""
    from spoofscope.localspoof.extras import build_extras

    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    result = build_extras(
        out,
        seen=_seen_list(seen, "v1"),  # the extras join a v1 build
        per_voice=per_voice,
        workers=workers,
        seed=seed,
        progress=not quiet,
        run_audit=not no_audit,
    )
    _print_render(result, f"{len(result.jobs)} extra training files at {result.root}")


def localise_command(
    root: str = typer.Option(..., "--root", "-r", help="A LocalSpoof build with partial spoofs."),
    model: str = typer.Option("default", "--model", "-m", help="Model to score with."),
    split: str = typer.Option("eval", "--split", help="Split whose partial spoofs are scored."),
    window: float = typer.Option(1.0, "--window", help="Seconds per timeline window."),
    hop: float = typer.Option(0.25, "--hop", help="Seconds between window starts."),
    out: str | None = typer.Option(
        None, "--out", "-o", help="Folder for localisation.tsv and localisation.json."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """How often the timeline's most suspicious window lies on a partial spoof's synthetic span."""
    import json
    from pathlib import Path

    from spoofscope.evaluation.localisation import by_duration, summarise, write_hits
    from spoofscope.inference.detector import Detector
    from spoofscope.localspoof.localisation import localise

    detector = Detector.load(model, window_s=window, hop_s=hop)
    hits, failed = localise(detector, root, split)
    pooled = summarise(hits)
    bands = by_duration(hits)
    summary = {"model": model, "split": split, "window_s": window, "hop_s": hop,
               "failed": len(failed), **pooled.to_dict(),
               "by_duration": {k: v.to_dict() for k, v in bands.items()}}  # fmt: skip
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        write_hits(str(folder / "localisation.tsv"), hits)
        (folder / "localisation.json").write_text(json.dumps(summary, indent=2) + "\n")
    if as_json:
        print_json(summary)
        return
    console.print(f"{pooled.files} partial spoofs of {split}, {window:g}-s windows every {hop:g} s",
                  markup=False)  # fmt: skip
    for name, figures in (("all", pooled), *bands.items()):
        low, high = figures.hit_interval
        auc = "n/a" if figures.auc is None else f"{figures.auc:.3f} over {figures.auc_files} files"
        console.print(
            f"  {name} ({figures.files} files): most suspicious window on the span "
            f"{figures.hit_rate:.1%} ({low:.1%}-{high:.1%}), chance {figures.chance_rate:.1%}; "
            f"within-file AUC {auc}",
            markup=False,
        )
    for line in failed:
        console.print(f"not scored: {line}", markup=False)


corpus_app.command("vocode")(vocode_command)


def attach(app: typer.Typer) -> None:
    """Add LocalSpoof's commands to the `corpus` group (which corpus.py attaches to ``app``).

    Registered here, not at import, so that importing this module has no effect on the CLI and
    every command joins it through the one ``attach`` path the app calls.
    """
    for name, command in (("build", build_command), ("extras", extras_command),
                          ("diff", diff_command), ("audit", audit_command),
                          ("localise", localise_command)):  # fmt: skip
        corpus_app.command(name)(command)
