"""Typed errors raised by spoofscope.

Every error carries *what* failed (a file, a key, a line) and *why*, so the CLI can print one line
``error: <what>: <why>`` and exit 2 without a traceback (see docs/architecture.md, "Errors").
"""

from __future__ import annotations

from pathlib import Path


class SpoofscopeError(Exception):
    """Base class of every error spoofscope raises on bad input.

    Args:
        what: the thing that failed (a path, a config key, a corpus name).
        why: the reason, in a few words a user can act on.
    """

    def __init__(self, what: str | Path, why: str) -> None:
        self.what = str(what)
        self.why = why
        super().__init__(f"{self.what}: {self.why}")


# --- audio ------------------------------------------------------------------------------------


class AudioError(SpoofscopeError):
    """A file could not be turned into a usable waveform."""

    @property
    def path(self) -> str:
        return self.what


class AudioNotFoundError(AudioError):
    """The path does not exist."""


class AudioIsDirectoryError(AudioError):
    """The path is a directory, not a file."""


class NotAudioError(AudioError):
    """The file is not in any audio format we can decode (for example a text file named .wav)."""


class CorruptAudioError(AudioError):
    """The file looks like audio but its data is truncated or damaged."""


class EmptyAudioError(AudioError):
    """The file decodes to zero samples."""


class NonFiniteAudioError(AudioError):
    """The decoded samples contain NaN or infinity (possible in float WAV)."""


class AudioTooShortError(AudioError):
    """The recording is shorter than the configured minimum duration."""


class AudioTooLongError(AudioError):
    """The recording is longer than the configured maximum duration."""


class SampleRateError(AudioError):
    """The file's sample rate, or the requested one, is outside the supported range."""


# --- files of scores, protocols, configs ---------------------------------------------------------


class ParseError(SpoofscopeError):
    """A line of a text file (score file, protocol, manifest) could not be parsed.

    Args:
        path: the file.
        line: 1-based line number, or None when the problem is the file as a whole.
        why: what is wrong with that line.
    """

    def __init__(self, path: str | Path, line: int | None, why: str) -> None:
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(where, why)


class ScoreFileError(ParseError):
    """A score file is malformed, empty, or inconsistent."""


class ProtocolError(ParseError):
    """A corpus protocol or metadata file is malformed."""


class ConfigError(SpoofscopeError):
    """A configuration value is missing, of the wrong type or out of range."""


class UnknownNameError(ConfigError):
    """A name (front-end, model, corpus, attack, ...) is not in its registry."""

    def __init__(self, kind: str, name: str, allowed: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none registered"
        super().__init__(f"{kind} '{name}'", f"unknown {kind}; choose one of: {choices}")


class CorpusError(SpoofscopeError):
    """A corpus root is missing or does not look like the named release."""


class MetricError(SpoofscopeError):
    """A metric cannot be computed from the given scores (for example, one class is empty)."""


class CheckpointError(SpoofscopeError):
    """A checkpoint or model card is missing, unreadable or inconsistent with its architecture."""
