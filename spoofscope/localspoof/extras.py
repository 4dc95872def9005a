"""Extra training voices: the issue's smaller bona fide extras, rendered as a train-only add-on.

A build's train split holds four voices, one of them a man. A detector trained on it learns those
voices as much as the attacks: most of its dev and eval errors are unseen bona fide voices scored
as spoofs (docs/models.md, fourteenth round). KLettres ships twenty more voices, one per language
(:data:`spoofscope.localspoof.sources.EXTRA_VOICES`), speaking letters and syllables.

The add-on holds their recordings and one spoof mirroring each, planned by the build's rules
(:func:`spoofscope.localspoof.plan.plan_extras`) and rendered through the same telephone channel.
It goes to its own folder, laid out like a build (``localspoof.csv``, the train protocol,
``checksums.tsv``, a data card with the shortcut audit), and a recipe adds it with
``data.extra_train``. The build itself, and so its dev and eval splits, stay as they are.

The issue allows extras in training once they are shown clean: the add-on runs the same shortcut
audit as a build, and fails as a build does when a simple measure separates its classes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.audit import audit_corpus
from spoofscope.localspoof.card import write_card
from spoofscope.localspoof.layout import check_build_info
from spoofscope.localspoof.plan import SEEN_ATTACKS, attacks_by_split, plan_extras
from spoofscope.localspoof.rendering import BuildResult, render_and_record
from spoofscope.localspoof.sources import EXTRA_VOICES, discover

_INTRO = (
    "# LocalSpoof extra training voices\n\n"
    "A train-only add-on made by `spoofscope corpus extras`: KLettres' letters and syllables, one\n"
    "voice per language, and one spoof mirroring each, through LocalSpoof's telephone channel.\n"
    "A recipe adds it to a build's train split with `data.extra_train`."
)


def build_extras(
    out: str | Path,
    seen: list[str] | None = None,
    per_voice: int | None = None,
    workers: int = 1,
    seed: int = 0,
    progress: bool = True,
    run_audit: bool = True,
) -> BuildResult:
    """Render (or resume) the extra voices' training add-on into ``out``.

    Args:
        out: folder of the add-on (not a build's root).
        seen: attacks of the spoofs: those of the train split it joins (default the benchmark's;
            ``--seen all`` for the shipped model's data).
        per_voice: at most this many recordings of each voice (None: all 1,836).
        workers: render processes.
        seed: fixes every choice.
        progress: show a progress bar.
        run_audit: run the shortcut audit and write it into the data card.

    Raises:
        CorpusError: a missing source package or synthesizer (naming it), files that failed to
            render, or a failed shortcut audit.
        ConfigError: bad options, or ``out`` holds another add-on or a build.
    """
    start = time.perf_counter()
    seen_attacks = tuple(seen or SEEN_ATTACKS)
    names = attacks_by_split(None, seen_attacks)["train"]
    for attack_id in names:
        ATTACKS.get(attack_id)().check()
    jobs = plan_extras(discover(EXTRA_VOICES), seen_attacks, per_voice, seed)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {
        "extras": "klettres",
        "seen": list(names),
        "per_voice": per_voice,
        "seed": seed,
        "files": len(jobs),
    }
    check_build_info(root, info)
    result = render_and_record(root, jobs, workers, progress)
    if run_audit:
        result.audit = audit_corpus(root, workers=workers, progress=progress)
    write_card(
        root,
        result.jobs,
        result.audit,
        {"size": "extras", "seed": seed, "attacks": list(names), "seen": list(names)},
        unchanged=result.rendered == 0,
        voices=EXTRA_VOICES,
        intro=_INTRO,
    )
    result.seconds = time.perf_counter() - start
    if result.audit is not None:
        result.audit.raise_if_failed()
    return result
