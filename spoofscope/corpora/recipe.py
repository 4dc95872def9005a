"""The corpus recipe contract: ``prepare(root) -> Manifest`` and ``check(root) -> CheckReport``.

A recipe reads a release from its root folder exactly as distributed. ``prepare`` reads whatever
partitions are there and skips lines it cannot parse; ``check`` reads the same way and reports every
problem (absent partitions, malformed lines with file:line, unknown labels, duplicate ids, missing and
extra audio, differences from the published counts) as findings instead of failing.

Two families share the work: :class:`ProtocolRecipe` (partitions described by protocol files and a
:class:`~spoofscope.corpora.protocol.Columns` layout) and folder recipes that override :meth:`scan`.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import ClassVar

from spoofscope.corpora.findings import FINDING_KINDS, FIRST_N, CheckReport, Finding
from spoofscope.corpora.manifest import Manifest, Utterance
from spoofscope.corpora.protocol import Columns, Issue, read_protocol
from spoofscope.errors import CorpusError

AUDIO_EXTS = (".flac", ".wav", ".mp3", ".ogg", ".m4a", ".opus")
TOTAL = "total"  # published_counts key meaning "bona fide + spoof"


def per_split(table: Mapping[str, tuple[int, int]]) -> dict[tuple[str, str], int]:
    """``{split: (bona fide, spoof)}`` → the ``{(split, key): n}`` form of ``published_counts``."""
    out = {}
    for split, (bonafide, spoof) in table.items():
        out[(split, "bonafide")] = bonafide
        out[(split, "spoof")] = spoof
    return out


@dataclass
class Scan:
    """What a recipe found under a root before any audio is opened.

    Attributes:
        utterances: every utterance read.
        issues: raw problems (absent partitions, malformed lines, unknown labels, duplicates).
        audio_dirs: folders whose audio files should all be listed (for the extra-file check).
        listed: utterances come from protocol files, so a listed file can be missing.
        recognised: something of the release was found (else ``prepare`` raises CorpusError).
        expected: paths the recipe looked for, named in the CorpusError when nothing is there.
    """

    utterances: list[Utterance] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    audio_dirs: list[Path] = field(default_factory=list)
    listed: bool = True
    recognised: bool = False
    expected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def absent(self, what: str, path: Path) -> None:
        """Record an absent partition (a protocol file or an audio folder)."""
        self.issues.append(Issue("absent_partition", str(path), None, "", what))


def existing_root(path: Path, allow_file: bool = False) -> Path:
    """``path`` if it is a folder (or, when allowed, a file), else raise CorpusError."""
    if not path.exists():
        raise CorpusError(path, "corpus root does not exist")
    if not path.is_dir() and not allow_file:
        raise CorpusError(path, "corpus root is not a directory")
    return path


def audio_files(folder: Path, exts: Iterable[str] = AUDIO_EXTS) -> Iterator[str]:
    """Paths (as strings) of audio files at any depth below ``folder``, in sorted order."""
    exts = tuple(exts)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(exts) and not name.startswith("."):
                yield os.path.join(dirpath, name)


class Recipe(abc.ABC):
    """Base of every corpus recipe.

    Class attributes:
        name: the registry name (``asvspoof2019-la``).
        published_counts: ``{(split, key): n}`` from the release's documentation, key being
            "bonafide", "spoof" or "total"; only figures checked against a public source.
        audio_exts: extensions of the release's audio files (for the extra-file check).
        root_may_be_file: the root may be a file (a CSV listing the corpus) rather than a folder.
    """

    name: ClassVar[str]
    published_counts: ClassVar[Mapping[tuple[str, str], int]] = {}
    audio_exts: ClassVar[tuple[str, ...]] = AUDIO_EXTS
    root_may_be_file: ClassVar[bool] = False

    @abc.abstractmethod
    def scan(self, root: Path) -> Scan:
        """Read everything recognisable under ``root`` (an existing path); never raise per line."""

    def prepare(self, root: str | PathLike[str]) -> Manifest:
        """Read the release under ``root`` into a manifest, leaving out lines that do not parse
        (:meth:`read` also returns them as findings).

        Raises:
            CorpusError: ``root`` does not exist, or nothing of this release is there.
        """
        return self.read(root)[0]

    def read(self, root: str | PathLike[str]) -> tuple[Manifest, list[Finding]]:
        """The manifest of the release under ``root``, and a finding for every group of
        protocol lines left out of it (malformed, unknown label, repeated id): nothing is
        skipped without a count a caller can report.

        Raises:
            CorpusError: ``root`` does not exist, or nothing of this release is there.
        """
        root = existing_root(Path(root), self.root_may_be_file)
        scan = self.scan(root)
        if not scan.recognised:
            looked = ", ".join(scan.expected[:6]) or "its files"
            raise CorpusError(root, f"no {self.name} release found (looked for {looked})")
        return Manifest(scan.utterances), _group_issues(scan.issues)

    def check(self, root: str | PathLike[str], compare_counts: bool = True) -> CheckReport:
        """Report every problem of the release under ``root`` as findings.

        Args:
            root: the corpus root.
            compare_counts: also compare per split × key counts with :attr:`published_counts`.

        Raises:
            CorpusError: ``root`` does not exist (anything else becomes a finding).
        """
        root = existing_root(Path(root), self.root_may_be_file)
        scan = self.scan(root)
        manifest = Manifest(scan.utterances)
        findings = _group_issues(scan.issues)
        if not scan.recognised:
            findings.append(
                Finding(
                    "absent_partition",
                    f"nothing of {self.name} found under {root}",
                    where=tuple(scan.expected[:FIRST_N]),
                )
            )
        if scan.listed:
            findings.extend(_missing_audio(scan.utterances))
        findings.extend(_extra_audio(scan, self.audio_exts))
        if compare_counts:
            findings.extend(self._count_findings(manifest))
        order = {k: i for i, k in enumerate(FINDING_KINDS)}
        findings.sort(key=lambda f: order[f.kind])
        return CheckReport(self.name, str(root), manifest.counts(), findings, notes=scan.notes)

    def _count_findings(self, manifest: Manifest) -> list[Finding]:
        counts = manifest.counts()
        out = []
        for (split, key), published in self.published_counts.items():
            if split not in counts:
                continue  # an absent split is already an absent_partition finding
            found = sum(counts[split].values()) if key == TOTAL else counts[split][key]
            if found != published:
                out.append(
                    Finding(
                        "count_mismatch",
                        f"{split} {key}: {found} read, {published} published",
                        count=abs(published - found),
                        ids=(f"{split}/{key}",),
                    )
                )
        return out


_MESSAGES = {
    "absent_partition": "{detail} not found",
    "malformed_line": "{count} line(s) do not parse",
    "unknown_label": "{count} line(s) carry a label this release does not use ({detail})",
    "duplicate_id": "{count} utterance id(s) listed again ({detail})",
}


def _group_issues(issues: list[Issue]) -> list[Finding]:
    """One finding per (kind, file), naming the first few ids and file:line places."""
    groups: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        groups.setdefault((issue.kind, issue.file), []).append(issue)
    out = []
    for (kind, file), group in groups.items():
        first = group[0]
        message = _MESSAGES[kind].format(count=len(group), detail=first.detail)
        places = tuple(
            file if i.line is None else f"{file}:{i.line}" + (f" ({i.detail})" if i.detail else "")
            for i in group[:FIRST_N]
        )
        ids = tuple(i.utt_id for i in group[:FIRST_N] if i.utt_id)
        out.append(Finding(kind, f"{file}: {message}", count=len(group), ids=ids, where=places))
    return out


def _missing_audio(utterances: list[Utterance]) -> list[Finding]:
    missing = [u for u in utterances if not os.path.isfile(u.path)]
    if not missing:
        return []
    return [
        Finding(
            "missing_audio",
            f"{len(missing)} listed utterance(s) have no audio file",
            count=len(missing),
            ids=tuple(u.utt_id for u in missing[:FIRST_N]),
            where=tuple(u.path for u in missing[:FIRST_N]),
        )
    ]


def _extra_audio(scan: Scan, exts: tuple[str, ...]) -> list[Finding]:
    listed = {os.path.normpath(u.path) for u in scan.utterances}
    extra = [
        path
        for folder in scan.audio_dirs
        for path in audio_files(folder, exts)
        if os.path.normpath(path) not in listed
    ]
    if not extra:
        return []
    return [
        Finding(
            "extra_audio",
            f"{len(extra)} audio file(s) are not listed in any protocol",
            count=len(extra),
            ids=tuple(os.path.basename(p) for p in extra[:FIRST_N]),
            where=tuple(extra[:FIRST_N]),
        )
    ]


@dataclass(frozen=True)
class Partition:
    """One protocol file of a release and the folder of its audio.

    Attributes:
        split: split name given to its utterances (a "split" column overrides it).
        protocol: candidate paths of the protocol file, relative to the release folder; the first
            that exists is read (releases moved files between versions or unpackings).
        audio_dir: folder of its audio, relative to the release folder; None when the protocol
            gives each file's path (then no folder is searched for unlisted files).
        ext: audio extension appended to utterance ids.
        id_prefix: prepended to ids where a release reuses ids across partitions.
        extra: fields added to the ``extra`` of each of its utterances.
    """

    split: str
    protocol: tuple[str, ...]
    audio_dir: str | None
    ext: str = ".flac"
    id_prefix: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


class ProtocolRecipe(Recipe):
    """A recipe whose release lists utterances in protocol files.

    Class attributes:
        columns: the protocol layout shared by every partition.
        partitions: the partitions of a full release.
        optional_files: ``{what: relative path}`` of companion files (ASV protocols, score files)
            that ``check`` notes when absent (a note, not a finding); :meth:`companions` returns the
            present ones.
        release_dirs: candidate folders (relative to the root given) that hold the release; the
            first holding any protocol is used, so a user may name the folder or its parent.
    """

    columns: ClassVar[Columns]
    partitions: ClassVar[tuple[Partition, ...]]
    optional_files: ClassVar[Mapping[str, str]] = {}
    release_dirs: ClassVar[tuple[str, ...]] = ("",)

    def release_dir(self, root: Path) -> Path:
        """The folder that holds the release: ``root`` or one of :attr:`release_dirs` under it,
        or ``root``'s parent when ``root`` is itself a folder of the release.

        The last case lets a user name ``LA/`` for ASVspoof 2019 LA, as the official AASIST
        configuration does (``database_path: ./LA/``), as well as the folder holding it; or
        ``ASVspoof2021_LA_eval/`` for 2021 when its keys sit beside it.
        """
        candidates = [root / rel for rel in self.release_dirs]
        if root.name in self._top_folders():
            candidates += [root.parent / rel for rel in self.release_dirs]
        for base in candidates:
            if any((base / p).is_file() for part in self.partitions for p in part.protocol):
                return base
        return root / self.release_dirs[0]

    def _top_folders(self) -> set[str]:
        """First path components of the release's protocol and audio paths (``LA``, ``keys``...)."""
        paths = [p for part in self.partitions for p in (*part.protocol, part.audio_dir) if p]
        return {Path(p).parts[0] for p in paths if len(Path(p).parts) > 1}

    def scan(self, root: Path) -> Scan:
        scan = Scan()
        seen: dict[str, tuple[str, int]] = {}
        root = self.release_dir(root)
        for part in self.partitions:
            scan.expected.append(str(root / part.protocol[0]))
            protocol = next((root / p for p in part.protocol if (root / p).is_file()), None)
            if protocol is None:
                scan.absent(f"{part.split} protocol", root / part.protocol[0])
                continue
            scan.recognised = True
            audio = root if part.audio_dir is None else root / part.audio_dir
            if part.audio_dir is None:
                pass  # the protocol names every file; nothing to search for unlisted ones
            elif audio.is_dir():
                scan.audio_dirs.append(audio)
            else:
                scan.absent(f"{part.split} audio folder", audio)
            scan.utterances += read_protocol(
                protocol,
                self.columns,
                corpus=self.name,
                split=part.split,
                root=root,
                audio_dir=audio,
                ext=part.ext,
                seen=seen,
                issues=scan.issues,
                id_prefix=part.id_prefix,
                fixed=part.extra,
            )
        if scan.recognised:
            # Companion files (ASV protocols and scores) are not partitions of the CM corpus: a tree
            # without them is complete for countermeasure work, so their absence is a note.
            for what, rel in self.optional_files.items():
                if not (root / rel).is_file():
                    scan.notes.append(f"{what} not found: {root / rel} (min t-DCF needs it)")
        return scan

    def companions(self, root: str | PathLike[str]) -> dict[str, Path]:
        """The companion files (ASV protocols, score files) present under ``root``."""
        root = self.release_dir(Path(root))
        return {w: root / r for w, r in self.optional_files.items() if (root / r).is_file()}
