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
        why: the reason, in a few words a user can act on. Left out, ``what`` is a whole message
            (``"<what>: <why>"``) and is split back into its parts.

    Every error can be rebuilt from its message alone, whatever its constructor takes, because
    that is how errors cross process boundaries: pickle calls ``cls(*exc.args)`` (here
    ``cls(message)``) before restoring the attributes, and torch re-raises an error from a
    DataLoader worker as ``cls(text)``, where ``text`` is the worker's formatted traceback (see
    :func:`_unwrap`). A worker's NotAudioError therefore reaches the CLI as a NotAudioError
    and prints as one ``error:`` line, not as a RuntimeError with a traceback.
    """

    def __init__(self, what: str | Path, why: str | None = None) -> None:
        if why is None:
            context, message = _unwrap(type(self), str(what))
            what, why = _split_message(message)
            if context:
                # Where the worker raised it; the CLI's one line leaves it out, a traceback shows it.
                self.add_note(context)
        self.what = str(what)
        self.why = why
        super().__init__(f"{self.what}: {self.why}" if self.why else self.what)


def _unwrap(cls: type[BaseException], text: str) -> tuple[str, str]:
    """``(context, message)``: the error's own message inside ``text``, and what came before it.

    ``text`` is usually the message itself (context ""). torch's ``ExceptionWrapper.reraise`` passes
    ``Caught X in DataLoader worker process 0.`` and ``Original Traceback ...`` followed by the
    worker's traceback, whose last line ``<module>.<class>: <message>`` starts the message (which
    may run on over more lines); the traceback above it is the context.
    """
    marker = f"\n{cls.__module__}.{cls.__qualname__}: "
    at = text.rfind(marker)
    if at < 0:
        return "", text
    return text[:at], text[at + len(marker) :].rstrip("\n")


def _split_message(message: str) -> tuple[str, str]:
    """``(what, why)`` of ``"<what>: <why>"``; a message without ": " is all *what*."""
    what, sep, why = message.partition(": ")
    return (what, why) if sep else (message, "")


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
        path: the file (or, alone, the whole message; see :class:`SpoofscopeError`).
        line: 1-based line number, or None when the problem is the file as a whole.
        why: what is wrong with that line.
    """

    def __init__(self, path: str | Path, line: int | None = None, why: str | None = None) -> None:
        if why is None:  # rebuilt from its message: the line is the ":<n>" ending *what*
            super().__init__(path)
            head, sep, tail = self.what.rpartition(":")
            self.line = int(tail) if sep and head and tail.isdigit() else None
            return
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(where, why)


class TextDecodeError(ParseError):
    """A text file (protocol, score file, recipe, manifest) holds bytes that are not UTF-8.

    Args:
        path: the file.
        line: 1-based line of the first undecodable byte.
        why: which byte, where, and what to do about it.
        offset: 0-based byte offset of that byte in the file (None when rebuilt from a message).
    """

    def __init__(
        self,
        path: str | Path,
        line: int | None = None,
        why: str | None = None,
        *,
        offset: int | None = None,
    ) -> None:
        self.offset = offset
        super().__init__(path, line, why)


class ScoreFileError(ParseError):
    """A score file is malformed, empty, or inconsistent."""


class ProtocolError(ParseError):
    """A corpus protocol or metadata file is malformed."""


class ConfigError(SpoofscopeError):
    """A configuration value is missing, of the wrong type or out of range."""


#: what UnknownNameError lists when a registry is empty
_NONE = "none registered"


class UnknownNameError(ConfigError):
    """A name (front-end, model, corpus, attack, ...) is not in its registry."""

    def __init__(
        self, kind: str, name: str | None = None, allowed: list[str] | None = None
    ) -> None:
        if name is None:  # rebuilt from its message: "<kind> '<name>': ...; choose one of: ..."
            super().__init__(kind)
            self.kind, _, quoted = self.what.partition(" '")
            self.name = quoted.removesuffix("'")
            _, _, choices = self.why.partition("choose one of: ")
            self.allowed = choices.split(", ") if choices and choices != _NONE else []
            return
        self.kind = kind
        self.name = name
        self.allowed = list(allowed or [])
        choices = ", ".join(self.allowed) if self.allowed else _NONE
        super().__init__(f"{kind} '{name}'", f"unknown {kind}; choose one of: {choices}")


class CorpusError(SpoofscopeError):
    """A corpus root is missing or does not look like the named release."""


class MetricError(SpoofscopeError):
    """A metric cannot be computed from the given scores (for example, one class is empty)."""


class CheckpointError(SpoofscopeError):
    """A checkpoint or model card is missing, unreadable or inconsistent with its architecture."""


class ExportError(SpoofscopeError):
    """A model could not be written in an exchange format (ONNX), or the written graph disagrees
    with the model it came from."""
