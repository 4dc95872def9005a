"""Build LocalSpoof: plan from the seed, render in parallel, write protocols, audit, data card.

The build resumes what its folder holds (:mod:`spoofscope.localspoof.rendering` says how), and
the folder's layout is :mod:`spoofscope.localspoof.layout`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.audit import audit_corpus
from spoofscope.localspoof.card import write_card
from spoofscope.localspoof.layout import check_build_info
from spoofscope.localspoof.plan import SEEN_ATTACKS, attacks_by_split, plan
from spoofscope.localspoof.protocols import DEFAULT_PROTOCOL, PROTOCOLS, UNNAMED_PROTOCOL
from spoofscope.localspoof.rendering import BuildResult, render_and_record
from spoofscope.localspoof.sources import discover


def build(
    out: str | Path,
    size: str = "small",
    attacks: list[str] | None = None,
    workers: int = 1,
    seed: int = 0,
    progress: bool = True,
    on_written: Callable[[str], None] | None = None,
    run_audit: bool = True,
    seen: list[str] | None = None,
    protocol: str = DEFAULT_PROTOCOL,
) -> BuildResult:
    """Build (or resume) LocalSpoof into ``out``.

    Args:
        out: corpus root to create.
        size: "tiny" (~60 files), "small" (~1,500) or "full" (every usable source file).
        attacks: attack ids to build (default all); train/dev keep only the seen ones.
        workers: render processes (1 renders in this process).
        seed: fixes the plan, the settings and the noise of every file.
        progress: show a rich progress bar.
        on_written: called with each finished utt_id in the parent (a test hook that may raise to
            interrupt the build).
        run_audit: run the shortcut audit and write it into the data card.
        seen: attacks of train and dev (default the protocol's own seen attacks).
        protocol: the voices and attacks to draw from (:data:`~spoofscope.localspoof.protocols.PROTOCOLS`).

    Returns:
        a :class:`BuildResult`.

    Raises:
        CorpusError: for a missing source or synthesizer package (naming it), for files that
            failed to render, or when the shortcut audit fails.
        ConfigError: for bad options or a folder holding another build.
        UnknownNameError: for an unknown protocol.
    """
    root = Path(out)
    spec = PROTOCOLS.get(protocol)
    seen_attacks = tuple(seen or spec.seen)
    chosen = sorted(
        {
            a
            for names in attacks_by_split(attacks, seen_attacks, spec.attacks).values()
            for a in names
        }
    )
    for attack_id in chosen:
        ATTACKS.get(attack_id)().check()
    start = time.perf_counter()
    jobs = plan(
        discover(spec.voices),
        size=size,
        attacks=chosen,
        seed=seed,
        seen=seen_attacks,
        pool=spec.attacks,
    )
    root.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "protocol": protocol,
        "size": size,
        "attacks": chosen,
        "seed": seed,
        "files": len(jobs),
    }
    if seen_attacks != SEEN_ATTACKS:  # builds made before --seen existed have no such key
        info["seen"] = list(seen_attacks)
    check_build_info(root, info, implied={"protocol": UNNAMED_PROTOCOL})
    result = render_and_record(root, jobs, workers, progress, on_written)
    kept = result.jobs
    if run_audit:
        result.audit = audit_corpus(root, workers=workers, progress=progress)
    result.seconds = time.perf_counter() - start
    write_card(
        root,
        kept,
        result.audit,
        {
            "protocol": protocol,
            "size": size,
            "seed": seed,
            "attacks": chosen,
            "seen": list(seen_attacks),
        },
        unchanged=result.rendered == 0,
        voices=spec.voices,
    )
    if result.audit is not None:
        result.audit.raise_if_failed()
    return result
