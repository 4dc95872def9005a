"""Constant-Q front-ends ``cqt`` and ``cqcc``, from one batched FFT-domain transform.

The constant-Q response of bin ``k`` at frame ``t`` is the convolution of the signal with that bin's
complex wavelet (a Hann-windowed complex exponential, ``librosa.filters.wavelet``), sampled at
``t * hop``. Rather than librosa's per-octave loop of STFTs and resamplings, every row is transformed
once with a P-point FFT (``P = hop * F'``, ``F'`` a power of two), each bin's spectrum is multiplied by
the significant band of its wavelet's spectrum, the band is folded modulo ``F'`` (which is exactly
sampling every ``hop`` samples) and an ``F'``-point inverse FFT gives all frames of all bins. The
result is the exact full-rate transform, up to wavelet spectrum values below ``rel_tol`` of their
peak; the kernel spectra are computed once per padded length ``P`` and cached.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import FramedFrontEnd, require
from spoofscope.features.cepstral import HeadAfterCache, cepstral_head, dct_matrix
from spoofscope.features.spectral import AMIN, power_to_db


@dataclass
class _BandGroup:
    """Bins whose spectral band spans the same number of ``F'``-blocks."""

    bins: Tensor  # [nb] int64 bin numbers
    index: Tensor  # [nb, blocks * F'] int64 FFT bins gathered (P // 2 + 1 = a zero slot)
    weight: Tensor  # [nb, blocks * F'] complex64 wavelet spectrum at those FFT bins
    blocks: int


#: band plans shared by every transform with the same wavelets and padded length (least recent out)
_PLANS: OrderedDict[tuple, list[_BandGroup]] = OrderedDict()
_MAX_PLANS = 16


@functools.lru_cache(maxsize=8)
def _wavelets(
    sample_rate: int, freqs: tuple[float, ...], filter_scale: float, gamma: float
) -> tuple[Tensor, int]:
    return wavelet_kernels(sample_rate, np.asarray(freqs), filter_scale, gamma)


def wavelet_kernels(
    sample_rate: int, freqs: np.ndarray, filter_scale: float, gamma: float
) -> tuple[Tensor, int]:
    """Time-domain wavelets ``[n_bins, L]`` complex64 scaled by ``sqrt(length)`` and their centre.

    The scaling is librosa's ``scale=True`` convention (response divided by ``sqrt(length)`` after an
    L1-normalised filter multiplied by its length), so magnitudes match ``librosa.cqt`` / ``vqt``.
    """
    import librosa

    kernels, lengths = librosa.filters.wavelet(
        freqs=freqs,
        sr=sample_rate,
        window="hann",
        filter_scale=filter_scale,
        pad_fft=False,
        norm=1,
        gamma=gamma,
    )
    scaled = kernels * np.sqrt(lengths)[:, None]
    return torch.from_numpy(scaled.astype(np.complex64)), kernels.shape[1] // 2


class ConstantQTransform(torch.nn.Module):
    """Complex constant-Q (or variable-Q with ``gamma > 0``) transform → ``[B, n_bins, frames]``.

    Args:
        sample_rate: input rate in Hz.
        hop_length: samples between frames (frames are centred on ``t * hop_length``).
        fmin: centre frequency of the lowest bin in Hz.
        n_bins: number of bins.
        bins_per_octave: bins per octave.
        filter_scale: wavelet length scale (1 = constant Q).
        gamma: bandwidth offset in Hz (0 = CQT; > 0 = VQT, as in the CQCC baseline).
        rel_tol: wavelet spectrum values below this fraction of their peak are dropped.
    """

    def __init__(
        self,
        sample_rate: int,
        hop_length: int,
        fmin: float,
        n_bins: int,
        bins_per_octave: int,
        filter_scale: float = 1.0,
        gamma: float = 0.0,
        rel_tol: float = 1e-3,
    ) -> None:
        super().__init__()
        require(hop_length > 0, "hop_length", "must be > 0")
        require(n_bins > 0 and bins_per_octave > 0, "n_bins", "must be > 0")
        self.freqs = fmin * 2.0 ** (np.arange(n_bins) / bins_per_octave)
        require(fmin > 0, "fmin", "must be > 0")
        require(
            self.freqs[-1] < sample_rate / 2,
            "n_bins",
            f"top bin {self.freqs[-1]:.0f} Hz is above the Nyquist frequency",
        )
        kernels, centre = _wavelets(sample_rate, tuple(self.freqs), filter_scale, gamma)
        self.register_buffer("kernels", kernels.clone(), persistent=False)  # [n_bins, L]
        self.centre, self.hop_length, self.rel_tol = centre, hop_length, rel_tol
        self._identity = (
            sample_rate,
            hop_length,
            fmin,
            n_bins,
            bins_per_octave,
            filter_scale,
            gamma,
            rel_tol,
        )

    @property
    def n_bins(self) -> int:
        return self.kernels.shape[0]

    def padded_length(self, num_samples: int) -> int:
        """FFT length ``P = hop * F'`` (``F'`` a power of two) with room for the wavelets' tails."""
        need = num_samples + max(self.centre, self.kernels.shape[1] - self.centre) + self.hop_length
        blocks = 2 ** math.ceil(math.log2(math.ceil(need / self.hop_length)))
        return blocks * self.hop_length

    def _plan(self, size: int, device: torch.device) -> list[_BandGroup]:
        key = (*self._identity, size, str(device))
        if key not in _PLANS:
            _PLANS[key] = self._build_plan(size, device)
            while len(_PLANS) > _MAX_PLANS:
                _PLANS.popitem(last=False)
        _PLANS.move_to_end(key)
        return _PLANS[key]

    @torch.no_grad()
    def _build_plan(self, size: int, device: torch.device) -> list[_BandGroup]:
        n_pos, fold = size // 2 + 1, size // self.hop_length
        starts, blocks, spectra = [], [], []
        for chunk in torch.split(self.kernels.cpu(), 64):
            circular = torch.zeros(chunk.shape[0], size, dtype=torch.complex64)
            circular[:, : chunk.shape[1]] = chunk
            # centre the wavelet on sample 0 so the response at t * hop is centred on that frame
            spectrum = torch.fft.fft(torch.roll(circular, -self.centre, dims=1))[:, :n_pos]
            magnitude = spectrum.abs()
            keep = magnitude >= self.rel_tol * magnitude.max(dim=1, keepdim=True).values
            positions = torch.arange(n_pos)
            lo = torch.where(keep, positions, n_pos).min(dim=1).values
            hi = torch.where(keep, positions, -1).max(dim=1).values
            start = torch.div(lo, fold, rounding_mode="floor") * fold
            starts.append(start)
            blocks.append(torch.div(hi - start, fold, rounding_mode="floor") + 1)
            spectra.append(spectrum)
        start, n_blocks, spectrum = torch.cat(starts), torch.cat(blocks), torch.cat(spectra)
        padded = torch.cat([spectrum, torch.zeros(self.n_bins, 1, dtype=spectrum.dtype)], dim=1)
        groups = []
        for count in torch.unique(n_blocks).tolist():
            bins = torch.nonzero(n_blocks == count).flatten()
            index = start[bins, None] + torch.arange(count * fold)[None, :]
            index = torch.where(index < n_pos, index, n_pos)  # past Nyquist → the zero slot
            weight = torch.gather(padded[bins], 1, index)
            groups.append(_BandGroup(bins.to(device), index.to(device), weight.to(device), count))
        return groups

    def forward(self, wave: Tensor, lengths: Tensor | None = None) -> Tensor:
        """``wave: [B, T]`` (rows valid up to ``lengths: [B]``) → complex ``[B, n_bins, 1 + T // hop]``.

        Each row is transformed at the FFT length its own length needs, so a row of a padded
        batch gets what it gets alone: at the batch's length the wavelet spectra are sampled on
        another grid and cut at ``rel_tol`` elsewhere: a 0.5 s row padded to 1.2 s moved its
        CQCCs (values up to ~800) by 8e-3, 18x the 5e-4 a batched FFT's rounding moves them,
        so a cached file's features depended on its batch-mates. Rows needing one length (a
        batch sorted by length, as extraction makes) share one transform.
        """
        size = self.padded_length(wave.shape[-1])
        if lengths is None or torch.jit.is_tracing():
            return self._at(wave, size)
        sizes = torch.tensor([self.padded_length(int(n)) for n in lengths.tolist()])
        if bool((sizes == size).all()):
            return self._at(wave, size)
        out: Tensor | None = None
        for own in torch.unique(sizes).tolist():
            rows = torch.nonzero(sizes == own).flatten().to(wave.device)
            longest = int(lengths[rows].max())
            part = self._at(wave[rows, :longest], own)  # [rows, n_bins, 1 + longest // hop]
            if out is None:
                frames = 1 + wave.shape[-1] // self.hop_length
                out = part.new_zeros(wave.shape[0], self.n_bins, frames)
            out[rows, :, : part.shape[-1]] = part
        assert out is not None  # lengths has a row per batch row, so some size was seen
        return out

    def _at(self, wave: Tensor, size: int) -> Tensor:
        """The transform of ``wave: [B, T]`` with a ``size``-point FFT."""
        batch, length = wave.shape
        fold = size // self.hop_length
        spectrum = torch.fft.rfft(wave, n=size)  # [B, P // 2 + 1]
        spectrum = torch.cat([spectrum, spectrum.new_zeros(batch, 1)], dim=1)
        out = spectrum.new_zeros(batch, self.n_bins, fold)
        for group in self._plan(size, wave.device):
            band = spectrum[:, group.index] * group.weight  # [B, nb, blocks * F']
            folded = band.reshape(batch, -1, group.blocks, fold).sum(dim=2)  # [B, nb, F']
            out[:, group.bins] = torch.fft.ifft(folded, dim=-1)
        return out[..., : 1 + length // self.hop_length] / self.hop_length

    def power(self, wave: Tensor, lengths: Tensor | None = None) -> Tensor:
        """``|CQT|^2`` of ``wave: [B, T]`` → ``[B, n_bins, frames]`` real."""
        pair = torch.view_as_real(self(wave, lengths))
        return pair[..., 0] ** 2 + pair[..., 1] ** 2


@FRONTENDS.register("cqt")
class Cqt(FramedFrontEnd):
    """Constant-Q transform → ``[B, 1, n_bins, frames]``: power in dB when ``log``, else magnitude.

    With ``log=False`` the magnitudes match ``librosa.cqt(y, sr, hop_length, fmin, n_bins,
    bins_per_octave, filter_scale)`` (librosa's defaults: ``fmin`` = C1, 84 bins, 12 per octave).
    """

    name = "cqt"
    defaults: ClassVar[dict[str, Any]] = {
        "hop_length": 160,
        "fmin": 32.703195662574764,
        "n_bins": 84,
        "bins_per_octave": 12,
        "filter_scale": 1.0,
        "log": True,
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        p = self.params
        self.hop_length = p["hop_length"]
        self.cqt = ConstantQTransform(
            sample_rate,
            p["hop_length"],
            p["fmin"],
            p["n_bins"],
            p["bins_per_octave"],
            p["filter_scale"],
        )

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        power = self.cqt.power(wave, lengths)  # [B, n_bins, frames]
        return (power_to_db(power) if self.params["log"] else torch.sqrt(power))[:, None]


def uniform_resampling(freqs: np.ndarray, step: float) -> np.ndarray:
    """Linear interpolation from geometric bins ``freqs`` to a uniform grid → ``[n_uniform, n_bins]``.

    The grid starts at ``freqs[0]`` with spacing ``step`` and stops at the top bin.
    """
    grid = np.arange(freqs[0], freqs[-1] + step / 2, step)
    upper = np.clip(np.searchsorted(freqs, grid, side="right"), 1, len(freqs) - 1)
    lower = upper - 1
    frac = np.clip((grid - freqs[lower]) / (freqs[upper] - freqs[lower]), 0.0, 1.0)
    matrix = np.zeros((len(grid), len(freqs)))
    rows = np.arange(len(grid))
    matrix[rows, lower] += 1 - frac
    matrix[rows, upper] += frac
    return matrix


@FRONTENDS.register("cqcc")
class Cqcc(HeadAfterCache, FramedFrontEnd):
    """Constant-Q cepstral coefficients (Todisco, Delgado & Evans, 2016/2017; ASVspoof CQCC baseline).

    Variable-Q transform with ``bins_per_octave`` = 96 over ``octaves`` = 9 octaves below Nyquist and
    ``gamma = 228.7 * (2^(1/B) - 2^(-1/B))`` (the baseline's settings) → natural log power → uniform
    resampling (the first octave gets ``d`` = 16 uniform samples, spacing ``fmin / d``) → DCT-II,
    keeping ``n_ceps`` = 20 coefficients (c0..c19), then ``keep`` / ``drop`` and deltas (default
    static + delta + delta-delta → 60). Resampling and DCT are linear, so they are applied as one
    ``[n_ceps, n_bins]`` matrix.
    """

    name = "cqcc"
    defaults: ClassVar[dict[str, Any]] = {
        "hop_length": 160,
        "bins_per_octave": 96,
        "octaves": 9,
        "d": 16,
        "n_ceps": 20,
        "deltas": 2,
        "delta_width": 3,
        "keep": None,
        "drop": None,
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        p = self.params
        require(p["d"] > 0, "d", "must be > 0")
        self.hop_length = p["hop_length"]
        bins_per_octave = p["bins_per_octave"]
        fmin = sample_rate / 2 / 2 ** p["octaves"]
        gamma = 228.7 * (2 ** (1 / bins_per_octave) - 2 ** (-1 / bins_per_octave))
        # bins 0 .. B * octaves - 1: the top bin sits one step below Nyquist
        self.cqt = ConstantQTransform(
            sample_rate,
            p["hop_length"],
            fmin,
            bins_per_octave * p["octaves"],
            bins_per_octave,
            gamma=gamma,
        )
        resample = uniform_resampling(self.cqt.freqs, fmin / p["d"])  # [n_uniform, n_bins]
        dct = dct_matrix(resample.shape[0], p["n_ceps"]).double().numpy()
        cepstrum = torch.from_numpy((dct @ resample).astype(np.float32))  # [n_ceps, n_bins]
        self.register_buffer("cepstrum", cepstrum, persistent=False)
        self.head = cepstral_head(p["n_ceps"], p)

    def cached_transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        log_power = torch.log(torch.clamp(self.cqt.power(wave, lengths), min=AMIN))
        return torch.matmul(self.cepstrum, log_power)[:, None]  # [B, 1, n_ceps, frames]
