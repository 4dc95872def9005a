"""Whisper's audio encoder in plain torch, built from the variables of a CTranslate2 Whisper model.

Radford et al., "Robust speech recognition via large-scale weak supervision" (2022): two 3-tap
convolutions with GELU (the second of stride 2, so one output frame per 20 ms), fixed sinusoidal
positions, pre-LN transformer blocks and a final LayerNorm. The layer sizes are read off the
tensors (tiny.en: 4 blocks of width 384, 6 heads, FFN 1536, 1500 positions), so any Whisper size
converted by CTranslate2 loads.

Why our own module rather than ``transformers.WhisperEncoder`` with renamed weights: the latter
refuses any input but exactly 3000 mel frames and has no key-padding mask, while detection crops
are 2-4 s (padding them to 30 s is 7.5-15x the work) and batches hold rows of different lengths.
This module slices the positions to the input's length and masks padded frames, so a padded row
encodes as it does alone; it is about 80 lines and needs no optional package.

CTranslate2 names a block's fused query/key/value projection ``self_attention/linear_0`` (Whisper's
key projection has no bias; the converter stores zeros there) and keeps LayerNorm weights as
``gamma``/``beta``; :func:`state_from_ct2` maps those names onto this module's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from spoofscope.errors import CheckpointError

#: CTranslate2 variable prefix of the encoder
ENCODER = "encoder/"
_LAYER = re.compile(r"^encoder/layer_(\d+)/")
#: the ``weights`` value that builds a small random encoder in memory (tests only)
TINY_RANDOM = "tiny-random"


@dataclass(frozen=True)
class WhisperSize:
    """The sizes of a Whisper encoder (tiny.en: 80, 384, 6, 4, 1500, 1536)."""

    n_mels: int
    width: int
    n_heads: int
    n_layers: int
    n_positions: int
    ffn: int


def sinusoids(length: int, width: int) -> Tensor:
    """Whisper's fixed positions ``[length, width]``: sines then cosines of ``width / 2``
    geometrically spaced timescales from 1 to 10 000 (its ``audio_encoder`` positional table)."""
    half = width // 2
    rates = torch.exp(-math.log(10000) / (half - 1) * torch.arange(half, dtype=torch.float64))
    angles = torch.arange(length, dtype=torch.float64)[:, None] * rates[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1).float()


class _Block(nn.Module):
    """One pre-LN transformer block: ``x + attn(ln(x))`` then ``x + mlp(ln(x))``."""

    def __init__(self, width: int, n_heads: int, ffn: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.attn_ln = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.mlp_ln = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, ffn)
        self.fc2 = nn.Linear(ffn, width)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        """``x: [B, S, width]``; ``mask``: additive ``[B, 1, 1, S]`` (0 or a large negative)."""
        batch, frames, width = x.shape
        qkv = self.qkv(self.attn_ln(x)).view(batch, frames, 3, self.n_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each [B, heads, S, head_dim]
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, frames, width))
        return x + self.fc2(F.gelu(self.fc1(self.mlp_ln(x))))


class WhisperAudioEncoder(nn.Module):
    """Log-mel ``[B, n_mels, M]`` → hidden states, ``n_layers + 1`` tensors ``[B, ceil(M/2), width]``.

    State 0 is the convolutional stem plus positions, state i the output of block i, and the last
    one has the final LayerNorm applied (what Whisper's decoder, and ``ctranslate2``'s
    ``Whisper.encode``, receive).
    """

    def __init__(self, size: WhisperSize) -> None:
        super().__init__()
        self.size = size
        self.conv1 = nn.Conv1d(size.n_mels, size.width, 3, padding=1)
        self.conv2 = nn.Conv1d(size.width, size.width, 3, stride=2, padding=1)
        # Fixed in Whisper; a buffer so fine-tuning never moves it, saved so a checkpoint is whole.
        self.register_buffer("positions", sinusoids(size.n_positions, size.width))
        self.blocks = nn.ModuleList(
            _Block(size.width, size.n_heads, size.ffn) for _ in range(size.n_layers)
        )
        self.ln_post = nn.LayerNorm(size.width)

    @property
    def max_frames(self) -> int:
        """The most mel frames one pass takes (twice the positions: 3000, i.e. 30 s)."""
        return 2 * self.size.n_positions

    def forward(self, mel: Tensor, mel_lengths: Tensor | None = None) -> list[Tensor]:
        """Hidden states of ``mel: [B, n_mels, M]`` (M at most :attr:`max_frames`), rows valid up
        to ``mel_lengths: [B]`` (None: all valid). Frames past a row's length neither reach its
        valid frames nor are meaningful themselves."""
        frames = (mel.shape[-1] + 1) // 2
        if frames > self.size.n_positions:
            raise ValueError(f"{mel.shape[-1]} mel frames > {self.max_frames}; split the input")
        mask = None
        if mel_lengths is not None:
            # Zero what the convolutions read past a row's end, as the row alone is zero-padded.
            keep = torch.arange(mel.shape[-1], device=mel.device)[None, :] < mel_lengths[:, None]
            mel = mel * keep[:, None, :].to(mel.dtype)
            stem = F.gelu(self.conv1(mel)) * keep[:, None, :].to(mel.dtype)
            valid = (
                torch.arange(frames, device=mel.device)[None, :] < (mel_lengths[:, None] + 1) // 2
            )
            # finite, so a chunk with no valid frame attends uniformly instead of giving NaN
            mask = torch.zeros(valid.shape, dtype=mel.dtype, device=mel.device)
            mask = mask.masked_fill(~valid, torch.finfo(mel.dtype).min)[:, None, None, :]
        else:
            stem = F.gelu(self.conv1(mel))
        x = F.gelu(self.conv2(stem)).transpose(1, 2) + self.positions[:frames]  # [B, S, width]
        states = [x]
        for block in self.blocks:
            x = block(x, mask)
            states.append(x)
        states[-1] = self.ln_post(x)
        return states


def size_from_ct2(variables: dict[str, Tensor], source: str) -> WhisperSize:
    """The encoder sizes that the CTranslate2 variables imply.

    Raises:
        CheckpointError: (naming ``source``) the encoder's stem, positions or head count is missing.
    """
    try:
        conv1 = variables[f"{ENCODER}conv1/weight"]
        positions = variables[f"{ENCODER}position_encodings/encodings"]
        n_heads = int(variables[f"{ENCODER}num_heads"].reshape(-1)[0])
        ffn = variables[f"{ENCODER}layer_0/ffn/linear_0/weight"].shape[0]
    except KeyError as exc:
        raise CheckpointError(source, f"not a Whisper encoder: no {exc.args[0]}") from None
    layers = {int(m.group(1)) for name in variables if (m := _LAYER.match(name))}
    return WhisperSize(
        n_mels=conv1.shape[1],
        width=conv1.shape[0],
        n_heads=n_heads,
        n_layers=len(layers),
        n_positions=positions.shape[0],
        ffn=ffn,
    )


def _ct2_names(size: WhisperSize) -> dict[str, str]:
    """This module's state-dict key → the CTranslate2 variable it comes from."""
    names = {
        "positions": "position_encodings/encodings",
        "ln_post.weight": "layer_norm/gamma",
        "ln_post.bias": "layer_norm/beta",
    }
    for conv in ("conv1", "conv2"):
        names |= {f"{conv}.weight": f"{conv}/weight", f"{conv}.bias": f"{conv}/bias"}
    parts = {
        "attn_ln": "self_attention/layer_norm",
        "qkv": "self_attention/linear_0",
        "out": "self_attention/linear_1",
        "mlp_ln": "ffn/layer_norm",
        "fc1": "ffn/linear_0",
        "fc2": "ffn/linear_1",
    }
    for i in range(size.n_layers):
        for ours, theirs in parts.items():
            norm = ours.endswith("_ln")
            names[f"blocks.{i}.{ours}.weight"] = (
                f"layer_{i}/{theirs}/{'gamma' if norm else 'weight'}"
            )
            names[f"blocks.{i}.{ours}.bias"] = f"layer_{i}/{theirs}/{'beta' if norm else 'bias'}"
    return {ours: ENCODER + theirs for ours, theirs in names.items()}


def encoder_from_ct2(variables: dict[str, Tensor], source: str) -> WhisperAudioEncoder:
    """A float32 :class:`WhisperAudioEncoder` holding the CTranslate2 encoder variables.

    Raises:
        CheckpointError: (naming ``source``) a variable is missing, mis-shaped, or quantised
            to integers (an int8 conversion: convert with ``--quantization float16`` instead).
    """
    encoder = WhisperAudioEncoder(size_from_ct2(variables, source))
    state = {}
    for ours, theirs in _ct2_names(encoder.size).items():
        value = variables.get(theirs)
        expected = encoder.state_dict()[ours].shape
        if value is None:
            raise CheckpointError(source, f"not a Whisper encoder: no {theirs}")
        if not value.is_floating_point():
            raise CheckpointError(source, f"{theirs} is {value.dtype}; only float weights are read")
        if value.shape != expected:
            raise CheckpointError(
                source, f"{theirs} is {tuple(value.shape)}, expected {tuple(expected)}"
            )
        state[ours] = value.float()
    encoder.load_state_dict(state, strict=True)
    return encoder


def tiny_random_variables(
    seed: int = 0,
    width: int = 16,
    n_heads: int = 2,
    n_layers: int = 2,
    n_positions: int = 1500,
    n_mels: int = 80,
) -> dict[str, torch.Tensor]:
    """A random Whisper encoder's variables, named and typed as CTranslate2's Whisper converter
    writes them (float16 weights, an int16 head count, zero key biases, a decoder table): what
    ``weights: tiny-random`` builds, for tests only. The same values on every call for a seed,
    drawn from a private generator so the caller's random stream does not move."""
    gen = torch.Generator().manual_seed(seed)

    def draw(*shape: int, scale: float = 0.3) -> torch.Tensor:
        return (scale * torch.randn(*shape, generator=gen)).half()

    ffn = 2 * width
    out = {
        "decoder/embeddings/weight": draw(12, width),
        "encoder/conv1/bias": draw(width),
        "encoder/conv1/weight": draw(width, n_mels, 3, scale=0.1),
        "encoder/conv2/bias": draw(width),
        "encoder/conv2/weight": draw(width, width, 3),
    }
    for i in range(n_layers):
        at = f"encoder/layer_{i}"
        qkv_bias = draw(3 * width)
        qkv_bias[width : 2 * width] = 0  # Whisper's key projection has no bias
        out |= {
            f"{at}/ffn/layer_norm/beta": draw(width),
            f"{at}/ffn/layer_norm/gamma": 1 + draw(width, scale=0.1),
            f"{at}/ffn/linear_0/bias": draw(ffn),
            f"{at}/ffn/linear_0/weight": draw(ffn, width),
            f"{at}/ffn/linear_1/bias": draw(width),
            f"{at}/ffn/linear_1/weight": draw(width, ffn),
            f"{at}/self_attention/layer_norm/beta": draw(width),
            f"{at}/self_attention/layer_norm/gamma": 1 + draw(width, scale=0.1),
            f"{at}/self_attention/linear_0/bias": qkv_bias,
            f"{at}/self_attention/linear_0/weight": draw(3 * width, width),
            f"{at}/self_attention/linear_1/bias": draw(width),
            f"{at}/self_attention/linear_1/weight": draw(width, width),
        }
    return out | {
        "encoder/layer_norm/beta": draw(width),
        "encoder/layer_norm/gamma": 1 + draw(width, scale=0.1),
        "encoder/num_heads": torch.tensor(n_heads, dtype=torch.int16),
        "encoder/position_encodings/encodings": sinusoids(n_positions, width).half(),
    }
