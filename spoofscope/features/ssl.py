"""The ``ssl`` front-end: hidden states of a self-supervised speech model (wav2vec 2.0, HuBERT, WavLM).

The model is loaded with ``transformers.AutoModel.from_pretrained`` from a local directory (or a hub
id when the machine has internet). The output is one hidden layer, or a learned softmax-weighted sum
of all of them (the SUPERB recipe), as ``[B, 1, hidden_size, frames]``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from spoofscope.errors import ConfigError
from spoofscope.features import FRONTENDS
from spoofscope.features.base import FrontEnd, length_mask
from spoofscope.features.normalization import utterance_mvn


def quiet_transformers() -> None:
    """Silence transformers' progress bars and info logs: a CLI loading a local model should print
    its own output only."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def load_pretrained(model: str) -> torch.nn.Module:
    """Load a transformers speech encoder from a directory or hub id.

    Raises:
        ConfigError: transformers is missing, or the model cannot be loaded.
    """
    try:
        import transformers
    except ImportError:
        raise ConfigError(
            "ssl", "needs the 'transformers' package (pip install spoofscope[ssl])"
        ) from None
    quiet_transformers()
    try:
        return transformers.AutoModel.from_pretrained(model)
    except (OSError, ValueError) as exc:
        raise ConfigError(model, f"cannot load a pretrained model: {exc}") from None


@FRONTENDS.register("ssl")
class SelfSupervised(FrontEnd):
    """Self-supervised model features → ``[B, 1, hidden_size, frames]``.

    Parameters:
        model: local directory (``save_pretrained`` layout) or hub id.
        layer: hidden state to return (0 = the CNN encoder's projection, 1.. = transformer layers);
            None learns a softmax weighting over all of them.
        freeze: keep the model's weights fixed (and in eval mode); False fine-tunes it.
        normalize_input: standardise each row's valid samples first (as the feature extractors of
            most released checkpoints do).
    """

    name = "ssl"
    defaults: ClassVar[dict[str, Any]] = {
        "model": "facebook/wav2vec2-base",
        "layer": None,
        "freeze": True,
        "normalize_input": True,
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        model, layer = self.params["model"], self.params["layer"]
        self.encoder = load_pretrained(model)
        if hasattr(self.encoder.config, "layerdrop"):
            # LayerDrop skips whole layers in training mode, so hidden_states would have fewer
            # entries than layers: a chosen layer index or learned layer weights would shift.
            self.encoder.config.layerdrop = 0.0
        n_states = self.encoder.config.num_hidden_layers + 1
        if layer is not None and not 0 <= layer < n_states:
            raise ConfigError("layer", f"must be in 0..{n_states - 1} for {model}")
        self.layer, self.freeze = layer, bool(self.params["freeze"])
        self.normalize_input = bool(self.params["normalize_input"])
        self.layer_logits = torch.nn.Parameter(torch.zeros(n_states)) if layer is None else None
        if self.freeze:
            self.encoder.requires_grad_(False)
            self.encoder.eval()

    def train(self, mode: bool = True) -> SelfSupervised:
        super().train(mode)
        if self.freeze:
            self.encoder.eval()  # a frozen encoder keeps dropout off while the head trains
        return self

    def output_lengths(self, lengths: Tensor) -> Tensor:
        out = self.encoder._get_feat_extract_output_lengths(lengths)
        return torch.clamp(out.to(torch.int64), min=0)

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        mask = length_mask(lengths, wave.shape[-1])
        if self.normalize_input:
            wave = utterance_mvn(wave[:, None, None, :], lengths)[:, 0, 0] * mask
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            states = self.encoder(
                wave, attention_mask=mask.to(torch.int64), output_hidden_states=True
            ).hidden_states  # tuple of [B, frames, D]
        if self.layer_logits is None:
            chosen = states[self.layer]
        else:
            weights = torch.softmax(self.layer_logits, dim=0)
            chosen = (torch.stack(states, dim=0) * weights[:, None, None, None]).sum(dim=0)
        return chosen.transpose(1, 2)[:, None]  # [B, 1, D, frames]
