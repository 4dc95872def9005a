"""ASVspoof 2017 version 2.0 (replay; genuine vs. replayed speech from RedDots).

Layout relied on (Edinburgh DataShare release DS_10283_3055, "ASVspoof 2017 V2", and the file names
used by the baseline scripts of public repositories that read it)::

    ASVspoof2017_V2_train/T_1000001.wav ...
    ASVspoof2017_V2_dev/D_1000001.wav ...
    ASVspoof2017_V2_eval/E_1000001.wav ...
    protocol_V2/ASVspoof2017_V2_train.trn.txt
    protocol_V2/ASVspoof2017_V2_dev.trl.txt
    protocol_V2/ASVspoof2017_V2_eval.trl.txt

Protocol columns (space-separated): file name with ``.wav``, ``genuine``/``spoof``, speaker id,
phrase id, environment id, playback device id, recording device id (``-`` where not applicable).
The attack of a replayed utterance is its replay configuration ``<env>-<playback>-<recording>``.

Counts (Delgado et al., "ASVspoof 2017 Version 2.0: meta-data analysis and baseline enhancements",
Odyssey 2018, Table 1): train 1,507 genuine + 1,507 spoof, dev 760 + 950, eval 1,298 + 12,008.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe, per_split

_TRIALS = {"train": "trn", "dev": "trl", "eval": "trl"}


@CORPORA.register("asvspoof2017")
class ASVspoof2017(ProtocolRecipe):
    """ASVspoof 2017 v2.0: three partitions of WAV files and their protocol_V2 files."""

    name = "asvspoof2017"
    audio_exts = (".wav",)
    columns = Columns(
        names=("file", "key", "speaker", "phrase", "environment", "playback_device",
               "recording_device"),
        labels={"genuine": "bonafide", "spoof": "spoof"},
        attack_from=("environment", "playback_device", "recording_device"),
    )  # fmt: skip
    partitions = tuple(
        Partition(
            split,
            (f"protocol_V2/ASVspoof2017_V2_{split}.{trials}.txt",),
            f"ASVspoof2017_V2_{split}",
            ext=".wav",
        )
        for split, trials in _TRIALS.items()
    )
    published_counts = per_split({"train": (1507, 1507), "dev": (760, 950), "eval": (1298, 12008)})
