"""WaveFake (Frank & Schönherr, NeurIPS 2021 Datasets and Benchmarks).

Layout relied on (the Zenodo release, record 5642694, which unpacks to ``generated_audio/``, the
authors' repository github.com/RUB-SysSec/WaveFake, and public loaders)::

    generated_audio/ljspeech_melgan/LJ001-0001_gen.wav          one folder per vocoder:
    generated_audio/ljspeech_hifiGAN/LJ001-0001_generated.wav   ljspeech_{melgan, melgan_large,
    generated_audio/ljspeech_waveglow/LJ001-0001.wav            full_band_melgan, multi_band_melgan,
    generated_audio/jsut_multi_band_melgan/BASIC5000_0001_gen.wav   parallel_wavegan, waveglow,
    generated_audio/common_voices_prompts_from_conformer_fastspeech2_pwg_ljspeech/generated/...
                                                                hifiGAN}, jsut_{multi_band_melgan,
                                                                parallel_wavegan}, and the TTS set
    LJSpeech-1.1/wavs/LJ001-0001.wav                  bona fide English (LJSpeech, keithito.com)
    jsut_ver1.1/basic5000/wav/BASIC5000_0001.wav      bona fide Japanese (JSUT 1.1, basic5000)

WaveFake itself ships only generated audio; the bona fide folders are the source corpora, placed
beside ``generated_audio/``. Spoof ids are ``<vocoder>/<file stem>`` and the attack is the vocoder
folder; ``extra["language"]`` is ``en`` or ``ja``. No splits: everything is ``eval``.
Counts: LJSpeech 1.1 has 13,100 clips and JSUT basic5000 5,000 (their names and READMEs), so
18,100 bona fide; the generated-audio total is not published here (not verified).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from spoofscope.corpora import CORPORA
from spoofscope.corpora.manifest import NO_ATTACK, Utterance
from spoofscope.corpora.recipe import Recipe, Scan, audio_files

GENERATED = "generated_audio"
#: bona fide folder → (speaker, language)
BONAFIDE_DIRS = {
    "LJSpeech-1.1/wavs": ("LJ", "en"),
    "jsut_ver1.1/basic5000/wav": ("JSUT", "ja"),
}


def _voice_of(vocoder: str) -> tuple[str, str]:
    # JSUT vocoders are named jsut_*; every other set (including the TTS one) speaks as LJSpeech.
    return ("JSUT", "ja") if vocoder.startswith("jsut") else ("LJ", "en")


@CORPORA.register("wavefake")
class WaveFake(Recipe):
    """WaveFake's vocoder folders plus the LJSpeech / JSUT bona fide folders."""

    name = "wavefake"
    audio_exts = (".wav",)
    published_counts: ClassVar[Mapping[tuple[str, str], int]] = {("eval", "bonafide"): 18100}

    def scan(self, root: Path) -> Scan:
        scan = Scan(listed=False)
        generated = root / GENERATED
        scan.expected.append(str(generated))
        if generated.is_dir():
            scan.recognised = True
            for vocoder_dir in sorted(p for p in generated.iterdir() if p.is_dir()):
                vocoder = vocoder_dir.name
                speaker, language = _voice_of(vocoder)
                for path in audio_files(vocoder_dir, self.audio_exts):
                    stem = Path(path).stem
                    scan.utterances.append(
                        Utterance(f"{vocoder}/{stem}", path, "spoof", speaker, vocoder, "eval",
                                  self.name, {"language": language})
                    )  # fmt: skip
        else:
            scan.absent("generated audio", generated)
        for rel, (speaker, language) in BONAFIDE_DIRS.items():
            folder = root / rel
            scan.expected.append(str(folder))
            if not folder.is_dir():
                scan.absent(f"bona fide {rel.split('/')[0]}", folder)
                continue
            scan.recognised = True
            for path in audio_files(folder, self.audio_exts):
                stem = os.path.splitext(os.path.basename(path))[0]
                scan.utterances.append(
                    Utterance(stem, path, "bonafide", speaker, NO_ATTACK, "eval", self.name,
                              {"language": language})
                )  # fmt: skip
        return scan
