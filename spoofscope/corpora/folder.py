"""Generic corpora: labelled sub-folders, or a CSV ``path,label[,speaker,attack,split]``.

Folder mode: audio files at any depth under a folder named ``real``, ``bonafide``, ``bona-fide`` or
``genuine`` (bona fide) or ``fake`` or ``spoof`` (spoof), optionally below split folders ``train``,
``dev`` and ``eval`` (also ``training``/``validation``/``testing``, ``val``, ``test``). A folder
between the label folder and the file names the attack (``fake/<vocoder>/x.wav``). Audio outside any
label folder is reported as an unknown label. Without split folders every utterance is ``eval``.

CSV mode (the root is a ``.csv`` file): header with at least ``path`` and ``label`` (or ``key``);
paths are relative to the CSV's folder, and a path outside it is refused unless the recipe is made
with ``FolderCorpus(allow_outside_root=True)``; optional ``speaker``, ``attack``, ``split`` columns
and any other column goes into ``extra``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from spoofscope.corpora import CORPORA
from spoofscope.corpora.manifest import BONAFIDE, NO_ATTACK, Utterance
from spoofscope.corpora.protocol import Columns, Issue, read_protocol
from spoofscope.corpora.recipe import AUDIO_EXTS, Recipe, Scan, audio_files

#: folder (or CSV label) spelling → key
FOLDER_LABELS: Mapping[str, str] = {
    "real": "bonafide",
    "bonafide": "bonafide",
    "bona-fide": "bonafide",
    "bona_fide": "bonafide",
    "genuine": "bonafide",
    "fake": "spoof",
    "spoof": "spoof",
}
#: split folder spelling → split
FOLDER_SPLITS: Mapping[str, str] = {
    "train": "train",
    "training": "train",
    "dev": "dev",
    "val": "dev",
    "validation": "dev",
    "eval": "eval",
    "test": "eval",
    "testing": "eval",
}
DEFAULT_SPLIT = "eval"


def walk_labelled(
    base: Path,
    *,
    corpus: str,
    labels: Mapping[str, str] = FOLDER_LABELS,
    splits: Mapping[str, str] = FOLDER_SPLITS,
    id_prefix: str = "",
    extra: Mapping[str, str] | None = None,
    exts: tuple[str, ...] = AUDIO_EXTS,
) -> tuple[list[Utterance], list[Issue]]:
    """Utterances of every audio file below ``base`` whose path has a label folder.

    Args:
        base: the folder to walk.
        corpus: recipe name stored on each utterance.
        labels: folder name (lower case) → key.
        splits: folder name (lower case) → split; the nearest one above the label folder wins.
        id_prefix: prepended to every id (the relative path without extension).
        extra: fields added to every utterance's ``extra``.
        exts: audio extensions.

    Returns:
        (utterances in sorted path order, unknown_label issues: one per folder of unlabelled audio).
    """
    utterances: list[Utterance] = []
    issues: list[Issue] = []
    unlabelled: dict[str, int] = {}
    fixed = dict(extra or {})
    for path in audio_files(base, exts):
        rel = Path(os.path.relpath(path, base))
        parts = [p.lower() for p in rel.parts[:-1]]
        at = next((i for i in range(len(parts) - 1, -1, -1) if parts[i] in labels), None)
        if at is None:
            folder = str(Path(path).parent)
            unlabelled[folder] = unlabelled.get(folder, 0) + 1
            continue
        key = labels[parts[at]]
        split = next((splits[p] for p in reversed(parts[:at]) if p in splits), DEFAULT_SPLIT)
        below = rel.parts[at + 1 : -1]
        attack = NO_ATTACK if key == BONAFIDE or not below else below[0]
        utt_id = id_prefix + rel.with_suffix("").as_posix()
        utterances.append(Utterance(utt_id, path, key, "-", attack, split, corpus, dict(fixed)))
    for folder, n in unlabelled.items():
        issues.append(
            Issue("unknown_label", folder, None, "", f"{n} file(s) outside a real/fake folder")
        )
    return utterances, issues


CSV_COLUMNS = Columns(
    labels=FOLDER_LABELS,
    delimiter=",",
    header=True,
    rename={"label": "key"},
    must_have=("path", "key"),
)


@CORPORA.register("folder")
class FolderCorpus(Recipe):
    """Any corpus laid out as labelled folders, or listed in a ``path,label`` CSV.

    Args:
        allow_outside_root: keep CSV rows whose path leads out of the CSV's folder (absolute, or
            climbing out with ".."); by default each is refused and reported as a finding.
    """

    name = "folder"

    root_may_be_file = True

    def __init__(self, allow_outside_root: bool = False) -> None:
        self.allow_outside_root = allow_outside_root

    def scan(self, root: Path) -> Scan:
        if root.is_file():
            issues: list[Issue] = []
            utterances = read_protocol(
                root,
                CSV_COLUMNS,
                corpus=self.name,
                split=DEFAULT_SPLIT,
                root=root.parent,
                audio_dir=root.parent,
                ext="",
                seen={},
                issues=issues,
                allow_outside_root=self.allow_outside_root,
            )
            return Scan(utterances, issues, [], listed=True, recognised=True)
        utterances, issues = walk_labelled(root, corpus=self.name)
        return Scan(
            utterances,
            issues,
            [],
            listed=False,
            recognised=bool(utterances),
            expected=[f"{root}/<split>/real|fake/..."],
        )
