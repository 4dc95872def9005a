"""What front-ends over a pretrained encoder share: holding it frozen, and choosing its layers.

A frozen encoder is fixed and stays in eval mode (no dropout) while the back-end trains; its
hidden states are one layer, a learned softmax weighting of all of them (the SUPERB recipe:
Yang et al., "SUPERB: Speech processing Universal PERformance Benchmark", Interspeech 2021), or
all of them stacked as channels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from spoofscope.features.base import FrontEnd, require

#: ``layer`` values other than an index
WEIGHTED, STACKED = "weighted", "all"


class PretrainedEncoderFrontEnd(FrontEnd):
    """A front-end whose ``self.encoder`` is a pretrained network, frozen or fine-tuned.

    Subclasses call :meth:`hold_encoder` once the encoder is built and :meth:`choose_layer`
    with its number of hidden states, then :meth:`mix_layers` in ``transform``.
    """

    encoder: torch.nn.Module
    freeze: bool = True
    layer: int | str
    layer_logits: torch.nn.Parameter | None

    def hold_encoder(self, freeze: bool) -> None:
        """Freeze (fixed weights, eval mode) or leave trainable the built ``self.encoder``."""
        self.freeze = freeze
        if freeze:
            self.encoder.requires_grad_(False)
            self.encoder.eval()

    def choose_layer(self, layer: object, n_states: int) -> None:
        """Set ``self.layer`` (an index, negative from the end, or ``weighted``/``all``) and,
        for ``weighted``, the learned logits.

        Raises:
            ConfigError: (key ``layer``) an index out of range or another value.
        """
        is_index = isinstance(layer, int) and not isinstance(layer, bool)
        require(
            layer in (WEIGHTED, STACKED) or (is_index and -n_states <= layer < n_states),
            "layer",
            f"an index in {-n_states}..{n_states - 1}, '{WEIGHTED}' or '{STACKED}'",
        )
        self.layer = layer % n_states if is_index else layer  # type: ignore[operator,assignment]
        weighted = layer == WEIGHTED
        self.layer_logits = torch.nn.Parameter(torch.zeros(n_states)) if weighted else None

    def mix_layers(self, states: Sequence[Tensor]) -> Tensor:
        """``states``: hidden states ``[N, S, D]`` each → the chosen ones ``[N, C, S, D]``."""
        if self.layer == STACKED:
            return torch.stack(list(states), dim=1)
        if self.layer == WEIGHTED:
            weights = torch.softmax(self.layer_logits, dim=0)  # type: ignore[arg-type]
            return torch.einsum("l,lnsd->nsd", weights, torch.stack(list(states)))[:, None]
        return states[self.layer][:, None]  # type: ignore[index]

    def train(self, mode: bool = True) -> PretrainedEncoderFrontEnd:
        super().train(mode)
        if self.freeze:
            self.encoder.eval()  # a frozen encoder keeps dropout off while the back-end trains
        return self
