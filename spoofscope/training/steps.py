"""What a loss consumes: one training step per loss ``inputs`` kind.

A loss declares ``inputs`` (``logits``, ``embeddings``, ``pairs`` or ``tapped``); :data:`FEEDERS`
maps it to the model entry point the step calls and the step that turns a batch into the loss.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from spoofscope.errors import ConfigError


def tapped_module(model: nn.Module, name: str) -> nn.Module:
    """The submodule ``name`` of ``model``, whose input a tapping loss takes as the embedding.

    Raises:
        ConfigError: no such submodule.
    """
    try:
        return model.get_submodule(name)
    except AttributeError:
        raise ConfigError(
            "loss.tap", f"the model has no submodule {name!r} whose input to take"
        ) from None


@contextlib.contextmanager
def tapped_inputs(model: nn.Module, name: str) -> Iterator[list[torch.Tensor]]:
    """Collect, while the block runs, the inputs the submodule ``name`` of ``model`` receives.

    Raises:
        ConfigError: no such submodule.
    """
    seen: list[torch.Tensor] = []
    hook = tapped_module(model, name).register_forward_pre_hook(
        lambda _module, args: seen.append(args[0])
    )
    try:
        yield seen
    finally:
        hook.remove()


@dataclass
class Batch:
    wave: torch.Tensor  # [B, T]
    labels: torch.Tensor  # [B] 1 = bona fide
    groups: torch.Tensor  # [B] speaker ids as integers


def _logits_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    out = net(b.wave)
    return loss(out, b.labels), out


def _embeddings_step(
    net: nn.Module, loss: nn.Module, b: Batch
) -> tuple[torch.Tensor, torch.Tensor]:
    emb = net(b.wave)  # [B, D]
    if "groups" in inspect.signature(loss.forward).parameters:
        return loss(emb, b.labels, groups=b.groups), emb
    return loss(emb, b.labels), emb


def _tapped_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    # The embedding is the input of the model's submodule ``loss.tap``, caught on its way in, so
    # the model needs no second entry point and the logits come from the same pass.
    model = getattr(net, "module", net).model  # MethodCall, inside DDP when distributed
    with tapped_inputs(model, loss.tap) as seen:
        out = net(b.wave)
    return loss(out, b.labels, seen[-1], b.groups), out


def _pairs_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    # Pair each item with its neighbour in the (shuffled) batch: a mix of same- and cross-class
    # pairs, as many as items, with no extra forward pass.
    emb = net(b.wave)  # [B, D]
    same = (b.labels == b.labels.roll(1)).to(emb.dtype)
    return loss(emb, emb.roll(1, dims=0), same), emb


#: loss ``inputs`` → (model entry point, step function)
FEEDERS: dict[str, tuple[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]]] = {
    "logits": ("forward", _logits_step),
    "embeddings": ("embed", _embeddings_step),
    "pairs": ("embed", _pairs_step),
    "tapped": ("forward", _tapped_step),
}
