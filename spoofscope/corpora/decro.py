"""DECRO, the DEepfake CROss-lingual evaluation dataset (Ba et al., TheWebConf 2023).

Layout relied on (github.com/petrichorwq/DECRO-dataset, README.md and its file tree; Zenodo
10.5281/zenodo.7603208)::

    en_train/ en_dev/ en_eval/ ch_train/ ch_dev/ ch_eval/     WAV files named <AUDIO_FILE_NAME>.wav
    en_train.txt en_dev.txt en_eval.txt ch_train.txt ...      protocols, at the root

Protocol columns: ``SPEAKER_ID AUDIO_FILE_NAME - SYSTEM_ID KEY`` (system ``-`` for bona fide; the
file name has no extension). The two language subsets are one manifest: splits are named
``en_train`` … ``ch_eval``, ids are prefixed ``en_`` / ``ch_`` (both subsets name files by number,
so bare ids could collide) and each utterance carries ``extra["language"]``.

Counts (README "Division" table): English train 5,129 bona fide + 17,412 spoof, dev 3,049 +
10,503, eval 4,306 + 14,884; Chinese train 9,000 + 17,850, dev 6,109 + 12,015, eval 6,109 + 12,015.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe, per_split

_LANGUAGES = {"en": "en", "ch": "zh"}
_SPLITS = ("train", "dev", "eval")


@CORPORA.register("decro")
class DECRO(ProtocolRecipe):
    """DECRO English and Chinese subsets, each with train / dev / eval."""

    name = "decro"
    audio_exts = (".wav",)
    columns = Columns(names=("speaker", "utt_id", "-", "attack", "key"))
    partitions = tuple(
        Partition(
            f"{lang}_{split}",
            (f"{lang}_{split}.txt",),
            f"{lang}_{split}",
            ext=".wav",
            id_prefix=f"{lang}_",
            extra={"language": language},
        )
        for lang, language in _LANGUAGES.items()
        for split in _SPLITS
    )
    published_counts = per_split(
        {
            "en_train": (5129, 17412),
            "en_dev": (3049, 10503),
            "en_eval": (4306, 14884),
            "ch_train": (9000, 17850),
            "ch_dev": (6109, 12015),
            "ch_eval": (6109, 12015),
        }
    )
