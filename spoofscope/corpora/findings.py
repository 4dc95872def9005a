"""What `corpus check` reports: typed findings and the report that collects them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Every kind of finding, in the order a report lists them.
FINDING_KINDS = (
    "absent_partition",  # a protocol file or audio folder of the release is not there
    "malformed_line",  # a protocol line that does not parse (file:line)
    "unknown_label",  # a key / label spelling the release does not use (file:line)
    "duplicate_id",  # an utterance id listed twice (file:line of each)
    "missing_audio",  # a listed utterance whose audio file does not exist
    "extra_audio",  # an audio file no protocol lists
    "count_mismatch",  # a split × key count that differs from the published one
)

#: How many ids / places a finding names before it only counts.
FIRST_N = 10


@dataclass(frozen=True)
class Finding:
    """One problem found in a corpus tree.

    Attributes:
        kind: one of :data:`FINDING_KINDS`.
        message: one sentence a user can act on.
        count: how many items the finding covers (files, lines, ids).
        ids: the first few utterance ids or file names concerned.
        where: ``file:line`` places (or file / folder paths) concerned, first few.
    """

    kind: str
    message: str
    count: int = 1
    ids: tuple[str, ...] = ()
    where: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"unknown finding kind '{self.kind}'")


def place(path: object, line: int | None = None) -> str:
    """``file:line`` (or just the file) as findings print it."""
    return f"{path}:{line}" if line is not None else str(path)


@dataclass
class CheckReport:
    """The result of checking one corpus root.

    Attributes:
        corpus: recipe name.
        root: the folder checked.
        counts: ``{split: {"bonafide": n, "spoof": n}}`` of the utterances read.
        findings: every problem found, ordered by kind.
        notes: things worth knowing that are not problems (absent optional companion files).
    """

    corpus: str
    root: str
    counts: dict[str, dict[str, int]]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: corpus, root, ok, counts, findings (list of dicts)."""
        return {
            "corpus": self.corpus,
            "root": self.root,
            "ok": self.ok,
            "counts": self.counts,
            "findings": [
                {**asdict(f), "ids": list(f.ids), "where": list(f.where)} for f in self.findings
            ],
            "notes": list(self.notes),
        }
