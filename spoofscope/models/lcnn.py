"""LFCC-LCNN: Light CNN with Max-Feature-Map activations (the ASVspoof 2021 LA/DF baseline family).

Layout of the convolutional part follows Wang & Yamagishi, "A comparative study on recent neural
spoofing countermeasures for synthetic speech detection" (Interspeech 2021) and the ASVspoof 2021
baseline: nine MFM convolutions (5×5, then 1×1/3×3 pairs) with four 2×2 max-pools and batch norms,
dropout 0.7. Two back-ends: ``"pool"`` (average over time + linear) and ``"blstm"`` (two
bidirectional LSTM layers with a skip connection, average over time, linear), the LSTM variant of
that paper.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from spoofscope.errors import ConfigError
from spoofscope.models.base import FeatureCountermeasure, register_model
from spoofscope.models.heads import HEADS, output_head


class _MaxFeatureMapGrad(torch.autograd.Function):
    """MFM with a hand-written backward: the winning half takes the gradient, the other gets none.

    Autograd through ``torch.maximum`` of two channel slices builds tie-splitting masks and two
    zero-filled slice gradients; this keeps one boolean mask from the forward pass and writes both
    halves of the gradient in place: MFM itself gets ~2.5x cheaper forward + backward, and an LCNN
    training step 1.4-1.5x faster on the 2-core CPU (``benchmarks/models.py --train``).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, half: int) -> Tensor:
        a, b = x[:, :half], x[:, half:]
        wins = a >= b
        ctx.save_for_backward(wins)
        return torch.maximum(a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        (wins,) = ctx.saved_tensors
        half = grad.shape[1]
        out = grad.new_empty((grad.shape[0], 2 * half, *grad.shape[2:]))
        torch.mul(grad, wins, out=out[:, :half])
        torch.sub(grad, out[:, :half], out=out[:, half:])
        return out, None


class MaxFeatureMap(nn.Module):
    """Max-Feature-Map: split the channels in two halves and keep the element-wise maximum."""

    def __init__(self, half: int) -> None:
        super().__init__()
        self.half = half  # static, so ONNX export knows the channel count
        self.fast_grad = True  # False: plain autograd (benchmarks/models.py --train compares both)

    def forward(self, x: Tensor) -> Tensor:
        grad = torch.is_grad_enabled() and x.requires_grad
        if self.fast_grad and grad and not torch.onnx.is_in_onnx_export():
            return _MaxFeatureMapGrad.apply(x, self.half)
        return torch.maximum(x[:, : self.half], x[:, self.half :])


def mfm_conv(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """Conv producing ``2 * c_out`` channels followed by MFM → ``c_out`` channels."""
    return nn.Sequential(
        nn.Conv2d(c_in, 2 * c_out, kernel, padding=kernel // 2), MaxFeatureMap(c_out)
    )


class MaxPool2x2(nn.Module):
    """``nn.MaxPool2d(2, 2)`` (floor mode), computed without indices when no gradient is needed.

    torch's CPU max-pool always computes the argmax indices its backward needs, which made the
    four pools 30% of the shipped default's inference time; a reshape and two ``amax`` give the
    same maxima exactly in a fraction of it. With gradients on, the pool is torch's, so training
    is unchanged (``amax`` would share a tie's gradient instead of picking one element); so it is
    in an ONNX export, where the reshape would freeze the traced sizes into the graph.
    """

    def forward(self, x: Tensor) -> Tensor:
        if torch.is_grad_enabled() or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
            return nn.functional.max_pool2d(x, 2, 2)
        h, w = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
        x = x[..., :h, :w]
        return x.unflatten(-1, (w // 2, 2)).amax(-1).unflatten(-2, (h // 2, 2)).amax(-2)


#: (c_in, c_out, kernel, then: "pool" | "bn" | "pool+bn" | None) per MFM convolution.
LCNN_LAYERS: tuple[tuple[int, int, int, str | None], ...] = (
    (1, 32, 5, "pool"),
    (32, 32, 1, "bn"),
    (32, 48, 3, "pool+bn"),
    (48, 48, 1, "bn"),
    (48, 64, 3, "pool"),
    (64, 64, 1, "bn"),
    (64, 32, 3, "bn"),
    (32, 32, 1, "bn"),
    (32, 32, 3, "pool"),
)


@register_model("lcnn")
class LCNN(FeatureCountermeasure):
    """LFCC-LCNN (ASVspoof 2021 baseline) → logits ``[B, 2]``.

    Args:
        frontend: front-end name (default ``lfcc``: 20 LFCCs + Δ + ΔΔ = 60 dims).
        frontend_params: its parameters.
        backend: ``"blstm"`` (default, the LSTM variant) or ``"pool"``.
        dropout: dropout after the convolutional part.
        crop_samples: input contract crop length (4 s).
        head: ``"linear"`` (two logits, the baseline) or ``"one-class"`` (a projection to
            ``embedding_dim`` and a bona fide direction; train it with ``oc-softmax-head``).
        embedding_dim: size of the one-class embedding (256, as in the OC-softmax paper).
    """

    def __init__(
        self,
        frontend: str = "lfcc",
        frontend_params: dict[str, Any] | None = None,
        backend: str = "blstm",
        dropout: float = 0.7,
        crop_samples: int = 64000,
        head: str = "linear",
        embedding_dim: int = 256,
    ) -> None:
        params = dict(frontend_params or {})
        config = {"frontend": frontend, "frontend_params": params, "backend": backend,
                  "dropout": dropout, "crop_samples": crop_samples}  # fmt: skip
        if head != "linear":  # cards of linear-head models stay as they were
            config |= {"head": head, "embedding_dim": embedding_dim}
        super().__init__(config, frontend, params, crop_samples)
        if backend not in ("blstm", "pool"):
            raise ConfigError("backend", "choose 'blstm' or 'pool'")
        if head not in HEADS:
            raise ConfigError("head", f"choose one of {list(HEADS)}, got {head!r}")
        if embedding_dim < 1:
            raise ConfigError("embedding_dim", f"must be at least 1, got {embedding_dim}")
        self.head_kind = head  # not `head`: freezing reads that name as the head module
        # a multi-channel front-end (phasegram: power + phase derivatives) widens the first conv
        n_channels, n_feat = self.frontend(torch.zeros(1, 4000)).shape[1:3]
        layers: list[nn.Module] = []
        for index, (c_in, c_out, kernel, then) in enumerate(LCNN_LAYERS):
            layers.append(mfm_conv(n_channels if index == 0 else c_in, c_out, kernel))
            if then and "pool" in then:
                layers.append(MaxPool2x2())
                n_feat //= 2
            if then and "bn" in then:
                layers.append(nn.BatchNorm2d(c_out, affine=False))
        layers.append(nn.Dropout(dropout))
        self.body = nn.Sequential(*layers)
        width = 32 * n_feat
        self.backend = backend
        if backend == "blstm":
            self.lstm1 = nn.LSTM(width, width // 2, batch_first=True, bidirectional=True)
            self.lstm2 = nn.LSTM(width, width // 2, batch_first=True, bidirectional=True)
        self.out = output_head(head, width, embedding_dim)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` (index 1 = bona fide)."""
        x = self.body(self.frontend(wave))  # [B, 32, F', frames']
        x = x.flatten(1, 2).transpose(1, 2)  # [B, frames', 32 F']
        if self.backend == "blstm":
            x = x + self.lstm2(self.lstm1(x)[0])[0]
        # The head runs in float32 under autocast: a score is the difference of two logits, and
        # bfloat16 logits would quantise scores (ties at the EER threshold of a bf16 dev pass).
        with torch.autocast(wave.device.type, enabled=False):
            return self.out(x.mean(dim=1).float())
