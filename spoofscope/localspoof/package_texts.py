"""Transcripts of the protocol-v2 source packages, registered as :data:`TRANSCRIPTS` readers.

Each reader turns what a package ships beside its recordings into a file → text map:

- ``ktuberling``: KTuberling's ``<folder>.soundtheme`` names each clip after the English word of
  the object it says (``name="eye" file="es/ojo.wav"``). Older folders name their files in their
  own language (``ojo``, ``patata_pilota``, ``egypte_palmier``), newer ones reuse the English word
  (``de/ball.ogg``). A clip's text is its file name (theme prefix such as ``patata_`` dropped,
  ``-``/``_`` read as spaces) where that is English or differs from the English word; otherwise it
  has none, since the German ``ball.ogg`` says *Ball* but ``coat.ogg`` says *Mantel*. File names
  carry no diacritics (Finnish ``silma`` for *silmä*), so a synthesizer reading them is close, not
  exact.
- ``pocketsphinx``: the ``transcription`` files of PocketSphinx's test data
  (``<s> he was not an ill disposed young man </s> (file-id)``).
- ``gcin``: gcin-voice's clips lie in one folder per Mandarin syllable, named in Zhuyin with its
  tone digit (``ㄅㄚ3/3.ogg``); the folder name is the text.
- ``none``: packages without transcripts (the Drascula voices, codec2's reference clips).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from spoofscope.localspoof.sources import (
    TRANSCRIPTS,
    Collection,
    TranscriptReader,
    package_files,
)

KTUBERLING_ROOT = Path("/usr/share/ktuberling/sounds")
POCKETSPHINX_ROOT = Path("/usr/share/pocketsphinx/test/data")

_SOUND = re.compile(r'<sound\s+name="([^"]*)"\s+file="([^"]+)"')
_TRANSCRIPTION = re.compile(r"^\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^()]+)\)\s*$")


def _words(stem: str) -> str:
    return " ".join(stem.replace("_", " ").replace("-", " ").split())


@cache
def ktuberling_texts(folder: str) -> dict[str, str]:
    """``<folder>/<file>`` → what the clip says, from ``<folder>.soundtheme`` (see module doc)."""
    theme = KTUBERLING_ROOT / f"{folder}.soundtheme"
    if not theme.is_file():
        return {}
    out: dict[str, str] = {}
    for name, file in _SOUND.findall(theme.read_text(encoding="utf-8", errors="replace")):
        stem = Path(file).stem
        # "egypt_bridge" / "patata_pilota": the first word names the playground, not the object
        word = stem.split("_", 1)[-1]
        english = name.split("_", 1)[-1]
        if folder == "en" or word.lower() != english.lower():
            out[file] = _words(word).lower()
    return out


@cache
def pocketsphinx_texts() -> dict[str, str]:
    """File id → transcript, from every ``transcription`` file of the test data."""
    out: dict[str, str] = {}
    for listing in sorted(POCKETSPHINX_ROOT.glob("**/*transcription")):
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _TRANSCRIPTION.match(line)
            if m and m.group(1).strip():
                out[m.group(2).strip()] = " ".join(m.group(1).split())
    return out


def _ktuberling_key(coll: Collection, path: str) -> str:
    return path[len(str(KTUBERLING_ROOT)) + 1 :]


TRANSCRIPTS.register("ktuberling")(
    TranscriptReader(lambda coll: ktuberling_texts(Path(coll.root).name), _ktuberling_key)
)
TRANSCRIPTS.register("pocketsphinx")(
    TranscriptReader(lambda coll: pocketsphinx_texts(), lambda coll, path: Path(path).stem)
)


def gcin_texts(coll: Collection) -> dict[str, str]:
    """Syllable → itself: gcin-voice names each clip's folder after what it says."""
    names = {Path(p).parent.name for p in package_files(coll.package) if p.endswith(coll.suffix)}
    return {name: name for name in names}


TRANSCRIPTS.register("gcin")(
    TranscriptReader(gcin_texts, lambda coll, path: Path(path).parent.name)
)
TRANSCRIPTS.register("none")(TranscriptReader(lambda coll: {}, lambda coll, path: path))
