"""ASVspoof 2019 logical access (LA) and physical access (PA) databases.

Layout relied on (Edinburgh DataShare release DS_10283_3336, README.LA.txt / README.PA.txt)::

    LA/ASVspoof2019_LA_train/flac/LA_T_1000137.flac ...   (also _dev, _eval)
    LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt
                                    ASVspoof2019.LA.cm.dev.trl.txt
                                    ASVspoof2019.LA.cm.eval.trl.txt
    LA/ASVspoof2019_LA_asv_protocols/ASVspoof2019.LA.asv.{dev,eval}.gi.trl.txt ...
    LA/ASVspoof2019_LA_asv_scores/ASVspoof2019.LA.asv.{dev,eval}.gi.trl.scores.txt
    PA/... the same with PA in place of LA

CM protocol columns (space-separated): ``SPEAKER_ID AUDIO_FILE_NAME ENV_ID ATTACK_ID KEY``; in LA the
third column is ``-`` and attacks are A01–A19 (``-`` for bona fide); in PA it is the acoustic
environment (``aaa`` … ``ccc``) and attacks are replay configurations AA … CC.

Counts (Wang et al., "ASVspoof 2019: a large-scale public database of synthesized, converted and
replayed speech", Computer Speech & Language 2020, Tables 2 and 6):
LA train 2,580 bona fide + 22,800 spoof, dev 2,548 + 22,296, eval 7,355 + 63,882;
PA train 5,400 + 48,600, dev 5,400 + 24,300, eval 18,090 + 116,640.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe, per_split

_TRIALS = {"train": "trn", "dev": "trl", "eval": "trl"}


def _partitions(track: str) -> tuple[Partition, ...]:
    base = f"{track}/ASVspoof2019_{track}"
    return tuple(
        Partition(
            split,
            (f"{base}_cm_protocols/ASVspoof2019.{track}.cm.{split}.{trials}.txt",),
            f"{base}_{split}/flac",
        )
        for split, trials in _TRIALS.items()
    )


def _asv_files(track: str) -> dict[str, str]:
    base = f"{track}/ASVspoof2019_{track}"
    files = {}
    for split in ("dev", "eval"):
        files[f"{split} ASV protocol"] = (
            f"{base}_asv_protocols/ASVspoof2019.{track}.asv.{split}.gi.trl.txt"
        )
        files[f"{split} ASV scores"] = (
            f"{base}_asv_scores/ASVspoof2019.{track}.asv.{split}.gi.trl.scores.txt"
        )
    return files


@CORPORA.register("asvspoof2019-la")
class ASVspoof2019LA(ProtocolRecipe):
    """ASVspoof 2019 LA: TTS / VC attacks A01–A19 on VCTK speakers."""

    name = "asvspoof2019-la"
    columns = Columns(names=("speaker", "utt_id", "-", "attack", "key"))
    partitions = _partitions("LA")
    optional_files = _asv_files("LA")
    published_counts = per_split(
        {"train": (2580, 22800), "dev": (2548, 22296), "eval": (7355, 63882)}
    )


@CORPORA.register("asvspoof2019-pa")
class ASVspoof2019PA(ProtocolRecipe):
    """ASVspoof 2019 PA: simulated replay in acoustic environments aaa–ccc, attacks AA–CC."""

    name = "asvspoof2019-pa"
    columns = Columns(names=("speaker", "utt_id", "environment", "attack", "key"))
    partitions = _partitions("PA")
    optional_files = _asv_files("PA")
    published_counts = per_split(
        {"train": (5400, 48600), "dev": (5400, 24300), "eval": (18090, 116640)}
    )
