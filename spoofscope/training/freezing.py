"""Layer freezing for two-phase transfer learning (head first, then the top N layers).

A *layer* is a module that owns parameters directly, in the order the model defines them. The
*head* is the model's ``head`` (or ``classifier``) submodule when it has one, else its last layer.
``top:N`` trains the head and the last N layers before it, as the MobileNetV2 recipes of the
reference report do ("only the top 20 layers of the base were unfrozen", seeds/001).
"""

from __future__ import annotations

from torch import nn

HEAD_NAMES = ("head", "classifier")


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


def set_trainable(model: nn.Module, spec: str) -> list[str]:
    """Freeze every parameter except those ``spec`` names; return the trainable layers' names.

    Args:
        model: the model.
        spec: ``all``, ``head`` or ``top:N`` (validated by the config).

    Frozen layers are also put in eval mode by :func:`freeze_modes` (batch-norm statistics stay
    fixed, as Keras does for a frozen base).
    """
    named = layers(model)
    if spec == "all":
        keep = {n for n, _ in named}
    else:
        keep = head_names(model)
        if spec.startswith("top:"):
            body = [n for n, _ in named if n not in keep]
            keep |= set(body[-int(spec.split(":", 1)[1]) :])
    for name, module in named:
        for p in module.parameters(recurse=False):
            p.requires_grad_(name in keep)
    return [n for n, _ in named if n in keep]


def freeze_modes(model: nn.Module) -> None:
    """Put layers whose parameters are all frozen in eval mode (call after ``model.train()``)."""
    for _, module in layers(model):
        if not any(p.requires_grad for p in module.parameters(recurse=False)):
            module.eval()
