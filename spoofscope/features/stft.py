"""The short-time Fourier transform every framed front-end starts from, in real arithmetic.

Eager calls use ``torch.stft`` (an FFT per frame). While a model is traced for ONNX export the same
frames are computed as a strided ``conv1d`` with a windowed DFT kernel, because the ONNX exporter
handles neither complex tensors nor ``unfold`` with dynamic lengths; both paths agree to float
precision (see tests/unit/features/test_onnx_export.py).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from spoofscope.features.base import require

WINDOWS = {"hann": torch.hann_window, "hamming": torch.hamming_window}


def _exporting() -> bool:
    return torch.onnx.is_in_onnx_export() or torch.jit.is_tracing()


class ShortTimeFourier(torch.nn.Module):
    """Centred STFT of ``wave: [B, T]`` → real and imaginary parts ``[B, n_fft // 2 + 1, frames]``.

    Frames are centred on ``t * hop_length`` (``1 + T // hop_length`` of them) with the signal
    padded by ``n_fft // 2`` on each side, as ``librosa.stft(center=True)`` does; windows are the
    periodic ("fftbins") variants librosa uses, zero-padded to ``n_fft`` when shorter.

    Args:
        n_fft: FFT size (even).
        hop_length: samples between frame centres.
        win_length: window length, at most ``n_fft``.
        window: "hann" or "hamming".
        pad_mode: "constant" (zeros, librosa's default) or "reflect".
    """

    def __init__(
        self,
        n_fft: int = 512,
        hop_length: int = 160,
        win_length: int = 400,
        window: str = "hann",
        pad_mode: str = "constant",
    ) -> None:
        super().__init__()
        require(n_fft > 0 and n_fft % 2 == 0, "n_fft", "must be a positive even number")
        require(hop_length > 0, "hop_length", "must be > 0")
        require(0 < win_length <= n_fft, "win_length", f"must be in 1..n_fft ({n_fft})")
        require(window in WINDOWS, "window", f"choose one of {sorted(WINDOWS)}")
        require(pad_mode in ("constant", "reflect"), "pad_mode", "choose constant or reflect")
        self.n_fft, self.hop_length, self.pad_mode = n_fft, hop_length, pad_mode
        win = WINDOWS[window](win_length, periodic=True, dtype=torch.float32)
        left = (n_fft - win_length) // 2
        win = torch.nn.functional.pad(win, (left, n_fft - win_length - left))  # [n_fft]
        self.register_buffer("window", win, persistent=False)

    @property
    def n_bins(self) -> int:
        return self.n_fft // 2 + 1

    def dft_kernel(self) -> Tensor:
        """Windowed DFT as a conv1d weight ``[2 * n_bins, 1, n_fft]`` (cosines then minus sines)."""
        n = torch.arange(self.n_fft, dtype=torch.float64)
        k = torch.arange(self.n_bins, dtype=torch.float64)
        phase = 2 * math.pi * torch.outer(k, n) / self.n_fft  # [n_bins, n_fft]
        win = self.window.to(torch.float64)
        kernel = torch.cat([torch.cos(phase) * win, -torch.sin(phase) * win])
        return kernel.to(self.window.dtype)[:, None, :]

    def forward(self, wave: Tensor) -> tuple[Tensor, Tensor]:
        """``wave: [B, T]`` → ``(real, imag)``, each ``[B, n_bins, 1 + T // hop_length]``."""
        pad = self.n_fft // 2
        if _exporting():
            padded = torch.nn.functional.pad(wave[:, None, :], (pad, pad), mode=self.pad_mode)
            out = torch.nn.functional.conv1d(
                padded, self.dft_kernel().to(wave.device), stride=self.hop_length
            )  # [B, 2 * n_bins, frames]
            return out[:, : self.n_bins], out[:, self.n_bins :]
        spec = torch.stft(
            wave,
            self.n_fft,
            self.hop_length,
            window=self.window,
            center=True,
            pad_mode=self.pad_mode,
            return_complex=True,
        )  # [B, n_bins, frames] complex
        pair = torch.view_as_real(spec)
        return pair[..., 0], pair[..., 1]

    def power(self, wave: Tensor) -> Tensor:
        """``|STFT|^2`` of ``wave: [B, T]`` → ``[B, n_bins, frames]``."""
        real, imag = self(wave)
        return real * real + imag * imag
