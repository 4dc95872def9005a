"""Audio input: decoding and validation (:mod:`.io`), channel simulation and augmentation."""

from spoofscope.audio.io import (
    DEFAULT_LIMITS,
    AudioLimits,
    AudioQualityWarning,
    Waveform,
    info,
    load,
    quality_flags,
    resample,
)

__all__ = [
    "DEFAULT_LIMITS",
    "AudioLimits",
    "AudioQualityWarning",
    "Waveform",
    "info",
    "load",
    "quality_flags",
    "resample",
]
