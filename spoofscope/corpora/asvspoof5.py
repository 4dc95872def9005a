"""ASVspoof 5 (2024): crowdsourced MLS speech, 32 attacks (A01–A32), codec conditions in eval.

Layout relied on (README.txt of the Zenodo release, record 14498691)::

    flac_T/T_0000000000.flac ...        (from flac_T_a?.tar)
    flac_D/D_0000000000.flac ...        (from flac_D_a?.tar)
    flac_E_eval/E_0000000000.flac ...   (from flac_E_a?.tar)
    ASVspoof5.train.tsv, ASVspoof5.dev.track_1.tsv, ASVspoof5.eval.track_1.tsv, ...
                                        (from ASVspoof5_protocols.tar.gz; read at the root or in
                                        an ASVspoof5_protocols/ folder)

Protocol columns (space-separated despite ``.tsv``): SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC
CODEC_Q CODEC_SEED ATTACK_TAG ATTACK_LABEL KEY TMP, with ATTACK_LABEL ``A**`` or ``bonafide`` and KEY
``spoof``/``bonafide``. Line counts from the same README: train 182,357, dev track 1 140,950,
eval track 1 680,774 (totals; the README gives no per-key figures).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import TOTAL, Partition, ProtocolRecipe

_PARTS = {
    "train": ("ASVspoof5.train.tsv", "flac_T"),
    "dev": ("ASVspoof5.dev.track_1.tsv", "flac_D"),
    "eval": ("ASVspoof5.eval.track_1.tsv", "flac_E_eval"),
}


@CORPORA.register("asvspoof5")
class ASVspoof5(ProtocolRecipe):
    """ASVspoof 5 track 1 (stand-alone countermeasure) protocols for train, dev and eval."""

    name = "asvspoof5"
    columns = Columns(
        names=("speaker", "utt_id", "gender", "codec", "codec_q", "codec_seed", "attack_tag",
               "attack", "key", "tmp"),
        required=9,
    )  # fmt: skip
    partitions = tuple(
        Partition(split, (tsv, f"ASVspoof5_protocols/{tsv}"), audio)
        for split, (tsv, audio) in _PARTS.items()
    )
    published_counts: ClassVar[Mapping[tuple[str, str], int]] = {
        ("train", TOTAL): 182357,
        ("dev", TOTAL): 140950,
        ("eval", TOTAL): 680774,
    }
