"""Cepstral front-ends ``mfcc`` and ``lfcc``, and the pieces ``cqcc`` shares with them.

A cepstral front-end is: power spectrum → filterbank → log → DCT-II (orthonormal) → optional
liftering → coefficient selection (``keep`` / ``drop``, 1-based as papers number coefficients) →
optional deltas and delta-deltas stacked along the feature axis: ``[B, 1, n * (1 + deltas), frames]``.

Selection and deltas come after the feature cache (:class:`HeadAfterCache`): the cache holds every
coefficient, static, so the variants of a coefficient study share one entry per file.
"""

from __future__ import annotations

import abc
import math
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import any_padded, length_mask, require
from spoofscope.features.filterbank import linear_filterbank, mel_filterbank
from spoofscope.features.spectral import AMIN, STFT_DEFAULTS, SpectralFrontEnd

FIRST_COEFFICIENT = ("c0", "energy", "none")


def dct_matrix(n_in: int, n_out: int) -> Tensor:
    """Orthonormal DCT-II as a ``[n_out, n_in]`` matrix (``scipy.fft.dct(type=2, norm="ortho")``)."""
    require(0 < n_out <= n_in, "n_ceps", f"must be in 1..{n_in} (the number of filters)")
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    basis[0] /= np.sqrt(2.0)
    return torch.from_numpy(basis.astype(np.float32))


def lifter_weights(n_ceps: int, lifter: float) -> Tensor:
    """Sinusoidal lifter ``1 + (L / 2) sin(pi (n + 1) / L)`` over ``n = 0..n_ceps-1`` (as librosa)."""
    if lifter <= 0:
        return torch.ones(n_ceps)
    n = torch.arange(n_ceps, dtype=torch.float64)
    return (1 + (lifter / 2) * torch.sin(math.pi * (n + 1) / lifter)).to(torch.float32)


def selected_indices(n_coeffs: int, keep: list[int] | None, drop: list[int] | None) -> list[int]:
    """0-based indices left by 1-based ``keep`` / ``drop`` lists over ``n_coeffs`` coefficients.

    Raises:
        ConfigError: when both lists are given, an index is outside 1..n_coeffs, or nothing is left.
    """
    require(keep is None or drop is None, "keep", "give keep or drop, not both")
    for key, chosen in (("keep", keep), ("drop", drop)):
        bad = [i for i in chosen or [] if not 1 <= i <= n_coeffs]
        require(not bad, key, f"indices {bad} are outside 1..{n_coeffs}")
    if keep is not None:
        indices = [i - 1 for i in keep]
    else:
        indices = [i for i in range(n_coeffs) if i + 1 not in set(drop or [])]
    require(bool(indices), "drop", "no coefficient left")
    return indices


def regression_kernel(width: int) -> Tensor:
    """Delta regression weights ``n / (2 sum n^2)`` for ``n = -width..width`` → ``[2 width + 1]``.

    The standard HTK delta formula, laid out for ``conv1d`` (a cross-correlation, so weight ``n``
    meets frame ``t + n``); a width of 1 gives ``(c[t+1] - c[t-1]) / 2``.
    """
    require(width >= 1, "delta_width", "must be >= 1")
    n = torch.arange(-width, width + 1, dtype=torch.float32)
    return n / (2 * (n[width + 1 :] ** 2).sum())


class CepstralHead(torch.nn.Module):
    """Coefficient selection then deltas: ``ceps: [B, n_coeffs, frames]`` → ``[B, 1, D, frames]``.

    Frames past a row's valid length are replaced by its last valid frame before the deltas, so a
    padded row gets the same deltas as the row alone (edges replicate, as HTK does).

    Args:
        n_coeffs: coefficients computed per frame.
        keep: 1-based coefficients to keep (None keeps all).
        drop: 1-based coefficients to drop (None drops none).
        deltas: 0 (static only), 1 (+ deltas) or 2 (+ deltas and delta-deltas).
        delta_width: half-width of the delta regression window.
    """

    def __init__(
        self,
        n_coeffs: int,
        keep: list[int] | None = None,
        drop: list[int] | None = None,
        deltas: int = 0,
        delta_width: int = 2,
    ) -> None:
        super().__init__()
        require(deltas in (0, 1, 2), "deltas", "must be 0, 1 or 2")
        index = torch.tensor(selected_indices(n_coeffs, keep, drop), dtype=torch.int64)
        self.register_buffer("index", index, persistent=False)
        self.register_buffer("delta_kernel", regression_kernel(delta_width), persistent=False)
        self.deltas, self.delta_width = deltas, delta_width

    @property
    def n_features(self) -> int:
        return int(self.index.numel()) * (1 + self.deltas)

    def _delta(self, static: Tensor) -> Tensor:
        # sum_k w_k (c[t+k] - c[t-k]) over shifted slices: a handful of element-wise passes, where
        # a conv1d over B * n single-channel rows cost ~3x more on CPU
        width, frames = self.delta_width, static.shape[-1]
        padded = torch.nn.functional.pad(static, (width, width), mode="replicate")
        terms = [
            self.delta_kernel[width + k]
            * (
                padded[..., width + k : width + k + frames]
                - padded[..., width - k : width - k + frames]
            )
            for k in range(1, width + 1)
        ]
        return sum(terms[1:], terms[0])

    @staticmethod
    def _hold_last_frame(x: Tensor, frame_lengths: Tensor) -> Tensor:
        """Copy each row's last valid frame over its padding frames (``x: [B, n, frames]``)."""
        frames = x.shape[-1]
        last = torch.clamp(frame_lengths - 1, min=0)[:, None]
        source = torch.minimum(torch.arange(frames, device=x.device)[None, :], last)
        return torch.gather(x, 2, source[:, None, :].expand_as(x))

    def forward(self, ceps: Tensor, frame_lengths: Tensor) -> Tensor:
        stack = [torch.index_select(ceps, 1, self.index)]  # [B, n, frames] each
        padded = any_padded(frame_lengths, ceps.shape[-1])
        for _ in range(self.deltas):
            static = self._hold_last_frame(stack[-1], frame_lengths) if padded else stack[-1]
            stack.append(self._delta(static))
        return torch.cat(stack, dim=1)[:, None]


#: parameters every cepstral front-end takes after its filterbank's
CEPSTRAL_DEFAULTS: dict[str, Any] = {
    "first": "c0",
    "lifter": 0.0,
    "deltas": 0,
    "delta_width": 2,
    "keep": None,
    "drop": None,
}


def cepstral_head(n_coeffs: int, params: dict[str, Any]) -> CepstralHead:
    """The :class:`CepstralHead` configured by a front-end's ``keep / drop / deltas`` parameters."""
    return CepstralHead(
        n_coeffs, params["keep"], params["drop"], params["deltas"], params["delta_width"]
    )


class HeadAfterCache:
    """Mixin of cepstral front-ends: ``cached_transform`` gives every static coefficient
    ``[B, 1, n_coeffs, frames]`` and ``self.head`` (selection, deltas) runs after the cache."""

    after_cache_params: ClassVar[tuple[str, ...]] = ("keep", "drop", "deltas", "delta_width")
    head: CepstralHead

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        frame_lengths = self.output_lengths(lengths)  # type: ignore[attr-defined]
        return self.after_cache(self.cached_transform(wave, lengths), frame_lengths)  # type: ignore[attr-defined]

    def after_cache(self, feats: Tensor, frame_lengths: Tensor) -> Tensor:
        return self.head(feats[:, 0], frame_lengths)


class FilterbankCepstra(HeadAfterCache, SpectralFrontEnd):
    """Power spectrum → filterbank → ``log_scale * log10(max(x, amin))`` → DCT → lifter → head.

    Subclasses give the filterbank, the parameter naming the coefficient count, and their log
    convention. ``first`` chooses the first coefficient: "c0" (the DCT's 0th), "energy" (c0
    replaced by the log frame energy, in the same log units) or "none" (the output starts at c1).
    ``preemphasis`` (when the subclass has it) filters the wave by ``1 - a z^-1`` first.
    """

    n_ceps_key: ClassVar[str]
    log_scale: ClassVar[float]
    amin: ClassVar[float]

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        p = self.params
        require(p["first"] in FIRST_COEFFICIENT, "first", f"choose one of {FIRST_COEFFICIENT}")
        self.preemphasis = float(p.get("preemphasis", 0.0))
        require(0.0 <= self.preemphasis < 1.0, "preemphasis", "must be in [0, 1)")
        fbank = self.filterbank()  # [n_filters, F]
        n_ceps, skip = p[self.n_ceps_key], 1 if p["first"] == "none" else 0
        dct = dct_matrix(fbank.shape[0], n_ceps + skip)[skip:]  # [n_ceps, n_filters]
        dct = dct * lifter_weights(n_ceps + skip, p["lifter"])[skip:, None]
        self.register_buffer("fbank", fbank, persistent=False)
        self.register_buffer("dct", dct, persistent=False)
        self.head = cepstral_head(n_ceps, p)

    @abc.abstractmethod
    def filterbank(self) -> Tensor:
        """Filter weights ``[n_filters, n_fft // 2 + 1]`` from ``self.params``."""

    def _log(self, x: Tensor) -> Tensor:
        return self.log_scale * torch.log10(torch.clamp(x, min=self.amin))

    def _preemphasize(self, wave: Tensor, lengths: Tensor) -> Tensor:
        """``y[t] = x[t] - a x[t-1]`` (``y[0] = x[0]``), with each row's padding kept silent."""
        out = torch.sub(wave[:, 1:], wave[:, :-1], alpha=self.preemphasis)
        out = torch.cat([wave[:, :1], out], dim=1)
        if any_padded(lengths, wave.shape[-1]):
            # the filter smears a row's last sample into its padding
            out = out * length_mask(lengths, wave.shape[-1]).to(wave.dtype)
        return out

    def cached_transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        if self.preemphasis:
            wave = self._preemphasize(wave, lengths)
        # frame-major [B, frames, F]: the filterbank and the DCT are single GEMMs over all frames
        power = self.stft.power_frames(wave)
        ceps = torch.matmul(self._log(torch.matmul(power, self.fbank.T)), self.dct.T)
        if self.params["first"] == "energy":
            energy = self._log(power.sum(dim=-1, keepdim=True))  # [B, frames, 1]
            ceps = torch.cat([energy, ceps[..., 1:]], dim=-1)
        return ceps.transpose(1, 2)[:, None]  # [B, 1, n_ceps, frames]


@FRONTENDS.register("mfcc")
class Mfcc(FilterbankCepstra):
    """Mel-frequency cepstral coefficients → ``[B, 1, n_selected * (1 + deltas), frames]``.

    With ``first="c0"``, ``lifter`` and no deltas this equals
    ``librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=None), n_mfcc=n_mfcc, lifter=lifter)``
    for the mel spectrogram of the same STFT and mel parameters (dB log, orthonormal DCT-II).
    """

    name = "mfcc"
    defaults: ClassVar[dict[str, Any]] = {
        **STFT_DEFAULTS,
        "n_mels": 40,
        "fmin": 0.0,
        "fmax": None,
        "n_mfcc": 20,
        **CEPSTRAL_DEFAULTS,
    }
    n_ceps_key, log_scale, amin = "n_mfcc", 10.0, AMIN

    def filterbank(self) -> Tensor:
        p = self.params
        return mel_filterbank(self.sample_rate, p["n_fft"], p["n_mels"], p["fmin"], p["fmax"])


@FRONTENDS.register("lfcc")
class Lfcc(FilterbankCepstra):
    """Linear-frequency cepstral coefficients, ASVspoof 2021 LA baseline definition by default.

    Defaults follow the LFCC-LCNN baseline of ASVspoof 2021 (Wang & Yamagishi, 2021): pre-emphasis
    0.97, 20 ms Hamming window (320 samples), 10 ms shift, 512-point FFT, 20 linear triangular filters
    over 0..sr/2, ``log10`` of the filter energies (floored at float32 eps), 20 coefficients
    including c0, with deltas and delta-deltas from a width-1 regression → 60 dims.
    """

    name = "lfcc"
    defaults: ClassVar[dict[str, Any]] = {
        **STFT_DEFAULTS,
        "win_length": 320,
        "window": "hamming",
        "n_filters": 20,
        "fmin": 0.0,
        "fmax": None,
        "n_lfcc": 20,
        "preemphasis": 0.97,
        **CEPSTRAL_DEFAULTS,
        "deltas": 2,
        "delta_width": 1,
    }
    n_ceps_key, log_scale, amin = "n_lfcc", 1.0, float(np.finfo(np.float32).eps)

    def filterbank(self) -> Tensor:
        p = self.params
        return linear_filterbank(self.sample_rate, p["n_fft"], p["n_filters"], p["fmin"], p["fmax"])
