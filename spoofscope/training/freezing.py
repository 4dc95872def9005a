"""Layer freezing for two-phase transfer learning (head first, then the top N layers).

A *layer* is a module that owns parameters directly, in the order the model defines them. The
*head* is the model's ``head`` (or ``classifier``) submodule when it has one, else its last layer.
``top:N`` trains the head and the last N layers before it, as the MobileNetV2 recipes of the
reference report do ("only the top 20 layers of the base were unfrozen", seeds/001).

A model built on pretrained backbones names them in ``backbones`` (a tuple of submodule names).
Each backbone is then a branch: ``top:N`` trains the last N layers of *every* branch, and ``head``
none of them, while every layer outside the branches (fusion and head, new and randomly
initialised) trains in both. The dual MobileNetV2 of seeds/001 unfreezes "the top 10 layers of
both the spec_branch and the mfcc_branch"; counting N over the whole model would instead unfreeze
only the branch defined last.
"""

from __future__ import annotations

from torch import nn

HEAD_NAMES = ("head", "classifier")
#: attribute of a model that lists its pretrained backbone submodules
BACKBONES_ATTR = "backbones"


def layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """``(name, module)`` of every module that owns parameters directly, in definition order."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if any(True for _ in module.parameters(recurse=False))
    ]


def head_names(model: nn.Module) -> set[str]:
    """Names (as in :func:`layers`) of the head's layers."""
    for attr in HEAD_NAMES:
        head = getattr(model, attr, None)
        if isinstance(head, nn.Module) and any(True for _ in head.parameters()):
            return {f"{attr}.{n}" if n else attr for n, _ in layers(head)}
    found = layers(model)
    return {found[-1][0]} if found else set()


def branch_layers(model: nn.Module) -> list[list[str]]:
    """Layer names of each backbone the model declares in ``backbones``, in definition order.

    Returns:
        One list per declared backbone; empty when the model declares none.

    Raises:
        ValueError: a declared backbone holds no layers (a model definition that names the wrong
            submodule).
    """
    names = [n for n, _ in layers(model)]
    branches = []
    for attr in getattr(model, BACKBONES_ATTR, ()):
        inside = [n for n in names if n == attr or n.startswith(f"{attr}.")]
        if not inside:
            raise ValueError(f"{type(model).__name__}.{BACKBONES_ATTR} names '{attr}', no layers")
        branches.append(inside)
    return branches


def last(names: list[str], n: int) -> list[str]:
    """The last ``n`` of ``names`` (all of them when there are fewer; none when ``n`` is 0)."""
    return names[max(len(names) - n, 0) :] if n > 0 else []


def set_trainable(model: nn.Module, spec: str) -> list[str]:
    """Freeze every parameter except those ``spec`` names; return the trainable layers' names.

    Args:
        model: the model.
        spec: ``all``, ``head`` or ``top:N`` (validated by the config). For a model that
            declares ``backbones``, ``top:N`` counts N in each backbone and ``head`` means every
            layer outside them.

    Frozen layers are also put in eval mode by :func:`freeze_modes` (batch-norm statistics stay
    fixed, as Keras does for a frozen base).
    """
    named = layers(model)
    top = int(spec.split(":", 1)[1]) if spec.startswith("top:") else 0
    branches = branch_layers(model)
    if spec == "all":
        keep = {n for n, _ in named}
    elif branches:
        inside = {n for branch in branches for n in branch}
        keep = {n for n, _ in named if n not in inside}
        keep.update(n for branch in branches for n in last(branch, top))
    else:
        keep = head_names(model)
        keep.update(last([n for n, _ in named if n not in keep], top))
    for name, module in named:
        for p in module.parameters(recurse=False):
            p.requires_grad_(name in keep)
    return [n for n, _ in named if n in keep]


def freeze_modes(model: nn.Module) -> None:
    """Put layers whose parameters are all frozen in eval mode (call after ``model.train()``)."""
    for _, module in layers(model):
        if not any(p.requires_grad for p in module.parameters(recurse=False)):
            module.eval()
