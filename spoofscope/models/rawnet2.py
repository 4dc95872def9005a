"""RawNet2, the ASVspoof 2021 raw-waveform baseline (Tak et al., ICASSP 2021).

Sinc-filter first layer (mel-spaced band-pass filters), |·|, max-pool, BN, SELU; six residual blocks
(two of width 20, four of width 128) each with filter-wise feature map scaling (FMS: a sigmoid gate
per channel from the time-averaged activation, applied as ``x * s + s``); BN, SELU; a 3-layer GRU
whose last output goes through two linear layers. Defaults follow the baseline's ``model_config``
(filts ``[20, [20, 20], [20, 128], [128, 128]]``, first_conv 1024, 1024 GRU units, nb_fc_node 1024).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from spoofscope.models.aasist import sinc_band_pass
from spoofscope.models.base import Countermeasure, register_model


class FmsResidualBlock(nn.Module):
    """BN-LeakyReLU-Conv-BN-LeakyReLU-Conv (+1×1 projection when widths differ), MaxPool(3), FMS."""

    def __init__(self, c_in: int, c_out: int, first: bool = False) -> None:
        super().__init__()
        self.pre = (
            nn.Identity() if first else nn.Sequential(nn.BatchNorm1d(c_in), nn.LeakyReLU(0.3))
        )
        self.conv1 = nn.Conv1d(c_in, c_out, 3, padding=1)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, 3, padding=1)
        self.project = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.fms = nn.Linear(c_out, c_out)

    def forward(self, x: Tensor) -> Tensor:
        """``x: [B, C_in, T]`` → ``[B, C_out, T // 3]``."""
        out = self.conv1(self.pre(x))
        out = self.conv2(F.leaky_relu(self.bn2(out), 0.3))
        out = F.max_pool1d(out + self.project(x), 3)
        scale = torch.sigmoid(self.fms(out.mean(dim=-1))).unsqueeze(-1)  # [B, C, 1]
        return out * scale + scale


@register_model("rawnet2")
class RawNet2(Countermeasure):
    """RawNet2 → logits ``[B, 2]``.

    Args:
        nb_samp: crop length in samples (64600).
        first_conv: sinc kernel size.
        filts: ``[n_sinc, [c, c], [c, c'], [c', c']]`` block widths (2 blocks each of the last two
            pairs after the first).
        gru_node: GRU hidden size; nb_gru_layer: GRU layers; nb_fc_node: hidden linear width.
    """

    crop_param: ClassVar[str] = "nb_samp"  # the official name of the crop length

    def __init__(
        self,
        nb_samp: int = 64600,
        first_conv: int = 1024,
        filts: list[Any] | None = None,
        gru_node: int = 1024,
        nb_gru_layer: int = 3,
        nb_fc_node: int = 1024,
    ) -> None:
        filts = filts if filts is not None else [20, [20, 20], [20, 128], [128, 128]]
        config = {"nb_samp": nb_samp, "first_conv": first_conv, "filts": filts,
                  "gru_node": gru_node, "nb_gru_layer": nb_gru_layer, "nb_fc_node": nb_fc_node}  # fmt: skip
        super().__init__(config, crop_samples=nb_samp)
        bank = torch.from_numpy(sinc_band_pass(filts[0], first_conv))
        self.register_buffer("band_pass", bank.unsqueeze(1), persistent=False)  # [n, 1, K]
        self.first_bn = nn.BatchNorm1d(filts[0])
        widths = [filts[1], filts[1], filts[2], filts[3], filts[3], filts[3]]
        self.blocks = nn.Sequential(
            *[FmsResidualBlock(a, b, first=i == 0) for i, (a, b) in enumerate(widths)]
        )
        self.bn_before_gru = nn.BatchNorm1d(filts[-1][-1])
        self.gru = nn.GRU(filts[-1][-1], gru_node, num_layers=nb_gru_layer, batch_first=True)
        self.fc1 = nn.Linear(gru_node, nb_fc_node)
        self.fc2 = nn.Linear(nb_fc_node, 2)

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` at 16 kHz → logits ``[B, 2]`` (index 1 = bona fide)."""
        x = F.conv1d(wave.unsqueeze(1), self.band_pass)  # [B, n, T']
        x = F.selu(self.first_bn(F.max_pool1d(x.abs(), 3)))
        x = F.selu(self.bn_before_gru(self.blocks(x)))  # [B, C, frames]
        out, _ = self.gru(x.transpose(1, 2))
        return self.fc2(self.fc1(out[:, -1]))
