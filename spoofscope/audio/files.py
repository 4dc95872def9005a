"""Which files of the paths a user names are audio: files as given, folders by extension.

``spoofscope score a.wav calls/`` scores ``a.wav`` whatever its name (a file named explicitly
is meant to be scored; if it is not audio, its row says so) and every file of ``calls/`` whose
extension is an audio format's, in sorted order, its sub-folders too with ``recursive``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: extensions of the formats :func:`spoofscope.audio.io.load` decodes (libsndfile, and ffmpeg
#: for MP4 and WebM containers), matched case-insensitively
AUDIO_EXTENSIONS = (
    ".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".webm",
    ".aiff", ".aif", ".aifc", ".au", ".snd", ".caf", ".w64", ".rf64", ".wv",
)  # fmt: skip


@dataclass(frozen=True)
class FoundAudio:
    """A file to score.

    Attributes:
        path: the file, as the user's path plus what was found below it.
        name: the path relative to the folder named (POSIX separators); for a file named
            directly, its file name.
    """

    path: Path
    name: str


def is_audio_name(name: str) -> bool:
    """Whether a file name has an audio extension (hidden files never do)."""
    return not name.startswith(".") and name.lower().endswith(AUDIO_EXTENSIONS)


def find_audio(paths: list[str | os.PathLike], recursive: bool = False) -> list[FoundAudio]:
    """The files named in ``paths`` and the audio files in the folders named, in a fixed order.

    Paths come in the order given, each folder's files sorted by name (sub-folders after the
    files of their parent, each sorted, with ``recursive``); a file reached twice (named twice,
    or named and inside a folder named) is kept once, where it first came. A path that does not
    exist is kept as a file, so that scoring reports it rather than dropping it.
    """
    found: list[FoundAudio] = []
    seen: set[str] = set()

    def add(path: Path, name: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.append(FoundAudio(path, name))

    for given in map(Path, paths):
        if not given.is_dir():
            add(given, given.name)
            continue
        for dirpath, dirnames, filenames in os.walk(given):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
            base = Path(dirpath)
            for name in sorted(filter(is_audio_name, filenames)):
                add(base / name, (base / name).relative_to(given).as_posix())
    return found
