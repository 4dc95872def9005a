"""Turn a model specification from the CLI or API into a loaded model and its card.

A specification is one of: ``default`` (the model shipped inside the package), a named pretrained
model (``aasist-19la``, ``aasist-l-19la``, see :func:`spoofscope.models.load_pretrained`), a
checkpoint directory (``model.safetensors`` + ``card.json``), a run directory (its ``best/``
checkpoint, else ``last/``), or a ``.onnx`` file written by ``spoofscope export`` (run by ONNX
Runtime, its card read from the file).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from spoofscope.errors import CheckpointError
from spoofscope.models.card import ModelCard

DEFAULT_MODEL = "default"
#: a spec ending in this names an exported graph (:mod:`spoofscope.inference.onnx_model`)
ONNX_SUFFIX = ".onnx"


def default_model_dir() -> Path:
    """Directory of the shipped default detector inside the installed package."""
    return Path(str(resources.files("spoofscope") / "data" / "default"))


def checkpoint_dir(spec: str | Path) -> Path:
    """The checkpoint directory a spec names.

    Raises:
        CheckpointError: the spec names no checkpoint (the message lists the named models).
    """
    from spoofscope.models.pretrained import PRETRAINED, PRETRAINED_DIR

    text = str(spec)
    if text == DEFAULT_MODEL:
        path = default_model_dir()
        if not (path / "card.json").is_file():
            raise CheckpointError(
                "default", "the shipped default model is missing from this installation"
            )
        return path
    if text in PRETRAINED:
        return PRETRAINED_DIR / text
    path = Path(spec)
    if (path / "card.json").is_file():
        return path
    for sub in ("best", "last"):
        if (path / sub / "card.json").is_file():
            return path / sub
    if path.exists():
        raise CheckpointError(path, "neither a checkpoint directory nor a run directory")
    names = ", ".join([DEFAULT_MODEL, *sorted(PRETRAINED)])
    raise CheckpointError(
        text, f"no such checkpoint or run directory, and not a named model ({names})"
    )


def load_model(spec: str | Path, allow_external: bool = False) -> tuple[Any, ModelCard]:
    """Load the model a spec names, in eval mode, with its card.

    ``allow_external`` lets the card name files outside its checkpoint directory
    (:func:`spoofscope.models.base.load_checkpoint`). A ``.onnx`` spec gives an
    :class:`~spoofscope.inference.onnx_model.OnnxCountermeasure`, which scores as a model does.

    Raises:
        CheckpointError: the spec names nothing loadable, or its files do not fit.
    """
    from spoofscope.models.base import load_checkpoint, read_card

    if str(spec).lower().endswith(ONNX_SUFFIX) and not Path(spec).is_dir():
        from spoofscope.inference.onnx_model import load_onnx

        return load_onnx(spec)

    directory = checkpoint_dir(spec)
    return load_checkpoint(directory, allow_external), read_card(directory)
