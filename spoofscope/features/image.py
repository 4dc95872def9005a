"""The ``image`` front-end: any 2-D feature rendered as a colour-mapped ``[B, 3, H, W]`` tensor.

This is the "feature image" input of the image-CNN and MobileNetV2 baselines (an MFCC or spectrogram
plotted to a 200x200 RGB picture), made in memory and batched instead of through PNG files: each row's
valid frames are min-max normalised, resized bilinearly to ``size`` (low feature bins at the bottom,
as a plot draws them) and looked up in a matplotlib colour map.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import FrontEnd, length_mask, require


def colormap_table(cmap: str, levels: int = 256) -> Tensor:
    """RGB values of matplotlib colour map ``cmap`` at ``levels`` steps → ``[levels, 3]`` in [0, 1].

    Raises:
        ConfigError: ``cmap`` is not a matplotlib colour map.
    """
    import matplotlib

    require(cmap in matplotlib.colormaps, "cmap", "not a matplotlib colour map name")
    rgba = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, levels))
    return torch.from_numpy(rgba[:, :3].astype(np.float32))


@FRONTENDS.register("image")
class FeatureImage(FrontEnd):
    """Colour-mapped feature image ``[B, 3, H, W]`` in [0, 1] of the ``source`` front-end's channel 0.

    Parameters: ``source`` (registry name of the front-end to render), ``source_params`` (its
    parameters), ``size`` (``[H, W]``), ``cmap`` (matplotlib colour map name).
    """

    name = "image"
    defaults: ClassVar[dict[str, Any]] = {
        "source": "mfcc",
        "source_params": {},
        "size": [200, 200],
        "cmap": "viridis",
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        from spoofscope.features import build_frontend

        super().__init__(sample_rate, **params)
        p = self.params
        size = p["size"]
        require(len(size) == 2 and min(size) > 0, "size", "must be (H, W) with H, W > 0")
        require(p["source"] != "image", "source", "an image cannot render another image")
        p["size"], p["source_params"] = [int(size[0]), int(size[1])], dict(p["source_params"] or {})
        self.size = (p["size"][0], p["size"][1])
        self.source = build_frontend(p["source"], sample_rate=sample_rate, **p["source_params"])
        self.register_buffer("table", colormap_table(p["cmap"]), persistent=False)  # [256, 3]

    def cache_refusal(self) -> str | None:
        return self.source.cache_refusal()

    def _grid(self, frame_lengths: Tensor, bins: int, frames: int) -> Tensor:
        """Sampling grid ``[B, H, W, 2]`` spanning each row's valid frames and all bins."""
        height, width = self.size
        u = torch.linspace(0.0, 1.0, width, device=frame_lengths.device)  # [W]
        last = torch.clamp(frame_lengths - 1, min=0).to(u.dtype)[:, None]  # [B, 1]
        x = -1.0 + 2.0 * u[None, :] * last / max(frames - 1, 1)  # [B, W]
        y = torch.linspace(1.0, -1.0, height, device=u.device)  # top row = highest bin
        grid_x = x[:, None, :].expand(-1, height, -1)
        grid_y = y[None, :, None].expand(x.shape[0], -1, width)
        return torch.stack([grid_x, grid_y], dim=-1)

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        feats = self.source.transform(wave, lengths)[:, :1]  # [B, 1, F, frames]
        frame_lengths = self.source.output_lengths(lengths)
        valid = length_mask(frame_lengths, feats.shape[-1])[:, None, None, :]
        big = torch.finfo(feats.dtype).max
        low = torch.where(valid, feats, big).amin(dim=(1, 2, 3), keepdim=True)
        high = torch.where(valid, feats, -big).amax(dim=(1, 2, 3), keepdim=True)
        scaled = (feats - low) / torch.clamp(high - low, min=1e-8)
        grid = self._grid(frame_lengths, feats.shape[2], feats.shape[3])
        picture = torch.nn.functional.grid_sample(
            scaled, grid, mode="bilinear", padding_mode="border", align_corners=True
        )  # [B, 1, H, W]
        levels = self.table.shape[0] - 1
        index = torch.round(torch.clamp(picture[:, 0], 0.0, 1.0) * levels).to(torch.int64)
        return self.table[index].permute(0, 3, 1, 2)  # [B, 3, H, W]

    def output_lengths(self, lengths: Tensor) -> Tensor:
        return torch.full_like(lengths, self.size[1])
