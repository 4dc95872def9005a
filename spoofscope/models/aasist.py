"""AASIST and AASIST-L: raw-waveform spectro-temporal graph attention networks.

Jung et al., "AASIST: Audio anti-spoofing using integrated spectro-temporal graph attention
networks", ICASSP 2022. The hyper-parameter names and defaults are those of the ``model_config``
blocks of ``config/AASIST.conf`` and ``config/AASIST-L.conf`` in github.com/clovaai/aasist (commit
a04c986), and the parameter names equal the official checkpoint's, so the official ``.pth`` loads
with an identity mapping (checked name by name in :func:`import_official`).

Two forward paths with the same outputs (within 1e-4, pinned by the parity tests):

* the *plain* path follows the official computation step by step — including the residual blocks'
  ``bn1 → SELU`` branch, which the official code computes and then discards (``conv1`` reads the
  block input), and the four sliced attention matmuls of the heterogeneous layers;
* the *fast* path (``model.fast = True``, eval mode only) skips the discarded branch, folds the
  eval-mode BatchNorms into the preceding convolutions, computes only the 69 sinc filters the first
  3×3 max-pool reads, runs the encoder one utterance at a time in ~4 MB time chunks (the plain
  path spends about half its CPU time in the kernel serving page faults on huge temporaries), and
  scores the heterogeneous attention of all node-type pairs in one matmul.

Score convention: ``forward(wave) -> logits [B, 2]``, index 1 = bona fide; ``forward_hidden``
also returns the official ``last_hidden`` ``[B, 5 * gat_dims[1]]``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from spoofscope.models.base import Countermeasure, register_model

#: (architecture, model_config) defaults of the two official configs.
AASIST_CONFIG: dict[str, Any] = {
    "nb_samp": 64600,
    "first_conv": 128,
    "filts": [70, [1, 32], [32, 32], [32, 64], [64, 64]],
    "gat_dims": [64, 32],
    "pool_ratios": [0.5, 0.7, 0.5, 0.5],
    "temperatures": [2.0, 2.0, 100.0, 100.0],
}
AASIST_L_CONFIG: dict[str, Any] = {
    **AASIST_CONFIG,
    "filts": [70, [1, 32], [32, 32], [32, 24], [24, 24]],
    "gat_dims": [24, 32],
    "pool_ratios": [0.4, 0.5, 0.7, 0.5],
}


# --- sinc front layer ------------------------------------------------------------------------------


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def sinc_band_pass(n_filters: int, kernel_size: int, sample_rate: int = 16000) -> np.ndarray:
    """The fixed band-pass filter bank of AASIST's first layer, float32 ``[n_filters, K]``.

    Band edges are equally spaced on the mel scale between the lowest and highest frequency of a
    512-point FFT grid (0 .. sr/2); each filter is the difference of two ideal low-pass sinc
    responses, Hamming-windowed. An even kernel size is made odd (128 → 129), as in the paper's code.
    """
    k = kernel_size + 1 if kernel_size % 2 == 0 else kernel_size
    grid_hz = (sample_rate // 2) * np.linspace(0.0, 1.0, 512 // 2 + 1)
    mel = _hz_to_mel(grid_hz)
    edges = _mel_to_hz(np.linspace(mel.min(), mel.max(), n_filters + 1))
    # Mixed precision on purpose: the official bank evaluates the sinc argument and the sinc in
    # float32 and the scaled difference in float64, then windows in float32. Matching those steps
    # makes the bank bit-identical to the official one (a float64 bank moves logits by ~5e-5).
    taps = np.arange(-(k - 1) / 2, (k - 1) / 2 + 1, dtype=np.float32)  # [K]

    def low_pass(cutoff: np.ndarray) -> np.ndarray:  # cutoff: [n, 1] Hz, float64
        arg = (np.float32(2 * cutoff) * taps) / np.float32(sample_rate)  # float32
        return (2 * cutoff / sample_rate) * np.sinc(arg)  # float64

    ideal = (low_pass(edges[1:, None]) - low_pass(edges[:-1, None])).astype(np.float32)
    return np.hamming(k).astype(np.float32)[None, :] * ideal


class SincBandPass(nn.Module):
    """Fixed (not learned) sinc band-pass convolution; the bank is a buffer, not in state dicts."""

    def __init__(self, n_filters: int, kernel_size: int, sample_rate: int = 16000) -> None:
        super().__init__()
        bank = torch.from_numpy(sinc_band_pass(n_filters, kernel_size, sample_rate))
        self.register_buffer("band_pass", bank, persistent=False)  # [n, K]

    def forward(self, wave: Tensor, n_used: int | None = None) -> Tensor:
        """``wave: [B, 1, T]`` → ``[B, n, T - K + 1]`` (only the first ``n_used`` filters if given)."""
        bank = self.band_pass if n_used is None else self.band_pass[:n_used]
        return F.conv1d(wave, bank.unsqueeze(1))


# --- encoder -------------------------------------------------------------------------------------------


def _fold_bn(weight: Tensor, bias: Tensor, bn: nn.BatchNorm2d) -> tuple[Tensor, Tensor]:
    """Fold an eval-mode BatchNorm that follows a conv into the conv's weight and bias."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # [C_out]
    return weight * scale[:, None, None, None], (bias - bn.running_mean) * scale + bn.bias


class ResidualBlock(nn.Module):
    """Conv(2×3) → BN → SELU → Conv(2×3), plus identity (1×3 conv when widths differ), MaxPool(1×3).

    Every block but the first owns ``bn1``; the official forward applies it (then SELU) and
    discards the result, so it has no effect on the output — kept for checkpoint fidelity.
    """

    def __init__(self, c_in: int, c_out: int, first: bool = False) -> None:
        super().__init__()
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=(2, 3), padding=(0, 1))
        self.downsample = c_in != c_out
        if self.downsample:
            self.conv_downsample = nn.Conv2d(c_in, c_out, kernel_size=(1, 3), padding=(0, 1))

    def forward(self, x: Tensor) -> Tensor:
        """Plain path, step by step as the official code (``x: [B, C, F, T]``)."""
        if not self.first:
            _discarded = F.selu(self.bn1(x))  # the official code computes this, then drops it
        out = F.selu(self.bn2(self.conv1(x)))
        out = self.conv2(out)
        identity = self.conv_downsample(x) if self.downsample else x
        return F.max_pool2d(out + identity, (1, 3))

    def forward_fast(self, x: Tensor, chunk_elements: int = 1 << 20) -> Tensor:
        """Eval-only path, same result: processes the time axis in chunks with a 2-sample halo.

        The profile of the plain path shows about half the CPU time in the kernel, serving page
        faults on fresh 50-500 MB temporaries; chunks of ~4 MB are recycled by the allocator
        instead. Also skips the discarded bn1 branch and folds bn2 into conv1.

        Args:
            x: ``[B, C_in, F, T]`` block input.
            chunk_elements: target size of one chunk's hidden map, in elements per batch row.

        Returns:
            ``[B, C_out, F, T // 3]``.
        """
        # Folding costs microseconds; recomputing it per call means loaded weights are never stale.
        w1, b1 = _fold_bn(self.conv1.weight, self.conv1.bias, self.bn2)
        batch, _, height, width = x.shape
        n_out = width // 3
        c_out = w1.shape[0]
        out = x.new_empty(batch, c_out, height, n_out)
        step = max(16, chunk_elements // (batch * c_out * (height + 1) * 3))
        for p0 in range(0, n_out, step):
            p1 = min(n_out, p0 + step)
            # Pooled frames [p0, p1) read conv2 outputs [3p0, 3p1), which read the hidden map at
            # [3p0-1, 3p1+1), which reads the input at [3p0-2, 3p1+2); zero padding only at the
            # signal's own edges, exactly where the full-width convolutions pad.
            lo, hi = 3 * p0 - 2, 3 * p1 + 2
            window = x[..., max(lo, 0) : min(hi, width)]
            if lo < 0 or hi > width:
                window = F.pad(window, (max(0, -lo), max(0, hi - width)))
            hidden = F.selu(F.conv2d(window, w1, b1, padding=(1, 0)), inplace=True)
            if lo < 0:
                hidden[..., 0] = 0.0  # position -1: conv2's zero padding
            beyond = hi - 1 - width  # hidden positions >= width are conv2's right padding
            if beyond > 0:
                hidden[..., -beyond:] = 0.0
            y = F.conv2d(hidden, self.conv2.weight, self.conv2.bias)  # [B, C, F, 3(p1-p0)]
            if self.downsample:
                ds = self.conv_downsample
                y += F.conv2d(window[..., 1:-1], ds.weight, ds.bias)
            else:
                y += window[..., 2:-2]
            out[..., p0:p1] = y.view(batch, c_out, height, p1 - p0, 3).amax(dim=-1)
        return out


# --- graph layers --------------------------------------------------------------------------------


def _pairwise_products(x: Tensor) -> Tensor:
    """``x: [B, N, D]`` → ``[B, N, N, D]`` with entry (i, j) = x_i ⊙ x_j."""
    return x.unsqueeze(2) * x.unsqueeze(1)


def _batch_norm_nodes(bn: nn.BatchNorm1d, x: Tensor) -> Tensor:
    """BatchNorm1d over the feature axis of ``[B, N, D]`` (nodes are treated as batch rows)."""
    return bn(x.reshape(-1, x.shape[-1])).view(x.shape)


class GraphAttention(nn.Module):
    """Graph attention layer over a fully connected graph of ``[B, N, in_dim]`` nodes.

    Attention logits: ``w · tanh(W (x_i ⊙ x_j) + b) / temperature``, softmax over neighbours j;
    output: ``SELU(BN(P_att (A x) + P x))``.
    """

    def __init__(self, in_dim: int, out_dim: int, temperature: float = 1.0) -> None:
        super().__init__()
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_weight = nn.Parameter(nn.init.xavier_normal_(torch.empty(out_dim, 1)))
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature

    def forward(self, x: Tensor) -> Tensor:
        x = self.input_drop(x)
        scores = torch.tanh(self.att_proj(_pairwise_products(x))) @ self.att_weight  # [B,N,N,1]
        att = F.softmax(scores / self.temperature, dim=-2).squeeze(-1)  # [B, N, N]
        out = self.proj_with_att(att @ x) + self.proj_without_att(x)
        return F.selu(_batch_norm_nodes(self.bn, out))


class HeteroGraphAttention(nn.Module):
    """Heterogeneous graph attention over two node types plus a master node (AASIST's HS-GAL).

    Type-1 nodes ``[B, N1, D]`` and type-2 nodes ``[B, N2, D]`` are projected to a common space
    and concatenated; attention logits use a weight per block of the adjacency (11, 22, and one
    shared weight for both cross blocks 12/21); the master node attends over all nodes with its
    own projection. Returns updated type-1, type-2 and master nodes.
    """

    def __init__(self, in_dim: int, out_dim: int, temperature: float = 1.0) -> None:
        super().__init__()
        self.proj_type1 = nn.Linear(in_dim, in_dim)
        self.proj_type2 = nn.Linear(in_dim, in_dim)
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_projM = nn.Linear(in_dim, out_dim)

        def att_vector() -> nn.Parameter:
            return nn.Parameter(nn.init.xavier_normal_(torch.empty(out_dim, 1)))

        self.att_weight11 = att_vector()
        self.att_weight22 = att_vector()
        self.att_weight12 = att_vector()
        self.att_weightM = att_vector()
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.proj_with_attM = nn.Linear(in_dim, out_dim)
        self.proj_without_attM = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature
        self.fast = False

    def _node_scores_plain(self, hidden: Tensor, n1: int) -> Tensor:
        """Block-wise attention logits as the official code: four sliced matmuls into a board."""
        board = torch.zeros_like(hidden[..., :1])  # [B, N, N, 1]
        board[:, :n1, :n1] = hidden[:, :n1, :n1] @ self.att_weight11
        board[:, n1:, n1:] = hidden[:, n1:, n1:] @ self.att_weight22
        board[:, :n1, n1:] = hidden[:, :n1, n1:] @ self.att_weight12
        board[:, n1:, :n1] = hidden[:, n1:, :n1] @ self.att_weight12
        return board

    def _node_scores_fast(self, hidden: Tensor, n1: int) -> Tensor:
        """All three block weights in one matmul, then pick each entry's block with a gather."""
        n = hidden.shape[1]
        weights = torch.cat([self.att_weight11, self.att_weight22, self.att_weight12], dim=1)
        scores = hidden @ weights  # [B, N, N, 3]
        is1 = torch.arange(n, device=hidden.device) < n1
        block = torch.where(is1[:, None] == is1[None, :], (~is1).long()[:, None], 2)  # [N, N]
        index = block.expand(hidden.shape[0], n, n).unsqueeze(-1)
        return scores.gather(-1, index)

    def forward(self, x1: Tensor, x2: Tensor, master: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        n1 = x1.shape[1]
        x = torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1)  # [B, N, D]
        x = self.input_drop(x)
        hidden = torch.tanh(self.att_proj(_pairwise_products(x)))  # [B, N, N, out]
        node_scores = self._node_scores_fast if self.fast else self._node_scores_plain
        att = F.softmax(node_scores(hidden, n1) / self.temperature, dim=-2).squeeze(-1)

        # Master node: attention over all nodes from the (not yet updated) master.
        m_scores = torch.tanh(self.att_projM(x * master)) @ self.att_weightM  # [B, N, 1]
        m_att = F.softmax(m_scores / self.temperature, dim=-2)
        m_att = m_att.squeeze(-1).unsqueeze(1)  # [B, 1, N]
        master = self.proj_with_attM(m_att @ x) + self.proj_without_attM(master)

        out = self.proj_with_att(att @ x) + self.proj_without_att(x)
        out = F.selu(_batch_norm_nodes(self.bn, out))
        return out[:, :n1], out[:, n1:], master


class GraphPool(nn.Module):
    """Keep the top ``ratio`` of nodes by a learned sigmoid score, scaled by that score."""

    def __init__(self, ratio: float, in_dim: int, dropout: float = 0.3) -> None:
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(in_dim, 1)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, h: Tensor) -> Tensor:
        """``h: [B, N, D]`` → ``[B, max(int(N * ratio), 1), D]``."""
        scores = torch.sigmoid(self.proj(self.drop(h)))  # [B, N, 1]
        n = h.shape[1]
        if isinstance(n, Tensor):
            # Traced for ONNX export, the node count is a value of the graph: computing the
            # official float64 product from it keeps the count following the input's length
            # (``int(n * ratio)`` would freeze every TopK's k at the traced length, and a
            # 1.5-s input exported from a 1-s trace scored 0.017 off).
            keep = torch.clamp(torch.floor(n.double() * self.ratio).long(), min=1)
        else:
            keep = max(int(n * self.ratio), 1)
        idx = torch.topk(scores, keep, dim=1).indices.expand(-1, -1, h.shape[-1])
        return torch.gather(h * scores, 1, idx)


# --- model ---------------------------------------------------------------------------------------------


@register_model("aasist")
class AASIST(Countermeasure):
    """AASIST (297,866 parameters with the default config).

    Args (the official ``model_config`` keys):
        nb_samp: crop length in samples used for training/evaluation (64600 ≈ 4 s).
        first_conv: sinc kernel size (made odd).
        filts: ``[n_sinc_filters, [c_in, c_out] × 4]`` encoder widths (the last pair is used for
            the last three of six residual blocks).
        gat_dims: graph attention widths ``[spectral/temporal GAT, heterogeneous GAT]``.
        pool_ratios: graph-pool keep ratios ``[spectral, temporal, heterogeneous, (unused)]``.
        temperatures: attention temperatures ``[spectral, temporal, heterogeneous, (unused)]``.
        fast: use the fast inference path in eval mode (same outputs within 1e-4).
    """

    crop_param: ClassVar[str] = "nb_samp"  # the official name of the crop length

    def __init__(
        self,
        nb_samp: int = AASIST_CONFIG["nb_samp"],
        first_conv: int = AASIST_CONFIG["first_conv"],
        filts: list[Any] | None = None,
        gat_dims: list[int] | None = None,
        pool_ratios: list[float] | None = None,
        temperatures: list[float] | None = None,
        fast: bool = False,
    ) -> None:
        defaults = self.default_config()
        config = {
            "nb_samp": nb_samp,
            "first_conv": first_conv,
            "filts": filts if filts is not None else defaults["filts"],
            "gat_dims": gat_dims if gat_dims is not None else defaults["gat_dims"],
            "pool_ratios": pool_ratios if pool_ratios is not None else defaults["pool_ratios"],
            "temperatures": temperatures if temperatures is not None else defaults["temperatures"],
        }
        super().__init__(config, sample_rate=16000, crop_samples=nb_samp)
        filts, gat_dims = config["filts"], config["gat_dims"]
        pool_ratios, temps = config["pool_ratios"], config["temperatures"]
        n_sinc = filts[0]
        # The 3×3 max-pool after the sinc layer groups filters in threes and drops the remainder.
        self.n_freq = n_sinc // 3
        c_last = filts[-1][-1]

        self.conv_time = SincBandPass(n_sinc, first_conv)
        self.first_bn = nn.BatchNorm2d(1)
        widths = [filts[1], filts[2], filts[3], filts[4], filts[4], filts[4]]
        self.encoder = nn.Sequential(
            *[
                nn.Sequential(ResidualBlock(c_in, c_out, first=i == 0))
                for i, (c_in, c_out) in enumerate(widths)
            ]
        )
        self.pos_S = nn.Parameter(torch.randn(1, self.n_freq, c_last))
        self.master1 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))
        self.master2 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))
        self.GAT_layer_S = GraphAttention(c_last, gat_dims[0], temps[0])
        self.GAT_layer_T = GraphAttention(c_last, gat_dims[0], temps[1])
        self.HtrgGAT_layer_ST11 = HeteroGraphAttention(gat_dims[0], gat_dims[1], temps[2])
        self.HtrgGAT_layer_ST12 = HeteroGraphAttention(gat_dims[1], gat_dims[1], temps[2])
        self.HtrgGAT_layer_ST21 = HeteroGraphAttention(gat_dims[0], gat_dims[1], temps[2])
        self.HtrgGAT_layer_ST22 = HeteroGraphAttention(gat_dims[1], gat_dims[1], temps[2])
        self.pool_S = GraphPool(pool_ratios[0], gat_dims[0])
        self.pool_T = GraphPool(pool_ratios[1], gat_dims[0])
        self.pool_hS1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hS2 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT2 = GraphPool(pool_ratios[2], gat_dims[1])
        self.drop_way = nn.Dropout(0.2)
        self.drop = nn.Dropout(0.5)
        self.out_layer = nn.Linear(5 * gat_dims[1], 2)
        self.fast = fast

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        """The official ``model_config`` this class defaults to."""
        return AASIST_CONFIG

    @property
    def fast(self) -> bool:
        """Whether eval-mode forwards without autograd take the fast path (else: the plain one)."""
        return self._fast

    @fast.setter
    def fast(self, value: bool) -> None:
        self._fast = bool(value)
        for layer in self.modules():
            if isinstance(layer, HeteroGraphAttention):
                layer.fast = self._fast

    # -- front part: waveform → spectro-temporal feature map ---------------------------------

    def _front_plain(self, wave: Tensor) -> Tensor:
        x = self.conv_time(wave.unsqueeze(1)).unsqueeze(1)  # [B, 1, n_sinc, T']
        x = F.max_pool2d(torch.abs(x), (3, 3))  # [B, 1, n_freq, T'/3]
        x = F.selu(self.first_bn(x))
        return self.encoder(x)  # [B, C, n_freq, frames]

    def _front_fast(self, wave: Tensor) -> Tensor:
        # One utterance at a time keeps every temporary small (see ResidualBlock.forward_fast).
        return torch.cat([self._front_fast_row(wave[i : i + 1]) for i in range(wave.shape[0])])

    def _front_fast_row(self, wave: Tensor) -> Tensor:
        # Only the 3·F filters the 3×3 pool reads (the official pool drops the remainder).
        x = self.conv_time(wave.unsqueeze(1), n_used=3 * self.n_freq)  # [1, 3F, T']
        x = F.max_pool2d(x.abs_().unsqueeze(1), (3, 3))  # [1, 1, F, T'/3]
        bn = self.first_bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        x = F.selu((x - bn.running_mean) * scale + bn.bias, inplace=True)
        for stage in self.encoder:
            x = stage[0].forward_fast(x)
        return x

    # -- back part: graphs → logits ----------------------------------------------------------

    def _back(self, e: Tensor) -> tuple[Tensor, Tensor]:
        """``e: [B, C, F, frames]`` → (last_hidden ``[B, 5 * gat_dims[1]]``, logits ``[B, 2]``)."""
        e_abs = e.abs()
        e_S = e_abs.amax(dim=3).transpose(1, 2) + self.pos_S  # [B, F, C]: max over time
        e_T = e_abs.amax(dim=2).transpose(1, 2)  # [B, frames, C]: max over frequency
        out_S = self.pool_S(self.GAT_layer_S(e_S))
        out_T = self.pool_T(self.GAT_layer_T(e_T))

        branches = []
        for first, second, pool_s, pool_t, master in (
            (self.HtrgGAT_layer_ST11, self.HtrgGAT_layer_ST12, self.pool_hS1, self.pool_hT1,
             self.master1),
            (self.HtrgGAT_layer_ST21, self.HtrgGAT_layer_ST22, self.pool_hS2, self.pool_hT2,
             self.master2),
        ):  # fmt: skip
            t, s, m = first(out_T, out_S, master)
            s, t = pool_s(s), pool_t(t)
            t_aug, s_aug, m_aug = second(t, s, m)
            branches.append(
                (self.drop_way(t + t_aug), self.drop_way(s + s_aug), self.drop_way(m + m_aug))
            )
        (t1, s1, m1), (t2, s2, m2) = branches
        out_T, out_S, master = torch.maximum(t1, t2), torch.maximum(s1, s2), torch.maximum(m1, m2)

        hidden = torch.cat(
            [
                out_T.abs().amax(dim=1),
                out_T.mean(dim=1),
                out_S.abs().amax(dim=1),
                out_S.mean(dim=1),
                master.squeeze(1),
            ],
            dim=1,
        )
        return hidden, self.out_layer(self.drop(hidden))

    def forward_hidden(self, wave: Tensor) -> tuple[Tensor, Tensor]:
        """``wave: [B, T]`` → (last_hidden ``[B, 5 * gat_dims[1]]``, logits ``[B, 2]``)."""
        use_fast = self._fast and not self.training and not torch.is_grad_enabled()
        e = self._front_fast(wave) if use_fast else self._front_plain(wave)
        return self._back(e)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` float32 at 16 kHz → logits ``[B, 2]`` (index 1 = bona fide)."""
        return self.forward_hidden(wave)[1]


@register_model("aasist-l")
class AASISTL(AASIST):
    """AASIST-L, the light configuration (85,306 parameters); same code, ``AASIST-L.conf`` widths."""

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return AASIST_L_CONFIG


__all__ = [
    "AASIST",
    "AASISTL",
    "GraphAttention",
    "GraphPool",
    "HeteroGraphAttention",
    "ResidualBlock",
    "SincBandPass",
    "sinc_band_pass",
]
