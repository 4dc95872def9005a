"""Bona fide sources of LocalSpoof: real human recordings shipped by Debian packages.

A *voice* is one person. The Asterisk English and Mexican-Spanish core sounds are both read by
Allison Smith, so they form one voice with two collections. Files are found through dpkg's list of
the files each package installed (``/var/lib/dpkg/info/PKG.list``), so alternatives symlinks and
other packages' files in the same folders never mix voices.

Genders: the Asterisk folder names say them (``en_US_f_Allison``, ``it_IT_m_Carlo``); for the
Fish Fillets actors, who are not credited by gender, they come from the median F0 we measured with
WORLD DIO on 15 clips per actor (small fish: 251 Hz cs, 207 Hz nl; big fish: 123 Hz cs, 124 Hz nl).
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf

from spoofscope.errors import AudioError, CorpusError
from spoofscope.localspoof.rawaudio import raw_format, raw_frames, read_raw
from spoofscope.registry import Registry

DPKG_INFO = Path("/var/lib/dpkg/info")
DOC_ROOT = Path("/usr/share/doc")
FILLETS_ROOT = Path("/usr/share/games/fillets-ng")
FILLETS_SCRIPTS_PACKAGE = "fillets-ng-data"
KLETTRES_ROOT = Path("/usr/share/klettres")
KLETTRES_PACKAGE = "klettres-data"


@dataclass(frozen=True)
class Collection:
    """One package's recordings of one voice in one language.

    Attributes:
        package: the Debian package that installs the files.
        language: ISO 639-1 code of what is said.
        suffix: file extension of the recordings (".wav", ".gsm", ".ogg").
        root: folder the prompt names are relative to (Asterisk) or the Fillets sound folder.
        texts: "asterisk:<lang>" (core-sounds-<lang>.txt of the meta package), "fillets" or
            "klettres" (the letter or syllable each ``sounds.xml`` names).
        clip_pattern: regular expression a file name must match (selects one Fillets character).
        sample_rate: keep only files recorded at this rate (None: all). Some folders hold two
            people recorded apart, and the rate their files were saved at tells them apart.
    """

    package: str
    language: str
    suffix: str
    root: str
    texts: str
    clip_pattern: str = ".*"
    sample_rate: int | None = None


@dataclass(frozen=True)
class Voice:
    """One real person, with the split their recordings belong to."""

    speaker: str
    name: str
    gender: str  # "female" / "male"
    split: str  # "train" / "dev" / "eval"
    collections: tuple[Collection, ...]


@dataclass(frozen=True)
class SourceFile:
    """One usable bona fide recording."""

    speaker: str
    gender: str
    split: str
    language: str
    package: str
    path: str
    text: str


_AST = "/usr/share/asterisk/sounds"
_KLETTRES_MALE = frozenset({"da", "en", "fr", "hu", "lt", "ml", "nds"})


def _ast(package: str, lang: str, folder: str, suffix: str = ".wav") -> Collection:
    return Collection(package, lang, suffix, f"{_AST}/{folder}", f"asterisk:{lang}")


def _fillets(lang: str, character: str) -> Collection:
    # Clip ids read "<level>-<character>-<word>"; m is the small fish, v the big one.
    pattern = rf"^[^-]+-{character}-[^/]+\.ogg$"
    return Collection(
        f"fillets-ng-data-{lang}", lang, ".ogg", str(FILLETS_ROOT), "fillets", pattern
    )


#: Every voice, with its fixed split: speakers are disjoint across splits and each split has women
#: and men (train: big fish cs; dev: Carlo; eval: big fish nl).
VOICES: tuple[Voice, ...] = (
    Voice(
        "LS_ALLISON",
        "Allison Smith (Asterisk core, en + es)",
        "female",
        "train",
        (
            _ast("asterisk-core-sounds-en-wav", "en", "en_US_f_Allison"),
            _ast("asterisk-core-sounds-es-wav", "es", "es_MX_f_Allison"),
        ),
    ),
    Voice(
        "LS_IVRRU",
        "IvrvoiceRU (Asterisk core, ru)",
        "female",
        "train",
        (_ast("asterisk-core-sounds-ru-wav", "ru", "ru_RU_f_IvrvoiceRU"),),
    ),
    Voice("LS_FCS_BIG", "Fish Fillets cs, big fish", "male", "train", (_fillets("cs", "v"),)),
    Voice("LS_FCS_SMALL", "Fish Fillets cs, small fish", "female", "train", (_fillets("cs", "m"),)),
    Voice(
        "LS_CARLO",
        "Carlo (Asterisk core, it)",
        "male",
        "dev",
        (_ast("asterisk-core-sounds-it-wav", "it", "it_IT_m_Carlo"),),
    ),
    Voice(
        "LS_JUNE",
        "June (Asterisk core, fr-CA)",
        "female",
        "dev",
        (_ast("asterisk-core-sounds-fr-wav", "fr", "fr_CA_f_June"),),
    ),
    Voice(
        "LS_ESCO",
        "Colombian Spanish prompts (GSM)",
        "female",
        "dev",
        (_ast("asterisk-prompt-es-co", "es", "es", ".gsm"),),
    ),
    Voice("LS_FNL_BIG", "Fish Fillets nl, big fish", "male", "eval", (_fillets("nl", "v"),)),
    Voice("LS_FNL_SMALL", "Fish Fillets nl, small fish", "female", "eval", (_fillets("nl", "m"),)),
    Voice(
        "LS_MENARDI",
        "Menardi Italian prompts",
        "female",
        "eval",
        (_ast("asterisk-prompt-it-menardi-wav", "it", "it_IT_f_Menardi"),),
    ),
    Voice(
        "LS_ARMELLE",
        "Armelle French prompts (GSM)",
        "female",
        "eval",
        (_ast("asterisk-prompt-fr-armelle", "fr", "fr", ".gsm"),),
    ),
)

SPLITS = ("train", "dev", "eval")


def _klettres(root: str, lang: str) -> Collection:
    return Collection(KLETTRES_PACKAGE, lang, ".ogg", root, "klettres")


def _klettres_voice(folder: str, lang: str, gender: str) -> Voice:
    speaker = "LS_KL_" + folder.upper()
    collection = _klettres(f"{KLETTRES_ROOT}/{folder}", lang)
    return Voice(speaker, f"KLettres {folder}", gender, "train", (collection,))


#: The issue's smaller extras that LocalSpoof uses: KLettres' spoken letters and syllables, one
#: voice per language folder (KDE Edu, GPL-2+), 0.2-4 s each. They are training voices only
#: (:mod:`spoofscope.localspoof.extras` renders them into their own folder), so a build's dev and
#: eval splits stay as they are. Genders from the median F0 we measured with YIN on a dozen clips
#: of each (below 160 Hz read as male: da 119, en 144, fr 120, hu 116, lt 144, ml 113, nds 107;
#: the rest 176-334 Hz). KLettres' ``id`` and ``nn`` folders hold no audio of their own.
EXTRA_VOICES: tuple[Voice, ...] = tuple(
    _klettres_voice(folder, lang, "male" if folder in _KLETTRES_MALE else "female")
    for folder, lang in (
        ("ar", "ar"),
        ("cs", "cs"),
        ("da", "da"),
        ("de", "de"),
        ("en", "en"),
        ("en_GB", "en"),
        ("es", "es"),
        ("fr", "fr"),
        ("he", "he"),
        ("hu", "hu"),
        ("it", "it"),
        ("lt", "lt"),
        ("ml", "ml"),
        ("nb", "nb"),
        ("nds", "nds"),
        ("nl", "nl"),
        ("pt_BR", "pt"),
        ("ru", "ru"),
        ("tn", "tn"),
        ("uk", "uk"),
    )
)


def package_installed(package: str) -> bool:
    """True when dpkg lists ``package`` as installed (its file list exists)."""
    return (DPKG_INFO / f"{package}.list").is_file()


def package_files(package: str) -> list[str]:
    """Paths installed by ``package``, sorted.

    Raises:
        CorpusError: when the package is not installed, naming the apt command.
    """
    listing = DPKG_INFO / f"{package}.list"
    if not listing.is_file():
        raise CorpusError(
            f"Debian package {package}", f"not installed; run `apt-get install {package}`"
        )
    return sorted(line.strip() for line in listing.read_text().splitlines() if line.strip())


def _read_doc_text(package: str, name: str) -> str | None:
    for path in (DOC_ROOT / package / name, DOC_ROOT / package / f"{name}.gz"):
        if path.is_file():
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            return raw.decode("utf-8-sig", errors="replace")
    return None


@cache
def asterisk_texts(language: str) -> dict[str, str]:
    """Prompt name → transcript from ``asterisk-core-sounds-<language>``'s list (empty when absent).

    Non-speech entries (beeps, tones) carry a bracketed text, e.g. ``beep: [this is a simple beep]``.
    """
    text = _read_doc_text(f"asterisk-core-sounds-{language}", f"core-sounds-{language}.txt")
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        if line.startswith(";") or ":" not in line:
            continue
        name, said = line.split(":", 1)
        out[name.strip()] = said.strip()
    return out


@cache
def non_speech_prompts() -> frozenset[str]:
    """Prompt names whose English transcript is wholly bracketed: tones and beeps, not speech."""
    texts = asterisk_texts("en")
    return frozenset(name for name, said in texts.items() if said.startswith("["))


_DIALOG = re.compile(r'dialogId\(\s*"([^"]+)"\s*,\s*"[^"]*"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)')
_DIALOG_STR = re.compile(r'^\s*dialogStr\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


@cache
def fillets_texts(language: str) -> dict[str, str]:
    """Clip id → line in ``language`` from the game's ``script/*/dialogs_<language>.lua``.

    A translated line follows its ``dialogId(id, font, english)`` as ``dialogStr(text)``; English
    scripts have only the ``dialogId`` form.
    """
    out: dict[str, str] = {}
    for lua in sorted((FILLETS_ROOT / "script").glob(f"*/dialogs_{language}.lua")):
        current: str | None = None
        for line in lua.read_text(encoding="utf-8", errors="replace").splitlines():
            m = _DIALOG.search(line)
            if m:
                current = m.group(1)
                if language == "en":
                    out[current] = m.group(2).replace('\\"', '"')
                continue
            s = _DIALOG_STR.match(line)
            if s and current is not None:
                out[current] = s.group(1).replace('\\"', '"')
                current = None
    return out


_KLETTRES_SOUND = re.compile(r'<sound\s+name="([^"]*)"\s+file="([^"]+)"')


@cache
def klettres_texts() -> dict[str, str]:
    """Path below ``/usr/share/klettres`` → the letter or syllable said, from every ``sounds.xml``.

    Names are lower-cased so that a synthesizer reads a syllable ("BA" → "ba") rather than
    spelling it.
    """
    out: dict[str, str] = {}
    for xml in sorted(KLETTRES_ROOT.glob("*/sounds.xml")):
        for name, file in _KLETTRES_SOUND.findall(
            xml.read_text(encoding="utf-8", errors="replace")
        ):
            out.setdefault(file, name.lower())
    return out


def has_samples(path: str) -> bool:
    """True when the file's header declares audio: the packages hold a few zero-length clips
    (Russian ``is.wav``, two Dutch Fillets lines) that made silent bona fide files and empty
    conversions."""
    fmt = raw_format(path)
    if fmt is not None:
        return raw_frames(path, fmt) > 0
    try:
        return sf.info(path).frames > 0
    except (RuntimeError, OSError):
        return False


@dataclass(frozen=True)
class TranscriptReader:
    """How one kind of collection names its files' transcripts.

    Attributes:
        texts: the collection's key → transcript map (a missing key reads as no transcript).
        key: the key of one file path of the collection.
        anywhere: the collection's files may lie outside its ``root`` (Fillets keeps its sound
            folder apart from the scripts that hold the lines).
    """

    texts: Callable[[Collection], dict[str, str]]
    key: Callable[[Collection, str], str]
    anywhere: bool = False


#: ``Collection.texts`` (the part before any ``:``) → its reader. Modules that add sources
#: register their own readers here.
TRANSCRIPTS: Registry[TranscriptReader] = Registry("transcript source")
TRANSCRIPTS.register("asterisk")(
    TranscriptReader(
        lambda coll: asterisk_texts(coll.language),
        lambda coll, path: path[len(coll.root.rstrip("/")) + 1 : -len(coll.suffix)],
    )
)
TRANSCRIPTS.register("fillets")(
    TranscriptReader(
        lambda coll: fillets_texts(coll.language), lambda coll, path: Path(path).stem, True
    )
)
TRANSCRIPTS.register("klettres")(
    TranscriptReader(
        lambda coll: klettres_texts(), lambda coll, path: path[len(str(KLETTRES_ROOT)) + 1 :]
    )
)


def _sample_rate(path: str) -> int:
    fmt = raw_format(path)
    if fmt is not None:
        return fmt.sample_rate
    try:
        return int(sf.info(path).samplerate)
    except (RuntimeError, OSError):
        return 0


def _collection_files(voice: Voice, coll: Collection) -> list[SourceFile]:
    root = coll.root.rstrip("/") + "/"
    pattern = re.compile(coll.clip_pattern)
    reader = TRANSCRIPTS.get(coll.texts.split(":", 1)[0])
    texts = reader.texts(coll)
    skip = non_speech_prompts()
    out = []
    for path in package_files(coll.package):
        if not path.endswith(coll.suffix) or "/silence/" in path:
            continue
        if not path.startswith(root) and not reader.anywhere:
            continue
        if not pattern.match(Path(path).name):
            continue
        key = reader.key(coll, path)
        if key in skip or not has_samples(path):
            continue
        if coll.sample_rate is not None and _sample_rate(path) != coll.sample_rate:
            continue
        out.append(
            SourceFile(
                voice.speaker,
                voice.gender,
                voice.split,
                coll.language,
                coll.package,
                path,
                texts.get(key, ""),
            )
        )
    return out


def discover(voices: tuple[Voice, ...] = VOICES) -> list[SourceFile]:
    """Every usable bona fide recording of ``voices``, in a stable order.

    Raises:
        CorpusError: naming the apt package of the first missing source.
    """
    missing = sorted(
        {c.package for v in voices for c in v.collections if not package_installed(c.package)}
    )
    if any(c.texts == "fillets" for v in voices for c in v.collections) and not package_installed(
        FILLETS_SCRIPTS_PACKAGE
    ):
        missing.append(FILLETS_SCRIPTS_PACKAGE)
    if missing:
        pkgs = " ".join(missing)
        raise CorpusError(
            "LocalSpoof bona fide sources",
            f"missing Debian package(s) {pkgs}; run `apt-get install {pkgs}` "
            "(or `make setup` as root)",
        )
    return [f for v in voices for c in v.collections for f in _collection_files(v, c)]


def voice_of(speaker: str) -> Voice:
    """The :class:`Voice` with id ``speaker`` (a build's or an extra one)."""
    for v in (*VOICES, *EXTRA_VOICES):
        if v.speaker == speaker:
            return v
    raise CorpusError(f"speaker {speaker}", "not a LocalSpoof voice")


def decode(path: str) -> tuple[np.ndarray, int]:
    """Decode a source recording to mono float32 samples [T] and its rate.

    WAV and Ogg go through libsndfile; headerless GSM 06.10 (``.gsm``) through ffmpeg; the
    headerless PCM of :data:`spoofscope.localspoof.rawaudio.RAW_FORMATS` by its known format.

    Raises:
        AudioError: when the file cannot be decoded.
    """
    fmt = raw_format(path)
    if fmt is not None:
        return read_raw(path, fmt)
    if path.endswith(".gsm"):
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise AudioError(path, "GSM needs ffmpeg; run `apt-get install ffmpeg`")
        cmd = [exe, "-v", "error", "-f", "gsm", "-i", path, "-f", "wav", "pipe:1"]
        res = subprocess.run(cmd, capture_output=True, check=False)
        if res.returncode != 0:
            raise AudioError(path, res.stderr.decode(errors="replace").strip()[-200:])
        data, sr = sf.read(io.BytesIO(res.stdout), dtype="float32", always_2d=True)
    else:
        try:
            data, sr = sf.read(path, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(path, str(exc)) from None
    return data.mean(axis=1), int(sr)


def licence(package: str) -> str:
    """The licence(s) named in ``/usr/share/doc/PKG/copyright`` (DEP-5 ``License:`` fields)."""
    text = _read_doc_text(package, "copyright") or ""
    names = []
    for line in text.splitlines():
        if line.startswith("License:"):
            name = line.split(":", 1)[1].strip()
            if name and name not in names:
                names.append(name)
    if names:
        return ", ".join(names)
    for line in text.splitlines():
        if "licen" in line.lower() and line.strip():
            return line.strip()[:120]
    return "see /usr/share/doc/" + package + "/copyright"
