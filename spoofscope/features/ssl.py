"""The ``ssl`` front-end: hidden states of a self-supervised speech model (wav2vec 2.0, HuBERT, WavLM).

The model is read from a local directory in transformers' ``save_pretrained`` layout, and only from
there: a name that is not an existing directory (a hub id such as ``facebook/wav2vec2-base``
included) is refused before transformers is asked, and transformers loads with
``local_files_only=True``, so building a front-end never reaches the network. Fetch a model once on
a machine with internet (``AutoModel.from_pretrained(hub_id).save_pretrained(folder)``) and copy
the folder. The name ``tiny-random`` builds a small randomly initialised wav2vec 2.0 in memory,
for tests only: its features mean nothing.

The output is one hidden layer, or a learned softmax-weighted sum of all of them (the SUPERB
recipe), as ``[B, 1, hidden_size, frames]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import Tensor

from spoofscope.errors import ConfigError
from spoofscope.features import FRONTENDS
from spoofscope.features.base import FrontEnd, length_mask
from spoofscope.features.normalization import utterance_mvn

#: The model name that builds the test encoder below instead of reading a directory.
TINY_RANDOM = "tiny-random"

#: The test encoder: hidden size 32, 2 layers, a 20× down-sampling CNN (35k parameters).
TINY_WAV2VEC2: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "conv_dim": [32, 32],
    "conv_kernel": [10, 8],
    "conv_stride": [5, 4],
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 2,
}

#: Weight files transformers reads into a PyTorch model, whole or sharded (with their index).
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)

NO_MODEL_WHY = (
    f"name a local wav2vec 2.0 directory (save_pretrained layout); {TINY_RANDOM} is for tests only"
)


def quiet_transformers() -> None:
    """Silence transformers' progress bars and info logs: a CLI loading a local model should print
    its own output only."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise ConfigError(
            "ssl", "needs the 'transformers' package (pip install spoofscope[ssl])"
        ) from None
    quiet_transformers()
    return transformers


def check_model_dir(model: str) -> Path:
    """The directory ``model`` names, once it looks like a ``save_pretrained`` folder.

    Raises:
        ConfigError: (naming ``model``) it is not an existing directory (hub ids included: they
            are never downloaded), or it lacks ``config.json`` or a PyTorch weight file.
    """
    folder = Path(model)
    if not folder.is_dir():
        raise ConfigError(
            model, "not a local directory (save_pretrained layout; hub ids are not downloaded)"
        )
    if not (folder / "config.json").is_file():
        raise ConfigError(model, "no config.json (not a save_pretrained directory)")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise ConfigError(model, f"no weights (expected one of {', '.join(WEIGHT_FILES)})")
    return folder


def tiny_random_encoder() -> torch.nn.Module:
    """The ``tiny-random`` test encoder: the same weights on every call (seed 0), drawn without
    moving the caller's random stream, so a run's seed means the same with or without it."""
    transformers = _transformers()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return transformers.Wav2Vec2Model(transformers.Wav2Vec2Config(**TINY_WAV2VEC2))


def load_pretrained(model: str | None) -> torch.nn.Module:
    """Load the speech encoder ``model`` names: a local ``save_pretrained`` directory, or
    ``tiny-random`` (tests only). Nothing is ever downloaded.

    Raises:
        ConfigError: no model is named, transformers is missing, the directory is missing or
            incomplete (see :func:`check_model_dir`), or transformers cannot load it (the reason's
            first line, naming the directory).
    """
    if model is None:
        raise ConfigError("model", NO_MODEL_WHY)
    if model == TINY_RANDOM:
        return tiny_random_encoder()
    folder = check_model_dir(model)
    transformers = _transformers()
    from safetensors import SafetensorError

    try:
        encoder = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, SafetensorError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(model, f"cannot load a pretrained model: {reason}") from None
    if not hasattr(encoder, "_get_feat_extract_output_lengths"):
        # A text or vision model loads too, then fails at the first batch: refuse it here.
        raise ConfigError(model, f"'{encoder.config.model_type}' is not a speech encoder")
    return encoder


@FRONTENDS.register("ssl")
class SelfSupervised(FrontEnd):
    """Self-supervised model features → ``[B, 1, hidden_size, frames]``.

    Parameters:
        model: local directory (``save_pretrained`` layout), or ``tiny-random`` in tests; no
            default, since a hub id is never downloaded.
        layer: hidden state to return (0 = the CNN encoder's projection, 1.. = transformer layers);
            None learns a softmax weighting over all of them.
        freeze: keep the model's weights fixed (and in eval mode); False fine-tunes it.
        normalize_input: standardise each row's valid samples first (as the feature extractors of
            most released checkpoints do).
    """

    name = "ssl"
    defaults: ClassVar[dict[str, Any]] = {
        "model": None,
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
