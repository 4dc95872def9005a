"""Named pretrained models shipped with spoofscope, and import of official AASIST checkpoints.

``lcnn-localspoof-benchmark`` is the default detector's recipe (a score fusion of an LFCC LCNN and a
phasegram LCNN) trained under LocalSpoof's benchmark protocol (train attacks L01, L02, L06 only),
so its eval table shows how the shipped recipe meets attacks it never saw (docs/models.md).
``lcnn-localspoof-v2`` is the same recipe trained on LocalSpoof protocol v2 (90 voices from 17
packages; its train attacks L01, L02, L04, L06, L08, L12): better than the default on eval's
unseen voices and worse on its unseen attacks, so it is shipped beside it, not in its place.

``aasist-19la`` and ``aasist-l-19la`` are the official AASIST / AASIST-L weights trained on ASVspoof
2019 LA (github.com/clovaai/aasist, commit a04c986, MIT licence, © 2021-present NAVER Corp.),
converted to spoofscope checkpoints; their LICENSE and NOTICE sit beside them in
``spoofscope/data/pretrained/<name>/``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models.base import Countermeasure, load_checkpoint, load_state_strict

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "data" / "pretrained"

#: pretrained name → (architecture, training data).
PRETRAINED: dict[str, tuple[str, str]] = {
    "aasist-19la": ("aasist", "ASVspoof 2019 LA train"),
    "aasist-l-19la": ("aasist-l", "ASVspoof 2019 LA train"),
    "lcnn-localspoof-benchmark": ("score-fusion", "LocalSpoof full train, attacks L01, L02, L06"),
    "lcnn-localspoof-v2": (
        "score-fusion",
        "LocalSpoof v2 full train, attacks L01, L02, L04, L06, L08, L12",
    ),
}


def import_official(arch: str, weights: str | Path) -> Countermeasure:
    """Build ``arch`` and load an official ``.pth`` state dict into it; eval mode.

    The file is read with ``torch.load(weights_only=True, map_location="cpu")`` (no code runs).
    AASIST's parameter names equal the official ones, so the mapping is the identity; every name,
    shape and count is still checked.

    Raises:
        CheckpointError: unreadable file, not a state dict, or names/shapes that do not fit.
        UnknownNameError: ``arch`` is not a registered model.
    """

    from spoofscope.models import MODELS
    from spoofscope.models.weights_file import read_state_dict

    cls = MODELS.get(arch)
    path = Path(weights)
    if not path.is_file():
        raise CheckpointError(path, "no such file")
    state = read_state_dict(path)
    model = cls()
    load_state_strict(model, state, source=path)
    return model.eval()


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file (for provenance in model cards)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_pretrained(name_or_path: str | Path, path: str | Path | None = None) -> Countermeasure:
    """Load a model ready for scoring (eval mode).

    Args:
        name_or_path: a pretrained name (``aasist-19la``, ``aasist-l-19la``), a spoofscope
            checkpoint directory, or an architecture name when ``path`` is given.
        path: with an architecture or pretrained name: an official ``.pth`` file or a spoofscope
            checkpoint directory to load instead of the shipped weights.

    Raises:
        ConfigError: the name is neither pretrained, an architecture, nor a directory.
        CheckpointError: the weights cannot be read or do not fit.
    """
    from spoofscope.models import MODELS

    name = str(name_or_path)
    if path is not None:
        if Path(path).is_dir():
            return load_checkpoint(path)
        arch = PRETRAINED[name][0] if name in PRETRAINED else name
        return import_official(arch, path)
    if name in PRETRAINED:
        return load_checkpoint(PRETRAINED_DIR / name)
    if Path(name).is_dir():
        return load_checkpoint(name)
    known = ", ".join(sorted(PRETRAINED))
    hint = " (an architecture needs a weights path)" if name in MODELS else ""
    raise ConfigError(name, f"not a pretrained model ({known}) or checkpoint directory{hint}")
