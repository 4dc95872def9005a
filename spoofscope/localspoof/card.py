"""The data card (``README.md``) of a LocalSpoof build: sources, licences, attacks, counts, audit."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from spoofscope.localspoof.atomic import write_text_atomic
from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.chain import __doc__ as CHAIN_DOC
from spoofscope.localspoof.plan import Job
from spoofscope.localspoof.sources import SPLITS, VOICES, Voice, licence


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


_BUILD_INTRO = (
    "# LocalSpoof\n\n"
    "An offline anti-spoofing benchmark built by `spoofscope corpus build` from real recordings\n"
    "shipped by Debian packages and from local synthesizers and vocoders. Laid out like ASVspoof\n"
    "2019 LA; `localspoof.csv` holds the full manifest."
)


def _protocol_words(params: dict[str, Any]) -> str:
    """``protocol `v2`, `` for a build that names its protocol; nothing for an add-on."""
    return f"protocol `{params['protocol']}`, " if params.get("protocol") else ""


AUDIT_HEADING = "## Shortcut audit"
AUDIT_NOT_RUN = "Not run for this build."


def card_text(
    jobs: list[Job],
    audit: Any,
    params: dict[str, Any],
    voices: tuple[Voice, ...] = VOICES,
    intro: str = _BUILD_INTRO,
) -> str:
    """The Markdown data card of ``jobs`` made with options ``params``, and its audit report.

    ``audit`` is the report (anything with ``markdown()``), its Markdown already written, or None.

    ``voices`` and ``intro`` describe what was built: a build by default, or an add-on such as
    :mod:`spoofscope.localspoof.extras`.
    """
    parts = [
        intro,
        "",
        f"Build options: {_protocol_words(params)}size `{params['size']}`, "
        f"seed `{params['seed']}`, "
        f"attacks {', '.join(params['attacks'])}; "
        f"train and dev see {', '.join(params.get('seen') or ['L01', 'L02', 'L06'])}.",
        "",
        "## Bona fide sources",
        "",
    ]
    rows = []
    for v in voices:
        for c in v.collections:
            rows.append(
                [v.speaker, v.name, v.gender, v.split, c.language, c.package, licence(c.package)]
            )
    parts += [
        _table(["speaker", "voice", "gender", "split", "language", "package", "licence"], rows)
    ]
    parts += ["", "## Attacks", ""]
    rows = []
    for attack_id in params["attacks"]:
        attack = ATTACKS.get(attack_id)
        pkgs = ", ".join(f"{r.package} ({r.installer})" for r in attack.requires) or "-"
        splits = sorted({j.split for j in jobs if j.attack == attack_id}, key=SPLITS.index)
        apt = [r.package for r in attack.requires if r.installer == "apt"]
        lic = "; ".join(f"{p}: {licence(p)}" for p in apt) or "-"
        rows.append([attack_id, attack.title, attack.synthesizer, pkgs, ", ".join(splits), lic])
    parts += [_table(["id", "attack", "synthesizer", "packages", "splits", "licence"], rows)]
    parts += [
        "",
        "## Channel",
        "",
        (CHAIN_DOC or "").strip(),
        "",
        "## Counts per split and attack",
        "",
    ]
    attacks = ["-", *params["attacks"]]
    counts = Counter((j.split, j.attack) for j in jobs)
    rows = [
        [s, *[counts[(s, a)] for a in attacks], sum(counts[(s, a)] for a in attacks)]
        for s in SPLITS
    ]
    parts += [_table(["split", "bona fide", *params["attacks"], "total"], rows)]
    parts += ["", "## Counts per split, speaker and key", ""]
    by_speaker = Counter((j.split, j.speaker, j.key) for j in jobs)
    speakers = sorted(
        {(j.split, j.speaker) for j in jobs}, key=lambda x: (SPLITS.index(x[0]), x[1])
    )
    rows = [
        [s, spk, by_speaker[(s, spk, "bonafide")], by_speaker[(s, spk, "spoof")]]
        for s, spk in speakers
    ]
    parts += [_table(["split", "speaker", "bona fide", "spoof"], rows)]
    gender = Counter((j.split, j.key, j.gender) for j in jobs)
    rows = [
        [s, k, gender[(s, k, "female")], gender[(s, k, "male")]]
        for s in SPLITS
        for k in ("bonafide", "spoof")
    ]
    parts += ["", "## Voices by gender", "", _table(["split", "key", "female", "male"], rows)]
    parts += ["", AUDIT_HEADING, ""]
    parts += [audit.markdown() if hasattr(audit, "markdown") else audit or AUDIT_NOT_RUN]
    return "\n".join(parts) + "\n"


def previous_audit(path: Path) -> str | None:
    """The audit section of the data card at ``path`` (its Markdown), or None if none was run."""
    if not path.is_file():
        return None
    _, found, section = path.read_text(encoding="utf-8").partition(f"\n{AUDIT_HEADING}\n\n")
    section = section.strip()
    return section if found and section and section != AUDIT_NOT_RUN else None


def write_card(
    root: Path,
    jobs: list[Job],
    audit: Any,
    params: dict[str, Any],
    unchanged: bool = False,
    **kw: Any,
) -> Path:
    """Write ``README.md`` at ``root`` atomically; return its path (``kw``: see :func:`card_text`).

    ``unchanged`` says this pass rendered no file: without a new ``audit`` the card then keeps
    the audit it already holds, which still describes the same audio (a re-run with
    ``--no-audit`` must not erase it). After any file was rendered, an old audit is stale.
    """
    path = Path(root) / "README.md"
    if audit is None and unchanged:
        audit = previous_audit(path)
    write_text_atomic(path, card_text(jobs, audit, params, **kw))
    return path
