"""Reading foreign weight files without running their code.

A ``.pth`` from an official release is a pickle; ``torch.load(weights_only=True)`` reads tensors
and containers from it and refuses anything else. Its errors end in advice to retry with
``weights_only=False``, which would run whatever code the file holds: that advice never reaches
a user of spoofscope (:func:`_reason` keeps the unpickler's own first sentence).
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from spoofscope.errors import CheckpointError

#: single keys that wrap a state dict in released checkpoints
WRAPPERS = ("model", "state_dict")


def _reason(exc: Exception) -> str:
    """The first sentence of what went wrong: torch's weights-only errors wrap the unpickler's
    own reason in paragraphs of general advice, some of it (``weights_only=False``) unsafe here."""
    text = str(exc)
    _, marker, unpickler = text.partition("WeightsUnpickler error:")
    lines = [line.strip() for line in (unpickler if marker else text).splitlines() if line.strip()]
    return lines[0].split(". ")[0].rstrip(".") if lines else type(exc).__name__


def read_state_dict(path: Path) -> dict[str, Tensor]:
    """The tensors of a ``.safetensors`` file or of a weights-only torch file (any other suffix).

    A torch file is read with ``torch.load(weights_only=True, map_location="cpu")``: no code runs.

    Raises:
        CheckpointError: the file cannot be read or does not map names to tensors.
    """
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except (SafetensorError, OSError) as exc:
            raise CheckpointError(path, f"unreadable safetensors file: {_reason(exc)}") from None
    else:
        import pickle

        import torch

        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, pickle.UnpicklingError, EOFError, OSError) as exc:
            raise CheckpointError(
                path, f"torch.load(weights_only=True) reads no state dict from it: {_reason(exc)}"
            ) from None
    # official checkpoints sometimes wrap the state dict: {"model": {...}} or {"state_dict": ...}
    if isinstance(state, dict) and len(state) == 1 and next(iter(state)) in WRAPPERS:
        state = next(iter(state.values()))
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()
    ):
        raise CheckpointError(path, "does not hold a state dict (names to tensors)")
    return state
