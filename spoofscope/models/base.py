"""The one base class every countermeasure derives from, its registration helper, and checkpoints.

A model is *waveform in, logits out*: ``forward(wave: [B, T]) -> [B, 2]`` with index 1 = bona fide
(the convention of the official AASIST code and its score files). Feature-based models own their
front-end as a submodule, so one object trains, scores and exports to ONNX as one graph.

A spoofscope checkpoint is a directory holding ``model.safetensors`` (the state dict, no pickle) and
``card.json`` (architecture, config, input contract, threshold/calibration slots, provenance), so
loading one never executes untrusted code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch
from torch import Tensor, nn

from spoofscope.errors import CheckpointError
from spoofscope.models import MODELS
from spoofscope.models.card import CARD_FILE, ModelCard, read_card

#: version tag written into every card; bump when the card layout changes incompatibly.
CARD_FORMAT = "spoofscope-model-card/1"
WEIGHTS_FILE = "model.safetensors"

M = TypeVar("M", bound="Countermeasure")


def register_model(name: str) -> Callable[[type[M]], type[M]]:
    """Class decorator: register a :class:`Countermeasure` subclass in ``MODELS`` under ``name``.

    The name is also stored on the class as ``arch`` so cards and checkpoints can name it.
    """

    def decorate(cls: type[M]) -> type[M]:
        cls.arch = name
        return MODELS.register(name)(cls)

    return decorate


class Countermeasure(nn.Module):
    """Base class of every model: config bookkeeping, ``score``, ``card`` and parameter counts.

    Subclasses call ``super().__init__(config, ...)`` first with the JSON-able dict of their keyword
    arguments (the defaults are the published configuration), then build their layers.

    Args:
        config: the constructor's keyword arguments, as they would be written in YAML.
        sample_rate: expected input rate in Hz.
        crop_samples: the training/evaluation crop length in samples (the input contract).
        frontend: the front-end submodule of a feature-based model, or None for raw-waveform models.
    """

    arch: ClassVar[str] = ""
    #: what ``score`` returns: ``logit-gap`` (``logits[:, 1] - logits[:, 0]``) or ``similarity``
    #: (a cosine in [-1, 1], the cosine Siamese); evaluation sweeps thresholds on similarities
    score_kind: ClassVar[str] = "logit-gap"
    #: the constructor argument that sets the crop length: a recipe states the crop once, in
    #: ``data.crop_samples``, and the trainer passes it here (AASIST and RawNet2: ``nb_samp``)
    crop_param: ClassVar[str | None] = "crop_samples"
    #: submodules holding pretrained backbones: a ``top:N`` freezing spec counts in each
    backbones: ClassVar[tuple[str, ...]] = ()
    #: parameters a recipe must state (name → where to get the file it names), though the
    #: constructor has a default for tests and for reloading checkpoints
    recipe_requires: ClassVar[dict[str, str]] = {}
    #: constructor arguments that name a local file or folder (an SSL encoder): a checkpoint's
    #: card may only point inside its own directory (:func:`load_checkpoint`)
    file_params: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        config: dict[str, Any],
        *,
        sample_rate: int = 16000,
        crop_samples: int = 64000,
    ) -> None:
        super().__init__()
        self.config = dict(config)
        self.sample_rate = int(sample_rate)
        self.crop_samples = int(crop_samples)

    # -- contract --------------------------------------------------------------------------------

    def score(self, wave: Tensor) -> Tensor:
        """Return ``[B]`` scores, higher = more bona fide: ``logits[:, 1] - logits[:, 0]``."""
        logits = self(wave)
        return logits[:, 1] - logits[:, 0]

    def frontend_config(self) -> dict[str, Any] | None:
        """The front-end's config (name + params) when the model owns one, else None."""
        frontend = getattr(self, "frontend", None)
        return frontend.config() if frontend is not None else None

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Number of parameter elements (buffers such as BN running statistics are not counted)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def card(self) -> dict[str, Any]:
        """The model card: architecture, config, parameter count and input contract (JSON-able)."""
        return {
            "format": CARD_FORMAT,
            "architecture": self.arch,
            "config": _jsonable(self.config),
            "parameters": self.num_parameters(),
            "input": {
                "frontend": self.frontend_config(),
                "sample_rate": self.sample_rate,
                "crop_samples": self.crop_samples,
            },
            "output": "logits [B, 2], index 1 = bona fide; score = logits[:, 1] - logits[:, 0]",
            "score_kind": self.score_kind,
            # Filled in by training / calibration; a freshly built model has none.
            "threshold": None,
            "calibration": None,
            "training": None,
            "provenance": None,
        }


class FeatureCountermeasure(Countermeasure):
    """A model that owns its front-end: ``self.frontend`` turns ``wave: [B, T]`` into features.

    Args:
        config: the constructor's keyword arguments (must include ``frontend`` and
            ``frontend_params``).
        frontend: registry name of the front-end (``spoofscope.features.FRONTENDS``).
        frontend_params: its parameters.
        crop_samples: the input contract's crop length.
    """

    def __init__(
        self,
        config: dict[str, Any],
        frontend: str,
        frontend_params: dict[str, Any],
        crop_samples: int = 64000,
    ) -> None:
        from spoofscope.features import build_frontend

        super().__init__(config, crop_samples=crop_samples)
        self.frontend = build_frontend(frontend, **frontend_params)
        self.sample_rate = int(getattr(self.frontend, "sample_rate", 16000))


def logit_pair(z: Tensor) -> Tensor:
    """Map a single bona fide logit ``z: [B]`` or ``[B, 1]`` to the ``[B, 2]`` contract.

    Returns ``[-z/2, z/2]``: the softmax of the pair is ``sigmoid(z)`` for bona fide (so a
    network trained with binary cross-entropy keeps its probabilities) and ``score = z``.
    """
    z = z.reshape(-1, 1)
    return torch.cat([-0.5 * z, 0.5 * z], dim=1)


def _jsonable(obj: Any) -> Any:
    """Tuples → lists, recursively, so a config round-trips through JSON unchanged."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def save_checkpoint(model: Countermeasure, directory: str | Path, **card_fields: Any) -> Path:
    """Write ``model.safetensors`` + ``card.json`` into ``directory`` (created if missing).

    Args:
        model: the model to save.
        directory: target directory.
        card_fields: card entries to set or override (``threshold``, ``calibration``,
            ``training``, ``provenance``, ...).

    Returns:
        The directory path.
    """
    from safetensors.torch import save_file

    out = Path(directory)
    card = model.card()
    card.update(_jsonable(card_fields))
    # validated before anything is written: a card that would not load is never saved
    ModelCard.parse(card, out / CARD_FILE)
    out.mkdir(parents=True, exist_ok=True)
    # clone() breaks storage sharing, which safetensors refuses to write.
    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    save_file(tensors, str(out / WEIGHTS_FILE), metadata={"format": CARD_FORMAT})
    (out / CARD_FILE).write_text(json.dumps(card, indent=2, allow_nan=False) + "\n")
    return out


#: values of a file parameter that name no file (the test-only stand-in encoder)
NOT_FILES = frozenset({"tiny-random"})


def confined_config(
    cls: type[Countermeasure], card: ModelCard, directory: Path, allow_external: bool
) -> dict[str, Any]:
    """The card's config with each file parameter resolved inside the checkpoint directory.

    A card is data from whoever made the checkpoint: a path in it outside its own directory
    (another folder, an absolute path) is refused unless the caller says to trust it.

    Raises:
        CheckpointError: a file parameter points outside ``directory`` and not ``allow_external``.
    """
    config = dict(card.config)
    home = directory.resolve()
    for key in cls.file_params:
        value = config.get(key)
        if value is None or value in NOT_FILES:
            continue
        inside = (home / value).resolve()
        if inside.is_relative_to(home):
            config[key] = str(inside)
        elif not allow_external:
            raise CheckpointError(
                directory,
                f"its card names {key} {value!r}, outside the checkpoint directory; load it "
                "with allow_external=True only if you trust where it came from",
            )
    return config


def load_checkpoint(directory: str | Path, allow_external: bool = False) -> Countermeasure:
    """Build the model a checkpoint directory describes and load its weights; eval mode.

    Args:
        directory: the checkpoint directory.
        allow_external: let the card name files outside ``directory`` (an SSL encoder folder
            elsewhere on this machine); refused by default, since a card is untrusted input.

    Raises:
        CheckpointError: missing files, unknown architecture, weights that do not fit the
            architecture (the message names the first missing/unexpected/mis-shaped tensors),
            or a card naming a file outside its directory.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from spoofscope.errors import UnknownNameError

    card = read_card(directory)
    weights = Path(directory) / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(directory, f"no {WEIGHTS_FILE}")
    try:
        cls = MODELS.get(card.architecture)
    except UnknownNameError as exc:
        raise CheckpointError(directory, exc.why) from None
    config = confined_config(cls, card, Path(directory), allow_external)
    try:
        model = cls(**config)
    except TypeError as exc:
        raise CheckpointError(directory, f"config does not fit {cls.arch}: {exc}") from None
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(weights, f"unreadable weights: {exc}") from None
    load_state_strict(model, state, source=weights)
    model.eval()
    return model


def load_state_strict(model: nn.Module, state: dict[str, Tensor], source: str | Path) -> None:
    """``load_state_dict(strict=True)`` with a one-line CheckpointError naming what does not fit."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}"
        for k, v in own.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"unexpected {len(unexpected)} (e.g. {', '.join(unexpected[:3])})")
    if shapes:
        problems.append(f"shape mismatch: {'; '.join(shapes[:3])}")
    if problems:
        raise CheckpointError(
            source, f"weights do not fit {type(model).__name__}: " + ", ".join(problems)
        )
    with torch.no_grad():
        model.load_state_dict(state, strict=True)
