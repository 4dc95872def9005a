"""What every LocalSpoof attack is: its requirements, how it is planned, how it renders.

Two kinds exist. A :class:`TtsAttack` speaks a text with one of its voices; a
:class:`ConversionAttack` transforms a bona fide recording. Planning (choosing voice and settings) is
separate from rendering, so a whole build can be planned from the seed before any audio is made,
and a re-run renders exactly the same jobs.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import soundfile as sf

from spoofscope.errors import AudioError, CorpusError


@dataclass(frozen=True)
class Requirement:
    """A package an attack needs, and how to tell it is there.

    Attributes:
        package: the package name to install.
        installer: "apt" (Debian) or "pip" (PyPI).
        probe: an absolute path that the package installs, an executable name (apt), or an
            importable module name (pip).
    """

    package: str
    installer: str
    probe: str

    def present(self) -> bool:
        """True when the probe is found."""
        if self.probe.startswith("/"):
            return Path(self.probe).exists()
        if self.installer == "apt":
            return shutil.which(self.probe) is not None
        return importlib.util.find_spec(self.probe) is not None

    def install_hint(self) -> str:
        """The command that installs the package."""
        if self.installer == "apt":
            return f"apt-get install {self.package}"
        return f"pip install {self.package}"


@dataclass(frozen=True)
class TtsVoice:
    """One voice of a synthesizer.

    Attributes:
        name: the synthesizer's own name for the voice (``en-us+f3``, ``slt``, ``kal_diphone``).
        language: ISO 639-1 code the voice speaks.
        gender: "female" or "male".
        encoding: text encoding the synthesizer expects (festival's Czech voices want ISO-8859-2).
        strict_lts: the voice's letter-to-sound rules abort the whole utterance on a token with
            no letters (``...``, ``!``, ``—``) or on a character they have no rule for (``«``, the
            dot of ``file.ogg``), so such tokens are removed before synthesis.
    """

    name: str
    language: str
    gender: str
    encoding: str = "utf-8"
    strict_lts: bool = False


class Attack(ABC):
    """Base of every attack: an id (``L01``), a title, the synthesizer it uses and what it needs."""

    id: ClassVar[str]
    title: ClassVar[str]
    synthesizer: ClassVar[str]
    requires: ClassVar[tuple[Requirement, ...]] = ()
    #: True for attacks that transform a bona fide recording rather than speak a text.
    converts: ClassVar[bool] = False
    #: True for attacks whose files are synthetic only in part (their span is recorded).
    partial: ClassVar[bool] = False

    def check(self) -> None:
        """Raise CorpusError naming the first missing package and the command that installs it."""
        for req in self.requires:
            if not req.present():
                raise CorpusError(
                    f"attack {self.id} ({self.title})",
                    f"needs the {req.installer} package {req.package}: run `{req.install_hint()}`, "
                    f"or build without it, e.g. --attacks with {self.id} left out",
                )


class TtsAttack(Attack):
    """A text-to-speech attack: plans a voice for a language, then speaks a text with it."""

    voices: ClassVar[tuple[TtsVoice, ...]]

    def languages(self) -> set[str]:
        """Languages at least one voice speaks."""
        return {v.language for v in self.voices}

    def plan(self, rng: np.random.Generator, language: str, gender: str) -> dict[str, Any]:
        """Choose a voice for ``language`` (of ``gender`` when there is one) and its settings.

        Returns:
            JSON-serialisable settings, with at least ``voice`` and ``language``.
        """
        speaking = [v for v in self.voices if v.language == language] or list(self.voices)
        matching = [v for v in speaking if v.gender == gender] or speaking
        voice = matching[int(rng.integers(len(matching)))]
        return {"voice": voice.name, "language": voice.language, "gender": voice.gender}

    def voice(self, name: str) -> TtsVoice:
        """The voice called ``name``."""
        for v in self.voices:
            if v.name == name:
                return v
        raise CorpusError(f"attack {self.id}", f"has no voice '{name}'")

    @abstractmethod
    def synthesize(self, text: str, settings: dict[str, Any]) -> tuple[np.ndarray, int]:
        """Speak ``text`` with the planned ``settings``; return samples [T] and their rate.

        Raises:
            AudioError: when the synthesizer fails or produces no audio.
        """


def draw_target_gender(rng: np.random.Generator, source_gender: str, p_cross: float = 0.5) -> str:
    """The gender a conversion of a ``source_gender`` voice aims at: the other one with
    probability ``p_cross`` (one draw of ``rng``), else the source's own."""
    other = {"male": "female", "female": "male"}[source_gender]
    return other if rng.random() < p_cross else source_gender


class ConversionAttack(Attack):
    """An attack that re-synthesises a bona fide recording."""

    converts: ClassVar[bool] = True

    @abstractmethod
    def plan(self, rng: np.random.Generator, source_gender: str) -> dict[str, Any]:
        """Choose the JSON-serialisable settings of one conversion of a ``source_gender`` voice."""

    @abstractmethod
    def convert(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int]:
        """Transform ``wave`` [T] at ``sr`` with ``settings``; return samples [T'] and their rate."""

    def convert_with_span(
        self, wave: np.ndarray, sr: int, settings: dict[str, Any]
    ) -> tuple[np.ndarray, int, tuple[float, float] | None]:
        """:meth:`convert`, and where it put synthetic audio, in seconds of its output, when that
        is only part of it (a partial spoof); None when all of the output is synthetic."""
        return (*self.convert(wave, sr, settings), None)


@dataclass
class CommandSynth:
    """Runs a command-line synthesizer that writes a WAV file, and decodes the result.

    ``{out}`` and ``{text_file}`` in ``argv`` are replaced by temporary paths; the text is written to
    ``text_file`` in ``encoding`` (characters it cannot hold are dropped).
    """

    argv: list[str]
    encoding: str = "utf-8"
    env: dict[str, str] = field(default_factory=dict)

    def run(self, text: str, what: str) -> tuple[np.ndarray, int]:
        """Synthesise ``text``; ``what`` names the voice in errors.

        Raises:
            AudioError: when the command fails or writes no samples.
        """
        with tempfile.TemporaryDirectory(prefix="localspoof-") as tmp:
            out = Path(tmp) / "out.wav"
            text_file = Path(tmp) / "text.txt"
            text_file.write_bytes(text.encode(self.encoding, errors="ignore"))
            argv = [a.format(out=out, text_file=text_file) for a in self.argv]
            res = subprocess.run(argv, capture_output=True, check=False, timeout=120)
            if res.returncode != 0 or not out.is_file():
                why = res.stderr.decode(errors="replace").strip()[-300:] or f"exit {res.returncode}"
                raise AudioError(what, f"synthesizer failed: {why}")
            try:
                data, sr = sf.read(io.BytesIO(out.read_bytes()), dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                # Seen with festival on some inputs: a header-only or truncated WAV.
                raise AudioError(
                    what, f"synthesizer wrote unreadable audio for {text!r}: {exc}"
                ) from None
        if data.shape[0] == 0 or not np.any(data):
            raise AudioError(what, f"synthesizer produced no audio for {text!r}")
        return data.mean(axis=1), int(sr)
