"""Building what a recipe names: the model, its initial weights, the loss and the optimiser.

Each builder validates its part of the recipe and fails with a one-line ``ConfigError`` naming the
recipe key, before the corpus is read where it can (:class:`~spoofscope.training.trainer.Trainer`
builds the model and checks its head first).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import ConfigError
from spoofscope.training.config import RunConfig
from spoofscope.training.steps import tapped_inputs, tapped_module


def build_model(cfg: RunConfig) -> nn.Module:
    """Construct the recipe's model (validating its parameters).

    The model's crop length (``crop_param``) comes from ``data.crop_samples``, the recipe's one
    statement of it; a model parameter a recipe must name (``recipe_requires``, e.g. a local
    ImageNet weights file) is refused when absent.

    Raises:
        UnknownNameError: unknown model name.
        ConfigError: a parameter the model does not take, a value it rejects, a crop length
            that differs from ``data.crop_samples``, or a required parameter left out.
    """
    from spoofscope.models import MODELS

    cls = MODELS.get(cfg.model.name)
    for key, why in getattr(cls, "recipe_requires", {}).items():
        if key not in cfg.model.params:
            raise ConfigError(f"model.params.{key}", why)
    params = dict(cfg.model.params)
    # One crop length, data.crop_samples: the model sizes its layers from the crop it is fed.
    crop_key = getattr(cls, "crop_param", None)
    if crop_key is not None:
        stated = params.get(crop_key)
        if stated is not None and int(stated) != cfg.data.crop_samples:
            raise ConfigError(
                f"model.params.{crop_key}",
                f"{stated} differs from data.crop_samples ({cfg.data.crop_samples}); "
                "state the crop length once, in data.crop_samples",
            )
        params[crop_key] = cfg.data.crop_samples
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError("model.params", f"{cfg.model.name}: {exc}") from None
    except ValueError as exc:
        raise ConfigError("model.params", f"{cfg.model.name}: {exc}") from None


def class_weights(manifest: Manifest) -> tuple[float, float]:
    """Inverse-frequency weights ``(spoof, bonafide)`` of a training split, normalised to sum 1."""
    n_bona = sum(manifest.labels)
    n_spoof = len(manifest) - n_bona
    if not n_bona or not n_spoof:
        raise ConfigError("loss.auto_weight", "the training split lacks one of the two classes")
    w_spoof, w_bona = 1.0 / n_spoof, 1.0 / n_bona
    return w_spoof / (w_spoof + w_bona), w_bona / (w_spoof + w_bona)


def init_weights(cfg: RunConfig, model: nn.Module) -> str | None:
    """Load ``model.init``'s weights into ``model`` (fine-tuning); its weights file's SHA-256, or None.

    Raises:
        ConfigError: the init model is another architecture or was built with other parameters
            (``crop_samples`` aside: a model may be fine-tuned on other crops).
        CheckpointError: its weights cannot be read or do not fit.
    """
    if cfg.model.init is None:
        return None
    from spoofscope.models.base import WEIGHTS_FILE, load_state_strict
    from spoofscope.models.pretrained import PRETRAINED_DIR, load_pretrained, sha256

    source = load_pretrained(cfg.model.init)
    if source.arch != cfg.model.name:
        raise ConfigError(
            "model.init", f"{cfg.model.init} is a {source.arch}; the recipe trains {cfg.model.name}"
        )
    own, theirs = dict(model.config), dict(source.config)
    # the crop and the backbone's starting file do not matter: init replaces every weight
    keys = (own.keys() | theirs.keys()) - {"crop_samples", "nb_samp", "backbone_weights"}
    differ = sorted(k for k in keys if own.get(k) != theirs.get(k))
    if differ:
        raise ConfigError(
            "model.init", f"{cfg.model.init} was built with other model.params: {', '.join(differ)}"
        )
    load_state_strict(model, source.state_dict(), cfg.model.init)
    named = PRETRAINED_DIR / cfg.model.init
    return sha256((named if named.is_dir() else Path(cfg.model.init)) / WEIGHTS_FILE)


def attach_feature_augment(cfg: RunConfig, model: nn.Module) -> None:
    """Apply the recipe's ``feature_augment`` to the output of ``model.frontend``, in training only.

    A forward hook rather than a model parameter: the masks are part of training, so the
    checkpoint, its card and whoever scores with it never see them.

    Raises:
        ConfigError: a bad entry, or a model that reads the waveform itself (no front-end).
        UnknownNameError: an unknown transform name.
    """
    if not cfg.feature_augment:
        return
    from spoofscope.audio.augment import build_feature_augment

    augment = build_feature_augment(cfg.feature_augment)
    frontend = getattr(model, "frontend", None)
    if frontend is None:
        raise ConfigError(
            "feature_augment",
            f"model '{cfg.model.name}' reads the waveform itself; it has no front-end to mask",
        )

    def masked(_module: nn.Module, _inputs: Any, feats: torch.Tensor) -> torch.Tensor:
        # the model's mode, not the front-end's: a freezing schedule may hold the front-end in
        # eval mode while the model trains
        return augment.train(model.training)(feats)

    frontend.register_forward_hook(masked)


def check_head(cfg: RunConfig, model: nn.Module) -> None:
    """Refuse a loss that needs a model head (its class's ``head``) or submodule the model lacks.

    Raises:
        UnknownNameError: unknown loss name.
        ConfigError: e.g. ``oc-softmax-head`` on a model without ``head: one-class``, or a
            ``speaker-adversarial`` ``tap`` that names no submodule.
    """
    from spoofscope.losses import LOSSES

    cls = LOSSES.get(cfg.loss.name)
    needs = getattr(cls, "head", None)
    if needs and getattr(model, "head_kind", "linear") != needs:
        raise ConfigError(
            "loss.name", f"'{cfg.loss.name}' needs a model with head: {needs} (model.params)"
        )
    if hasattr(cls, "bind"):  # a loss that taps a submodule's input: that submodule must exist
        default = inspect.signature(cls).parameters["tap"].default
        tapped_module(model, cfg.loss.params.get("tap", default))


def build_loss(cfg: RunConfig, train: Manifest) -> nn.Module:
    """Construct the recipe's loss; with ``auto_weight``, fill its class weights from ``train``.

    Raises:
        UnknownNameError: unknown loss name.
        ConfigError: bad parameters, or ``auto_weight`` for a loss without class weights.
    """
    from spoofscope.losses import LOSSES

    cls = LOSSES.get(cfg.loss.name)
    params = dict(cfg.loss.params)
    if cfg.loss.auto_weight:
        w_spoof, w_bona = class_weights(train)
        accepted = inspect.signature(cls).parameters
        if "weight" in accepted:
            params["weight"] = [w_spoof, w_bona]
        elif "pos_weight" in accepted:
            params["pos_weight"] = w_bona / w_spoof
        else:
            raise ConfigError("loss.auto_weight", f"loss '{cfg.loss.name}' takes no class weights")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError("loss.params", f"{cfg.loss.name}: {exc}") from None


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda params, o, lr: torch.optim.Adam(
        params, lr=lr, betas=o.betas, weight_decay=o.weight_decay
    ),
    "adamw": lambda params, o, lr: torch.optim.AdamW(
        params, lr=lr, betas=o.betas, weight_decay=o.weight_decay
    ),
    "sgd": lambda params, o, lr: torch.optim.SGD(
        params, lr=lr, momentum=o.momentum, weight_decay=o.weight_decay
    ),
}


def bind_loss(loss: nn.Module, model: nn.Module, n_speakers: int, crop_samples: int) -> None:
    """Size a loss that taps the model (``bind(embedding_dim, n_speakers)``) from one probe pass.

    Raises:
        ConfigError: the model has no submodule named by the loss's ``tap``.
    """
    if not hasattr(loss, "bind"):
        return
    was_training = model.training
    model.eval()  # no batch-norm statistics move, no dropout draws from the seeded stream
    try:
        with tapped_inputs(model, loss.tap) as seen, torch.no_grad():
            model(torch.zeros(1, crop_samples, device=next(model.parameters()).device))
    finally:
        model.train(was_training)
    loss.bind(seen[-1].shape[-1], n_speakers)
