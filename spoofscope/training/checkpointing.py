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
