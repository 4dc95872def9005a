"""What a LocalSpoof folder holds besides audio: where each file goes, the protocols, the manifest
(``localspoof.csv``) and ``build.json``, the options the folder was built with.

A build, its vocoded copies and the extra voices all lay their folders out this way, so the
``asvspoof2019-la`` and ``localspoof`` recipes read any of them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from spoofscope.errors import ConfigError, CorpusError
from spoofscope.localspoof.atomic import write_text_atomic
from spoofscope.localspoof.plan import Job

PROTOCOL_DIR = "LA/ASVspoof2019_LA_cm_protocols"
PROTOCOL_NAMES = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
MANIFEST = "localspoof.csv"
BUILD_INFO = "build.json"
FAILURES = "failures.tsv"
#: Where each partial spoof's synthetic stretch lies in its file: utt_id, start_s, end_s.
PARTIAL_SPANS = "partial_spans.tsv"
CSV_COLUMNS = (
    "utt_id", "path", "key", "speaker", "attack", "split", "language", "source_package",
    "source_file", "synthesizer", "settings", "text", "channel",
)  # fmt: skip
CHANNEL = "tel8k-bp300-3400+trim-35dB+rms-26dBFS+floor-66dBFS+mulaw+flac16k"


def flac_dir(split: str) -> str:
    """The folder of ``split``'s FLACs, relative to the corpus root (ASVspoof 2019 LA layout)."""
    return f"LA/ASVspoof2019_LA_{split}/flac"


def audio_path(job: Job) -> str:
    """Where ``job``'s FLAC goes, relative to the corpus root (ASVspoof 2019 LA layout)."""
    return f"{flac_dir(job.split)}/{job.utt_id}.flac"


def protocol_text(jobs: list[Job], split: str) -> str:
    """ASVspoof 2019 LA CM protocol lines ``SPEAKER UTT - ATTACK KEY`` of ``split``."""
    lines = [f"{j.speaker} {j.utt_id} - {j.attack} {j.key}" for j in jobs if j.split == split]
    return "\n".join(lines) + "\n"


def manifest_text(jobs: list[Job]) -> str:
    """``localspoof.csv``: one row a file with :data:`CSV_COLUMNS`."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for j in jobs:
        row = j.as_dict()
        row.update(path=audio_path(j), channel=CHANNEL)
        out.writerow([row[c] for c in CSV_COLUMNS])
    return buf.getvalue()


def read_manifest(root: str | Path) -> list[dict[str, str]]:
    """The rows of ``root``'s ``localspoof.csv``, in file order.

    Raises:
        CorpusError: when the folder has no manifest (it is not a LocalSpoof build).
    """
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise CorpusError(
            str(root),
            f"has no {MANIFEST}: not a LocalSpoof build; build it with `spoofscope corpus build`",
        )
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def check_build_info(
    root: Path, info: dict[str, Any], implied: dict[str, Any] | None = None
) -> None:
    """Record ``info`` (the options of what ``root`` holds) in ``build.json``, or check it.

    ``implied`` names options an older ``build.json`` may lack and the value its build had
    (every build before protocols were named is a v1 build); such a file is left as it is.

    Raises:
        ConfigError: ``root`` holds a build made with other options.
    """
    # A folder holds one build: resuming with another seed/size would mix two plans.
    path = root / BUILD_INFO
    if path.is_file():
        old = json.loads(path.read_text())
        if {**(implied or {}), **old} != info:
            raise ConfigError(
                str(root),
                f"holds a build with {old}; use another --out or the same options ({info})",
            )
    else:
        write_text_atomic(path, json.dumps(info, indent=2) + "\n")
