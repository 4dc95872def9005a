"""Trainer state on disk without pickle, and resolving ``--model`` specs to a loaded model.

A training checkpoint directory (``RUN_DIR/last``, ``RUN_DIR/best``) holds the model checkpoint of
:mod:`spoofscope.models.base` (``model.safetensors`` + ``card.json``) and, for ``last``, the trainer
state: ``trainer_state.safetensors`` (optimizer moments, RNG states: every tensor) and
``trainer_state.json`` (epoch, step, phase, early-stopping bookkeeping, and the tensor-free skeleton of
the optimizer state). Nested state dicts are flattened by :func:`flatten_state`: each tensor is
replaced by a reference to a named tensor, and dicts keep their key types, so
``optimizer.load_state_dict`` gets back exactly what ``state_dict`` gave.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from spoofscope.errors import CheckpointError

STATE_TENSORS = "trainer_state.safetensors"
STATE_JSON = "trainer_state.json"
BEST, LAST = "best", "last"
#: card file name of a model checkpoint (spoofscope.models.base.CARD_FILE)
CARD_FILE = "card.json"


def flatten_state(obj: Any, prefix: str = "s") -> tuple[Any, dict[str, torch.Tensor]]:
    """Split a nested state (dicts, lists, tensors, numbers) into a JSON skeleton and tensors.

    Returns:
        ``(skeleton, tensors)``: the skeleton replaces each tensor by ``{"__tensor__": name}`` and
        each dict by ``{"__dict__": [[key, value], ...]}`` (keys keep int/str type) and each
        tuple by ``{"__tuple__": [...]}``.
    """
    tensors: dict[str, torch.Tensor] = {}

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, torch.Tensor):
            tensors[path] = node.detach().cpu().contiguous().clone()
            return {"__tensor__": path}
        if isinstance(node, dict):
            return {"__dict__": [[k, walk(v, f"{path}.{k}")] for k, v in node.items()]}
        if isinstance(node, tuple):
            return {"__tuple__": [walk(v, f"{path}.{i}") for i, v in enumerate(node)]}
        if isinstance(node, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(node)]
        return node

    return walk(obj, prefix), tensors


def unflatten_state(skeleton: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of :func:`flatten_state`.

    Raises:
        CheckpointError: the skeleton names a tensor that is not in ``tensors``.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, dict) and "__tensor__" in node:
            name = node["__tensor__"]
            if name not in tensors:
                raise CheckpointError(STATE_TENSORS, f"tensor '{name}' is missing")
            return tensors[name]
        if isinstance(node, dict) and "__dict__" in node:
            return {k: walk(v) for k, v in node["__dict__"]}
        if isinstance(node, dict) and "__tuple__" in node:
            return tuple(walk(v) for v in node["__tuple__"])
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(skeleton)


def save_state(directory: Path, state: dict[str, Any]) -> None:
    """Write ``state`` (JSON-able values and tensors, nested) as safetensors + JSON in ``directory``."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    skeleton, tensors = flatten_state(state)
    save_file(tensors, str(directory / STATE_TENSORS))
    (directory / STATE_JSON).write_text(json.dumps(skeleton) + "\n")


def load_state(directory: Path) -> dict[str, Any]:
    """Read what :func:`save_state` wrote.

    Raises:
        CheckpointError: a file is missing or unreadable.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    for name in (STATE_TENSORS, STATE_JSON):
        if not (directory / name).is_file():
            raise CheckpointError(directory, f"no {name}: not a resumable checkpoint")
    try:
        tensors = load_file(str(directory / STATE_TENSORS))
        skeleton = json.loads((directory / STATE_JSON).read_text())
    except (SafetensorError, OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(directory, f"unreadable trainer state: {exc}") from None
    return unflatten_state(skeleton, tensors)


# --- committing a checkpoint directory atomically ---------------------------------------------

#: the file that commits a checkpoint directory: SHA-256 of every other file in it
DIGESTS = "digests.json"


def write_point(name: str) -> None:
    """A place where a kill leaves a checkpoint half written; tests inject a kill here.

    Does nothing: :func:`commit_dir` calls it between each of its steps, so a test can raise at
    the k-th call and check that resuming after any of them gives the uninterrupted run.
    """


def previous(target: Path) -> Path:
    """Where the last good copy of ``target`` is kept while (and after) a new one is committed."""
    return target.with_name(f"{target.name}.prev")


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Write a checkpoint directory so that a kill at any point leaves a verifiable one.

    ``fill(tmp)`` writes the files into a fresh temporary directory; their digests are written
    last (the commit mark) and synced; then the current ``target`` becomes ``target.prev`` and
    the temporary directory becomes ``target``, each by one rename. So at every instant either
    ``target`` or ``target.prev`` is a complete, verified checkpoint, and ``target.prev`` stays
    as the fallback should ``target`` later be damaged.
    """
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    fill(tmp)
    write_point("filled")
    files = sorted(p for p in tmp.iterdir() if p.is_file())
    digests = {p.name: _sha256(p) for p in files}
    for path in files:
        _fsync(path)
    (tmp / DIGESTS).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    _fsync(tmp / DIGESTS)
    write_point("committed")
    prev = previous(target)
    if target.exists():
        shutil.rmtree(prev, ignore_errors=True)
        write_point("previous removed")
        os.rename(target, prev)
        write_point("current moved aside")
    os.rename(tmp, target)
    write_point("swapped")
    _fsync(target.parent)


def verify_dir(directory: Path) -> None:
    """Check every file of a committed checkpoint directory against its digests.

    Raises:
        CheckpointError: no digests (never committed), a file missing, or a file changed.
    """
    if not directory.is_dir():
        raise CheckpointError(directory, "missing (a commit was cut between its two renames)")
    marks = directory / DIGESTS
    if not marks.is_file():
        raise CheckpointError(directory, f"no {DIGESTS}: a checkpoint that was never completed")
    try:
        digests = json.loads(marks.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(marks, f"unreadable: {exc}") from None
    for name, expected in sorted(digests.items()):
        path = directory / name
        if not path.is_file():
            raise CheckpointError(path, "missing from the checkpoint")
        if _sha256(path) != expected:
            raise CheckpointError(path, "damaged: its SHA-256 differs from the one committed")


def good_copy(target: Path) -> tuple[Path, str | None]:
    """The newest verified copy of a committed checkpoint: ``target``, else ``target.prev``.

    Returns ``(directory, why)``: ``why`` is None for ``target`` itself, else the reason it
    was passed over (for a warning).

    Raises:
        CheckpointError: neither copy verifies (the message gives ``target``'s reason).
    """
    if not target.is_dir() and not previous(target).is_dir():
        raise CheckpointError(target, "no such checkpoint: not a resumable run directory")
    try:
        verify_dir(target)
        return target, None
    except CheckpointError as first:
        try:
            verify_dir(previous(target))
        except CheckpointError:
            raise first from None
        return previous(target), str(first)
