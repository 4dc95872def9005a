"""LocalSpoof protocol v2: its bona fide voices with their splits, and its attacks.

:mod:`spoofscope.localspoof.protocols` names it (``corpus build --protocol v2``); protocol v3 has
the same voices and splits, with one more attack seen in training.

Protocol v1 (:data:`spoofscope.localspoof.sources.VOICES`) has four training voices from three
packages; a detector trained on it learns those voices and scores unseen people as spoofs. v2
keeps v1's voices and KLettres' (:data:`~spoofscope.localspoof.sources.EXTRA_VOICES`, now part of
train) and adds five more Debian packages, so that the splits are disjoint by voice *and* by
package, and eval holds packages, recording chains and languages that train never shows:

- train: the Asterisk core sounds, the Czech Fish Fillets, KLettres and the English dub of the
  adventure game Drascula (``drascula``: 8-bit 11 kHz game dialogue).
- dev: v1's dev voices, KTuberling (``ktuberling-data``: words, 21 voices in 21 languages) and
  Drascula's Spanish dub (``drascula-spanish``, another cast through the same game chain).
- eval: v1's eval voices, codec2's reference clips (``codec2-examples``: lab recordings and
  HF single-sideband radio), PocketSphinx's test clips (``pocketsphinx-testdata``: a LibriVox
  audiobook read from 64 kb/s MP3, desktop microphones) and gcin-voice (``gcin-voice``: Mandarin
  syllables by a man and a woman).

Genders: Drascula's characters are the game's (B.J. is its one woman); elsewhere the median F0 we
measured with YIN on up to 15 clips of a voice (pYIN where YIN sat near 160 Hz): below 160 Hz
is read as male. KTuberling's Galician folder is left out, its F0 track too noisy to tell.

What the packages cannot tell: whether one actor voices two Drascula characters, or whether one
codec2 clip's speaker reads another's, and whether a KTuberling speaker also recorded KLettres.
Each such group lies in one package, so in one split, and a repeat would only overstate the count
of voices, not leak a voice across splits.
"""

from __future__ import annotations

from spoofscope.localspoof import package_texts
from spoofscope.localspoof.sources import EXTRA_VOICES, VOICES, Collection, Voice

#: v1's voices, whose splits v2 keeps, and KLettres', which v2 trains on.
V1_VOICES: tuple[Voice, ...] = (*VOICES, *EXTRA_VOICES)

_KT = str(package_texts.KTUBERLING_ROOT)
_DRASCULA = "/usr/share/scummvm/drascula"
_CODEC2 = "/usr/share/codec2/raw"
_PS = str(package_texts.POCKETSPHINX_ROOT)


def _ktuberling(folder: str, lang: str, gender: str, suffix: str, rate: int | None) -> Voice:
    tag = folder.upper() if rate is None else f"{folder.upper()}{rate // 1000}K"
    coll = Collection(
        "ktuberling-data", lang, suffix, f"{_KT}/{folder}", "ktuberling", sample_rate=rate
    )
    return Voice(f"LS_KT_{tag}", f"KTuberling {folder}", gender, "dev", (coll,))


#: KTuberling folder, language, gender, file suffix, and the sample rate that singles out one
#: speaker where a folder holds two (Catalan 22.05 kHz F0 244 Hz / 44.1 kHz 144 Hz; French
#: 8 kHz 185 Hz / 44.1 kHz 153 Hz; the Spanish and Dutch folders' one or two odd files dropped).
#: The four Serbian folders hold the same clips; only ``sr`` is read.
_KTUBERLING = (
    ("ca", "ca", "female", ".ogg", 22050),
    ("ca", "ca", "male", ".ogg", 44100),
    ("da", "da", "male", ".ogg", None),
    ("de", "de", "male", ".ogg", None),
    ("el", "el", "male", ".ogg", None),
    ("en", "en", "female", ".ogg", None),
    ("es", "es", "male", ".wav", 8000),
    ("fi", "fi", "female", ".wav", None),
    ("fr", "fr", "female", ".wav", 8000),
    ("fr", "fr", "male", ".wav", 44100),
    ("ga", "ga", "male", ".wav", None),
    ("it", "it", "female", ".wav", None),
    ("lt", "lt", "male", ".ogg", None),
    ("nds", "nds", "male", ".wav", None),
    ("nl", "nl", "female", ".wav", 8000),
    ("nn", "nn", "female", ".opus", None),
    ("pt", "pt", "female", ".wav", None),
    ("ro", "ro", "female", ".wav", None),
    ("ru", "ru", "female", ".ogg", None),
    ("sl", "sl", "male", ".ogg", None),
    ("sr", "sr", "female", ".ogg", None),
    ("sv", "sv", "female", ".wav", None),
    ("uk", "uk", "female", ".ogg", None),
    ("wa", "wa", "male", ".ogg", None),
)

#: Drascula's speaking characters and the file prefix ScummVM's engine plays their lines from.
#: ``D`` files are left out (Drascula and the blind man share them), as are ``S`` (sound
#: effects) and ``F`` (three clips no talk routine names).
_DRASCULA_CAST = (
    ("HACKER", "John Hacker", "male", ""),
    ("BJ", "B.J.", "female", "BJ"),
    ("VB", "Von Braun", "male", "VB"),
    ("IGOR", "Igor", "male", "I"),
    ("WOLF", "the wolf", "male", "L"),
    ("BARMAN", "the bartender", "male", "T"),
    ("PIANIST", "the pianist", "male", "P"),
    ("DRUNK", "the drunk", "male", "B"),
    ("MUSICIAN", "the musician", "male", "E"),
)


def _drascula(package: str, lang: str, split: str) -> tuple[Voice, ...]:
    return tuple(
        Voice(
            f"LS_DR{lang.upper()}_{tag}",
            f"Drascula ({lang}), {who}",
            gender,
            split,
            (
                Collection(
                    package,
                    lang,
                    ".ALS",
                    f"{_DRASCULA}/{lang}",
                    "none",
                    clip_pattern=rf"^{prefix}\d+\.ALS$",
                ),
            ),
        )
        for tag, who, gender, prefix in _DRASCULA_CAST
    )


#: codec2's reference clips, one speaker each: lab recordings (hts1, hts2, forig, morig,
#: big_dog, cross, kristoff) and amateur-radio HF SSB contacts (g3plx, vk5qi, ve9qrp, cq_ref).
#: ``f2400``/``m2400`` are codec2's own output and ``hts1a``/``hts2a`` halves of hts1/hts2;
#: mmt1 has no voiced frames YIN finds, speech_orig_16k two F0 modes (two people).
_CODEC2_CLIPS = (
    ("hts1", "male", "lab"),
    ("hts2", "female", "lab"),
    ("forig", "female", "lab"),
    ("morig", "male", "lab"),
    ("big_dog", "male", "lab"),
    ("cross", "male", "lab"),
    ("kristoff", "male", "lab"),
    ("g3plx", "male", "HF radio"),
    ("vk5qi", "male", "HF radio"),
    ("ve9qrp_10s", "male", "HF radio"),
    ("cq_ref", "male", "HF radio"),
)


def _codec2(name: str, gender: str, chain: str) -> Voice:
    coll = Collection(
        "codec2-examples", "en", ".raw", _CODEC2, "none", clip_pattern=rf"^{name}\.raw$"
    )
    return Voice(f"LS_C2_{name.upper()}", f"codec2 {name} ({chain})", gender, "eval", (coll,))


def _pocketsphinx(tag: str, who: str, folder: str, suffix: str, pattern: str) -> Voice:
    root = f"{_PS}/{folder}".rstrip("/")
    coll = Collection(
        "pocketsphinx-testdata", "en", suffix, root, "pocketsphinx", clip_pattern=pattern
    )
    return Voice(f"LS_PS_{tag}", f"PocketSphinx test data, {who}", "male", "eval", (coll,))


def _gcin(clip: str, gender: str) -> Voice:
    coll = Collection(
        "gcin-voice", "zh", ".ogg", "/usr/share/gcin-voice/ogg", "gcin", rf"^{clip}\.ogg$"
    )
    return Voice(f"LS_GCIN_{clip}", f"gcin-voice clip {clip}.ogg", gender, "eval", (coll,))


#: Every v2 voice, v1's and KLettres' first.
V2_VOICES: tuple[Voice, ...] = (
    *V1_VOICES,
    *_drascula("drascula", "en", "train"),
    *_drascula("drascula-spanish", "es", "dev"),
    *(_ktuberling(*row) for row in _KTUBERLING),
    *(_codec2(*row) for row in _CODEC2_CLIPS),
    _pocketsphinx("LIBRIVOX", "LibriVox reader (64 kb/s MP3)", "librivox", ".wav", r".*"),
    _pocketsphinx("CARDS", "card names", "cards", ".wav", r".*"),
    _pocketsphinx("COMMANDS", "commands and numbers", "", ".raw", r"^[a-z]+\.raw$"),
    _pocketsphinx("DIGITS", "TIDIGITS-style digits", "tidigits", ".raw", r".*"),
    _gcin("3", "male"),
    _gcin("5", "female"),
)


#: Twelve attack families. Train and dev see one of each kind of mechanism: rule-based formant
#: TTS (L01), small-footprint statistical TTS (L02 flite), HMM/unit-selection TTS (L04), a
#: source-filter vocoder (L06 WORLD), LPC resynthesis (L08) and a signal-processing voice changer
#: (L12 phase vocoder). Eval adds six families train never shows, each another mechanism: diphone
#: concatenation (L03), neural VITS (L05), phase reconstruction from a mel spectrogram (L07),
#: waveform-domain PSOLA (L09), Klatt formant copy-synthesis (L10) and a harmonic speech codec
#: (L11).
V2_SEEN_ATTACKS: tuple[str, ...] = ("L01", "L02", "L04", "L06", "L08", "L12")
V2_ATTACKS: tuple[str, ...] = tuple(f"L{i:02d}" for i in range(1, 13))
