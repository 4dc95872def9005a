"""On-the-fly, seeded data augmentation.

Waveform transforms take one mono waveform ``[T]`` (float32, at the sample rate given to their
constructor) and a ``numpy.random.Generator``, and return a new float32 waveform:
``transform(wave, rng) -> wave``. All randomness comes from ``rng``, so a dataset that seeds one
generator per (seed, epoch, index) gets the same augmented audio on every run. Each transform keeps
the length (except ``random-crop``), returns finite values and stays inside ``[-1, 1]`` (except
``gain`` with ``clip=False``).

They are registered by name in :data:`AUGMENTATIONS` and built from a recipe's list with
:func:`build_augment`::

    augment:
      - {name: rawboost, algo: 5, p: 0.5}
      - {name: codec, codecs: [mu-law, gsm, mp3], p: 0.3}
      - {name: noise, snr_min: 5, snr_max: 30, p: 0.3}

:class:`SpecAugment` (time and frequency masking) works on feature batches instead: it is registered
in :data:`FEATURE_AUGMENTATIONS`, and a recipe's ``feature_augment`` list (same entry format) is
built by :func:`build_feature_augment` and applied by the trainer to the front-end's output::

    feature_augment:
      - {name: specaugment, n_freq_masks: 1, max_freq_width: 20, mask_value: mean}
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from spoofscope.audio import rawboost
from spoofscope.errors import ConfigError, UnknownNameError
from spoofscope.registry import Registry

#: name → waveform transform class; ``AUGMENTATIONS.get("gain")(min_db=-6, max_db=6)``.
AUGMENTATIONS: Registry = Registry("augmentation")
#: name → feature-batch transform (a ``torch.nn.Module`` active in training mode only).
FEATURE_AUGMENTATIONS: Registry = Registry("feature augmentation")


class Transform(Protocol):
    """What every waveform augmentation is: ``[T]`` float32 and a generator in, float32 out."""

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...


def _check_range(key: str, low: float, high: float) -> None:
    if low > high:
        raise ConfigError(key, f"minimum {low} exceeds maximum {high}")


def _to_float64(wave: np.ndarray) -> np.ndarray:
    # Processing in float64 keeps filters and SNR arithmetic exact; np.asarray also drops the
    # Waveform subclass so nothing downstream mistakes augmented audio for a loaded file.
    return np.asarray(wave, dtype=np.float64).reshape(-1)


def _to_float32(wave: np.ndarray) -> np.ndarray:
    return np.asarray(wave, dtype=np.float32)


def _fit_length(wave: np.ndarray, length: int) -> np.ndarray:
    """Crop or zero-pad the end of ``wave`` to ``length`` samples."""
    if len(wave) >= length:
        return wave[:length]
    return np.pad(wave, (0, length - len(wave)))


# --- RawBoost ------------------------------------------------------------------------------------


@AUGMENTATIONS.register("rawboost")
class RawBoost:
    """RawBoost (Tak et al., ICASSP 2022) with the paper's algorithm ids and parameters.

    Args:
        algo: combination id 1-8 (see :data:`spoofscope.audio.rawboost.ALGORITHMS`); the default
            5 is convolutive then impulsive noise, in series.
        sr: sample rate of the waveforms, in Hz.
        **params: any :class:`~spoofscope.audio.rawboost.RawBoostParams` field by its paper name
            (``nBands``, ``minF``, …, ``SNRmax``).

    Raises:
        ConfigError: unknown ``algo`` or parameter, or an inconsistent range.
    """

    def __init__(self, algo: int = 5, sr: int = 16000, **params: float) -> None:
        if algo not in rawboost.ALGORITHMS:
            raise ConfigError("rawboost.algo", f"choose one of {sorted(rawboost.ALGORITHMS)}")
        allowed = set(inspect.signature(rawboost.RawBoostParams).parameters)
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise ConfigError(f"rawboost.{unknown[0]}", f"unknown; choose from {sorted(allowed)}")
        self.algo, self.sr = algo, sr
        self.params = rawboost.RawBoostParams(**params)  # type: ignore[arg-type]

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        combination = rawboost.ALGORITHMS[self.algo]
        return _to_float32(combination(_to_float64(wave), rng, self.sr, self.params))


# --- additive noise ------------------------------------------------------------------------------

#: spectral slope of each generated noise colour: power ∝ 1 / f^exponent.
NOISE_COLOURS: dict[str, float] = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def coloured_noise(length: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise ``[length]`` whose power spectrum falls as ``1 / f^exponent``, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.fft.rfftfreq(length)
    # The DC bin would be infinite for exponent > 0; give it the first bin's weight instead.
    freqs[0] = freqs[1] if length > 2 else 1.0
    noise = np.fft.irfft(spectrum * freqs ** (-exponent / 2.0), n=length)
    rms = float(np.sqrt(np.mean(noise**2)))
    return noise / rms if rms > 0 else noise


def mix_at_snr(signal: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Add ``noise`` to ``signal`` (same length) scaled to ``snr_db`` (power ratio), peak-limited.

    A silent signal is returned unchanged: its SNR is undefined, and adding noise to it would
    invent content (silence is also a cue the loader flags separately).
    """
    signal_power = float(np.mean(signal**2))
    noise_power = float(np.mean(noise**2))
    if signal_power == 0.0 or noise_power == 0.0:
        return signal.copy()
    scale = np.sqrt(signal_power / (noise_power * 10.0 ** (snr_db / 10.0)))
    return rawboost.peak_limit(signal + scale * noise)


@AUGMENTATIONS.register("noise")
class AddNoise:
    """Additive noise at an SNR drawn uniformly from ``[snr_min, snr_max]`` dB.

    Each call picks one source uniformly among the generated colours and the noise files.

    Args:
        snr_min, snr_max: SNR range in dB.
        colours: generated noises to use, from :data:`NOISE_COLOURS` (white, pink, brown).
        files: noise recordings (loaded once at ``sr``, looped when shorter than the speech, read
            from a random offset).
        sr: sample rate of the waveforms, in Hz.

    Raises:
        ConfigError: bad SNR range, or no source at all.
        UnknownNameError: unknown colour.
        AudioError: (at first use) a noise file cannot be loaded.
    """

    def __init__(
        self,
        snr_min: float = 5.0,
        snr_max: float = 30.0,
        colours: Sequence[str] = ("white", "pink", "brown"),
        files: Sequence[str] = (),
        sr: int = 16000,
    ) -> None:
        _check_range("noise.snr_min", snr_min, snr_max)
        for colour in colours:
            if colour not in NOISE_COLOURS:
                raise UnknownNameError("noise colour", colour, list(NOISE_COLOURS))
        if not colours and not files:
            raise ConfigError("noise.colours/files", "give at least one noise colour or file")
        self.snr_min, self.snr_max, self.sr = snr_min, snr_max, sr
        self.sources: list[str] = [*colours, *(str(f) for f in files)]
        self._loaded: dict[str, np.ndarray] = {}

    def _file_noise(self, path: str, length: int, rng: np.random.Generator) -> np.ndarray:
        if path not in self._loaded:
            from spoofscope.audio.io import load

            self._loaded[path] = _to_float64(load(path, sr=self.sr))
        noise = self._loaded[path]
        noise = np.tile(noise, -(-length // len(noise)) + 1)  # at least one spare loop to offset in
        start = int(rng.integers(0, len(noise) - length + 1))
        return noise[start : start + length]

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _to_float64(wave)
        source = self.sources[int(rng.integers(len(self.sources)))]
        if source in NOISE_COLOURS:
            noise = coloured_noise(len(x), NOISE_COLOURS[source], rng)
        else:
            noise = self._file_noise(source, len(x), rng)
        return _to_float32(mix_at_snr(x, noise, rng.uniform(self.snr_min, self.snr_max)))


# --- level and time ------------------------------------------------------------------------------


@AUGMENTATIONS.register("gain")
class Gain:
    """Multiply by a gain drawn uniformly from ``[min_db, max_db]`` dB.

    Args:
        min_db, max_db: gain range in dB.
        clip: hard-clip the result to ``[-1, 1]``, as an overdriven ADC or codec input would (the
            distortion is part of what the augmentation teaches); False lets values exceed 1.

    Raises:
        ConfigError: ``min_db > max_db``.
    """

    def __init__(self, min_db: float = -6.0, max_db: float = 6.0, clip: bool = True) -> None:
        _check_range("gain.min_db", min_db, max_db)
        self.min_db, self.max_db, self.clip = min_db, max_db, clip

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = _to_float64(wave) * 10.0 ** (rng.uniform(self.min_db, self.max_db) / 20.0)
        return _to_float32(np.clip(y, -1.0, 1.0) if self.clip else y)


@AUGMENTATIONS.register("time-shift")
class TimeShift:
    """Shift in time by up to ``max_seconds`` either way, keeping the length.

    Args:
        max_seconds: largest shift.
        circular: wrap the samples that fall off one end around to the other (no new silence);
            False fills the gap with zeros.
        sr: sample rate in Hz.

    Raises:
        ConfigError: negative ``max_seconds``.
    """

    def __init__(self, max_seconds: float = 0.5, circular: bool = True, sr: int = 16000) -> None:
        if max_seconds < 0:
            raise ConfigError("time-shift.max_seconds", f"must be non-negative, got {max_seconds}")
        self.max_samples = round(max_seconds * sr)
        self.circular = circular

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _to_float32(wave).reshape(-1)
        limit = min(self.max_samples, len(x))
        shift = int(rng.integers(-limit, limit, endpoint=True))
        if self.circular or shift == 0:
            return np.roll(x, shift)
        out = np.zeros_like(x)
        if shift > 0:
            out[shift:] = x[:-shift]
        else:
            out[:shift] = x[-shift:]
        return out


@AUGMENTATIONS.register("random-crop")
class RandomCrop:
    """Keep a random segment whose duration is drawn from ``[min_seconds, max_seconds]``.

    Teaches a model to decide from short excerpts (a single word in a call is about 0.3 s).
    A waveform already shorter than the drawn duration is returned whole.

    Args:
        min_seconds, max_seconds: duration range of the kept segment.
        sr: sample rate in Hz.

    Raises:
        ConfigError: bad range or a non-positive minimum.
    """

    def __init__(self, min_seconds: float = 0.3, max_seconds: float = 4.0, sr: int = 16000) -> None:
        _check_range("random-crop.min_seconds", min_seconds, max_seconds)
        if min_seconds <= 0:
            raise ConfigError("random-crop.min_seconds", f"must be positive, got {min_seconds}")
        self.min_samples = max(1, round(min_seconds * sr))
        self.max_samples = max(self.min_samples, round(max_seconds * sr))

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _to_float32(wave).reshape(-1)
        length = int(rng.integers(self.min_samples, self.max_samples, endpoint=True))
        if length >= len(x):
            return x.copy()
        start = int(rng.integers(0, len(x) - length, endpoint=True))
        return x[start : start + length].copy()


# --- pitch ---------------------------------------------------------------------------------------


def _pitch_by_resampling(x: np.ndarray, sr: int, semitones: float) -> np.ndarray:
    import soxr

    ratio = 2.0 ** (semitones / 12.0)
    # Played back ratio times faster: pitch and tempo both rise by `ratio` (speed perturbation).
    faster = soxr.resample(x, sr * ratio, sr, quality="HQ")
    return _fit_length(faster, len(x))


def _pitch_by_librosa(x: np.ndarray, sr: int, semitones: float) -> np.ndarray:
    import librosa

    return librosa.effects.pitch_shift(x, sr=sr, n_steps=semitones, res_type="soxr_hq")


#: pitch-shift implementations by name (see :class:`PitchShift` for the trade-off).
PITCH_METHODS: dict[str, Callable[[np.ndarray, int, float], np.ndarray]] = {
    "resample": _pitch_by_resampling,
    "librosa": _pitch_by_librosa,
}


@AUGMENTATIONS.register("pitch-shift")
class PitchShift:
    """Shift the pitch by a number of semitones drawn uniformly from ``[min_semitones, max_semitones]``.

    Two methods:

    - ``resample`` (default): one soxr resampling, i.e. speed perturbation; pitch *and* tempo
      change together, and the end is cropped or zero-padded back to the input length.
    - ``librosa``: ``librosa.effects.pitch_shift`` (phase-vocoder time stretch, then resampling);
      keeps the tempo, but smears transients with phase-vocoder artefacts, which are close to
      what a countermeasure is trained to find, and is slower: on 4 s of 16 kHz audio, 15 ms per
      call against 1.1 ms for ``resample`` (about 13×, measured on the 2-core CI machine).

    Args:
        min_semitones, max_semitones: range of the shift.
        method: a key of :data:`PITCH_METHODS`.
        sr: sample rate in Hz.

    Raises:
        ConfigError: bad range.
        UnknownNameError: unknown method.
    """

    def __init__(
        self,
        min_semitones: float = -2.0,
        max_semitones: float = 2.0,
        method: str = "resample",
        sr: int = 16000,
    ) -> None:
        _check_range("pitch-shift.min_semitones", min_semitones, max_semitones)
        if method not in PITCH_METHODS:
            raise UnknownNameError("pitch-shift method", method, list(PITCH_METHODS))
        self.min_semitones, self.max_semitones = min_semitones, max_semitones
        self.method, self.sr = method, sr

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = _to_float64(wave)
        semitones = rng.uniform(self.min_semitones, self.max_semitones)
        shifted = PITCH_METHODS[self.method](x, self.sr, semitones)
        return _to_float32(rawboost.peak_limit(_fit_length(shifted, len(x))))


# --- codecs --------------------------------------------------------------------------------------


@AUGMENTATIONS.register("codec")
class Codec:
    """Pass the waveform through a lossy codec chosen uniformly from ``codecs`` at each call.

    The codecs live in :mod:`spoofscope.audio.channel` (``apply_codec(wave, sr, codec, **kw)``,
    names in its ``CODECS`` registry), imported when a ``Codec`` is built; this class only draws the
    codec, passes its options, and keeps the length and the ``[-1, 1]`` range. G.711 (``mulaw``,
    ``alaw``) costs ~2 ms for 3 s of audio on the 2-core CI machine; ``gsm`` ~12 ms, ``mp3`` ~30 ms
    and ``opus`` ~100 ms (libsndfile, in memory), so give them a low probability.

    Args:
        codecs: codec names from ``spoofscope.audio.channel.CODECS``.
        options: per-codec keyword arguments for ``apply_codec``, e.g. ``{"mp3": {"bitrate": "32k"}}``.
        sr: sample rate in Hz.

    Raises:
        ConfigError: empty ``codecs`` or options for a codec not in the list.
        UnknownNameError: a codec the channel module does not register.
    """

    def __init__(
        self,
        codecs: Sequence[str] = ("mulaw", "alaw", "gsm", "mp3", "opus"),
        options: Mapping[str, Mapping[str, Any]] | None = None,
        sr: int = 16000,
    ) -> None:
        from spoofscope.audio.channel import CODECS

        if not codecs:
            raise ConfigError("codec.codecs", "give at least one codec")
        for name in codecs:
            if name not in CODECS:
                raise UnknownNameError("codec", name, CODECS.names())
        options = dict(options or {})
        stray = sorted(set(options) - set(codecs))
        if stray:
            raise ConfigError(f"codec.options.{stray[0]}", "options for a codec not in 'codecs'")
        self.codecs = list(codecs)
        self.options = {name: dict(options.get(name, {})) for name in self.codecs}
        self.sr = sr

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from spoofscope.audio.channel import apply_codec

        x = _to_float32(wave).reshape(-1)
        codec = self.codecs[int(rng.integers(len(self.codecs)))]
        coded = np.asarray(apply_codec(x, self.sr, codec, **self.options[codec]), dtype=np.float64)
        return _to_float32(rawboost.peak_limit(_fit_length(coded.reshape(-1), len(x))))


# --- composition ---------------------------------------------------------------------------------


class Compose:
    """Apply transforms in order, each with its own probability.

    Args:
        transforms: the chain.
        p: probability of applying each transform: one number for all, or one per transform.
            One coin is drawn from ``rng`` per transform whatever its probability, so a chain
            consumes the generator the same way for p = 1 and p = 0.99.

    Raises:
        ConfigError: a probability outside ``[0, 1]`` or a list of the wrong length.
    """

    def __init__(self, transforms: Sequence[Transform], p: float | Sequence[float] = 1.0) -> None:
        probs = [float(p)] * len(transforms) if isinstance(p, int | float) else list(p)
        if len(probs) != len(transforms):
            raise ConfigError(
                "augment.p", f"{len(probs)} probabilities for {len(transforms)} transforms"
            )
        for i, prob in enumerate(probs):
            if not 0.0 <= prob <= 1.0:
                raise ConfigError(f"augment[{i}].p", f"must be in [0, 1], got {prob}")
        self.transforms = list(transforms)
        self.p = probs

    def __call__(self, wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        out = np.array(wave, dtype=np.float32).reshape(-1)  # a copy: never hand back the input
        for transform, prob in zip(self.transforms, self.p, strict=True):
            if rng.random() < prob:
                out = transform(out, rng)
        return out

    def __len__(self) -> int:
        return len(self.transforms)


def _build_entries(
    registry: Registry, config: Sequence[Mapping[str, Any]], key: str, **defaults: Any
) -> list[tuple[Any, dict[str, Any]]]:
    """``(class, keyword arguments)`` per entry of a recipe list, with every key checked.

    ``defaults`` are passed to the classes whose constructor takes them, unless the entry sets
    them. ``p`` stays in the arguments: the caller decides who draws the coin.
    """
    built = []
    for i, entry in enumerate(config):
        params = dict(entry)
        if "name" not in params:
            raise ConfigError(f"{key}[{i}]", "missing 'name'")
        cls = registry.get(params.pop("name"))
        signature = inspect.signature(cls)
        takes_any = any(
            param.kind is inspect.Parameter.VAR_KEYWORD for param in signature.parameters.values()
        )
        unknown = sorted(set(params) - set(signature.parameters) - {"p"})
        if unknown and not takes_any:
            allowed = sorted({*signature.parameters, "p"} - set(defaults))
            raise ConfigError(
                f"{key}[{i}].{unknown[0]}", f"unknown for '{entry['name']}'; use {allowed}"
            )
        for name, value in defaults.items():
            if name in signature.parameters:
                params.setdefault(name, value)
        built.append((cls, params))
    return built


def build_augment(config: Sequence[Mapping[str, Any]], sr: int = 16000) -> Compose:
    """Build a :class:`Compose` from a recipe's ``augment`` list.

    Args:
        config: one mapping per transform: ``name`` (a key of :data:`AUGMENTATIONS`), optional
            ``p`` (probability, default 1) and the transform's keyword arguments.
        sr: sample rate of the training waveforms; passed to every transform that takes ``sr``
            unless the entry sets it.

    Returns:
        The composed augmentation (an empty list gives the identity).

    Raises:
        ConfigError: an entry without ``name``, an unknown keyword argument, or a bad value.
        UnknownNameError: an unknown transform name.
    """
    transforms: list[Transform] = []
    probs: list[float] = []
    for cls, params in _build_entries(AUGMENTATIONS, config, "augment", sr=sr):
        probs.append(float(params.pop("p", 1.0)))
        transforms.append(cls(**params))
    return Compose(transforms, probs)


def build_feature_augment(config: Sequence[Mapping[str, Any]]) -> nn.Sequential:
    """Build a recipe's ``feature_augment`` list: the transforms in order, as one module.

    Each entry is ``name`` (a key of :data:`FEATURE_AUGMENTATIONS`) and the transform's keyword
    arguments; its ``p`` is the fraction of examples it touches, drawn per example by the
    transform. Like each transform, the result passes features through in eval mode.

    Raises:
        ConfigError: an entry without ``name``, an unknown keyword argument, or a bad value.
        UnknownNameError: an unknown transform name.
    """
    return nn.Sequential(
        *(
            cls(**params)
            for cls, params in _build_entries(FEATURE_AUGMENTATIONS, config, "feature_augment")
        )
    )


# --- feature masking -----------------------------------------------------------------------------


def _band_masks(
    batch: int, n_masks: int, max_width: int, size: int, generator: torch.Generator | None
) -> torch.Tensor:
    """``[batch, size]`` bool: the union of ``n_masks`` random bands per example.

    Each band has a width uniform in ``[0, max_width]`` (capped at ``size``) and a start uniform
    over the positions where it fits, as in SpecAugment.
    """
    width = torch.randint(0, min(max_width, size) + 1, (batch, n_masks), generator=generator)
    start = (torch.rand(batch, n_masks, generator=generator) * (size - width + 1)).long()
    pos = torch.arange(size)
    inside = (pos >= start[..., None]) & (pos < (start + width)[..., None])  # [B, n, size]
    return inside.any(dim=1)


@FEATURE_AUGMENTATIONS.register("specaugment")
class SpecAugment(nn.Module):
    """SpecAugment frequency and time masking (Park et al., Interspeech 2019), per example.

    Active only in training mode; in eval mode the features pass through untouched. Masks are
    drawn on the CPU from ``generator`` (given to :meth:`forward`, else the one built from
    ``seed``, else torch's global generator) and applied on the features' device, so the same seed
    masks the same cells on CPU and GPU.

    Args:
        n_freq_masks: frequency bands masked per example.
        max_freq_width: widest frequency band, in bins.
        n_time_masks: time spans masked per example.
        max_time_width: longest time span, in frames.
        mask_value: value written into masked cells (0 suits mean-normalised features), or
            ``"mean"``: each example's mean over its own cells, per channel (for log spectra,
            whose 0 is loud rather than neutral).
        p: fraction of examples masked (one draw per example); the others pass unchanged.
        seed: seeds a private generator; None uses torch's global one (saved with every
            training checkpoint, so masks continue bit-for-bit after ``--resume``).

    Raises:
        ConfigError: a negative count or width, ``p`` outside ``[0, 1]`` or an unknown
            ``mask_value``.
    """

    def __init__(
        self,
        n_freq_masks: int = 2,
        max_freq_width: int = 8,
        n_time_masks: int = 2,
        max_time_width: int = 20,
        mask_value: float | str = 0.0,
        p: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        for key, value in (
            ("n_freq_masks", n_freq_masks),
            ("max_freq_width", max_freq_width),
            ("n_time_masks", n_time_masks),
            ("max_time_width", max_time_width),
        ):
            if value < 0:
                raise ConfigError(f"specaugment.{key}", f"must be non-negative, got {value}")
        if not 0.0 <= p <= 1.0:
            raise ConfigError("specaugment.p", f"must be in [0, 1], got {p}")
        if isinstance(mask_value, str) and mask_value != "mean":
            raise ConfigError("specaugment.mask_value", f"a number or 'mean', got {mask_value!r}")
        self.p = float(p)
        self.n_freq_masks, self.max_freq_width = n_freq_masks, max_freq_width
        self.n_time_masks, self.max_time_width = n_time_masks, max_time_width
        self.mask_value = mask_value
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def forward(
        self, feats: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Mask ``feats``: ``[B, F, frames]`` or ``[B, C, F, frames]`` (masks shared across C).

        Returns:
            A new tensor of the same shape (the input is not modified); the input itself in eval
            mode.
        """
        if not self.training:
            return feats
        gen = generator if generator is not None else self.generator
        batch, n_freq, n_frames = feats.shape[0], feats.shape[-2], feats.shape[-1]
        freq = _band_masks(batch, self.n_freq_masks, self.max_freq_width, n_freq, gen)
        time = _band_masks(batch, self.n_time_masks, self.max_time_width, n_frames, gen)
        mask = freq[:, :, None] | time[:, None, :]  # [B, F, frames]
        # one draw per example whatever p, so p = 1 and p = 0.99 consume the generator alike
        chosen = torch.rand(batch, generator=gen) < self.p
        mask = (mask & chosen[:, None, None]).reshape(
            batch, *([1] * (feats.dim() - 3)), n_freq, n_frames
        )
        mask = mask.to(feats.device)
        if self.mask_value == "mean":
            return torch.where(mask, feats.mean(dim=(-2, -1), keepdim=True), feats)
        return feats.masked_fill(mask, self.mask_value)
