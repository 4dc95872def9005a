"""Fake-or-Real (FoR; Reimao & Tzerpos, SpeD 2019), in its four released versions.

Layout relied on (the York University release at bil.eecs.yorku.ca/datasets — archives
``for-original.tar.gz``, ``for-norm.tar.gz``, ``for-2sec.tar.gz``, ``for-rerec.tar.gz`` — and the
Kaggle mirror "the-fake-or-real-dataset"; public loaders read the same names)::

    for-original/          training/ validation/ testing/  each with  real/ fake/  *.wav
    for-norm/              "
    for-2seconds/          "      (archive for-2sec)
    for-rerecorded/        "      (archive for-rerec)

The version folders may sit at the root or one level down (``for-2sec/for-2seconds/``, as the
Kaggle mirror and an unpacking into archive-named folders leave them). Splits map training → train,
validation → dev, testing → eval; ids are ``<version>/<split folder>/<label>/<file stem>`` because file
names repeat across versions; ``extra["version"]`` names the version. Speakers are not given. We
found no per-split counts we could verify from a primary source, so none are published here.
"""

from __future__ import annotations

from pathlib import Path

from spoofscope.corpora import CORPORA
from spoofscope.corpora.folder import walk_labelled
from spoofscope.corpora.recipe import Recipe, Scan

#: version name → the folder its archive unpacks to
VERSIONS = {
    "for-original": "for-original",
    "for-norm": "for-norm",
    "for-2sec": "for-2seconds",
    "for-rerec": "for-rerecorded",
}
_LABELS = {"real": "bonafide", "fake": "spoof"}
_SPLITS = {"training": "train", "validation": "dev", "testing": "eval"}


def _version_dir(root: Path, version: str, folder: str) -> Path | None:
    for candidate in (root / folder, root / version / folder, root / folder / folder):
        if any((candidate / s).is_dir() for s in _SPLITS):
            return candidate
    return None


@CORPORA.register("fake-or-real")
class FakeOrReal(Recipe):
    """FoR: every version present under the root, training/validation/testing × real/fake."""

    name = "fake-or-real"
    audio_exts = (".wav", ".mp3")

    def scan(self, root: Path) -> Scan:
        scan = Scan(listed=False)
        for version, folder in VERSIONS.items():
            scan.expected.append(str(root / folder))
            base = _version_dir(root, version, folder)
            if base is None:
                scan.absent(f"version {version}", root / folder)
                continue
            scan.recognised = True
            for split_folder in _SPLITS:
                if not (base / split_folder).is_dir():
                    scan.absent(f"{version} {split_folder}", base / split_folder)
            utterances, issues = walk_labelled(
                base,
                corpus=self.name,
                labels=_LABELS,
                splits=_SPLITS,
                id_prefix=f"{version}/",
                extra={"version": version},
                exts=self.audio_exts,
            )
            scan.utterances += utterances
            scan.issues += issues
        return scan
