"""ASVspoof 2021 evaluation databases: logical access (LA), deepfake (DF) and physical access (PA).

2021 released evaluation audio only (training and development data are ASVspoof 2019's); the keys and
meta-labels came later in separate archives (``LA-keys-full.tar.gz`` etc.). Layout relied on
(README.LA.txt of the audio release on Zenodo, and the README of the official evaluation package,
github.com/asvspoof-challenge/2021, ``eval-package/``)::

    ASVspoof2021_LA_eval/flac/LA_E_9332881.flac ...      (DF/PA: the same; DF and PA come in
    ASVspoof2021_LA_eval/ASVspoof2021.LA.cm.eval.trl.txt  several part archives that unpack into
    keys/LA/CM/trial_metadata.txt                         one ASVspoof2021_<track>_eval/flac)
    keys/LA/ASV/trial_metadata.txt, keys/LA/ASV/ASVtorch_kaldi/score.txt   (LA and PA only)

``trial_metadata.txt`` columns (space-separated), as documented in the evaluation package:

* LA: speaker, trial, codec (none/alaw/pstn/g722/ulaw/gsm/opus), transmission (ita_tx, sin_tx,
  loc_tx, mad_tx), attack (A07–A19), key, trim (notrim/trim), subset (eval/progress/hidden).
* DF: speaker, trial, codec (nocodec, low_mp3, ..., oggm4a), source corpus (asvspoof, vcc2018,
  vcc2020), attack, key, trim, subset, vocoder type, then four VCC columns (task, team, and two
  more; ``-`` for ASVspoof-sourced trials).
* PA: speaker, trial, ASV room (R1–R9), ASV microphone (M1–M3), talker-to-ASV distance, attacker
  room (r1–r9), attacker microphone (m1–m3), replay device (s2–s4), attacker-to-talker distance
  (c2–c4), key, trim, subset. A spoof's attack id joins the four attacker factors.

The subset column becomes the split (``eval`` is the scored subset, ``progress`` and ``hidden`` the
others). Per-subset counts are not in the README we could read, so ``published_counts`` is empty.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe


def _eval_partition(track: str) -> tuple[Partition, ...]:
    keys = f"keys/{track}/CM/trial_metadata.txt"
    return (
        Partition(
            "eval",
            (keys, f"{track}-keys-full/{keys}"),
            f"ASVspoof2021_{track}_eval/flac",
        ),
    )


def _asv_files(track: str) -> dict[str, str]:
    return {
        "ASV protocol": f"keys/{track}/ASV/trial_metadata.txt",
        "ASV scores": f"keys/{track}/ASV/ASVtorch_kaldi/score.txt",
    }


@CORPORA.register("asvspoof2021-la")
class ASVspoof2021LA(ProtocolRecipe):
    """ASVspoof 2021 LA: 2019 LA attacks sent through telephony codecs and channels."""

    name = "asvspoof2021-la"
    columns = Columns(
        names=("speaker", "utt_id", "codec", "transmission", "attack", "key", "trim", "split")
    )
    partitions = _eval_partition("LA")
    optional_files = _asv_files("LA")


@CORPORA.register("asvspoof2021-df")
class ASVspoof2021DF(ProtocolRecipe):
    """ASVspoof 2021 DF: compressed deepfakes from ASVspoof 2019 LA, VCC 2018 and VCC 2020."""

    name = "asvspoof2021-df"
    columns = Columns(
        names=("speaker", "utt_id", "codec", "source", "attack", "key", "trim", "split",
               "vocoder", "vcc_task", "vcc_team", "vcc_col12", "vcc_col13"),
        required=8,
    )  # fmt: skip
    partitions = _eval_partition("DF")


@CORPORA.register("asvspoof2021-pa")
class ASVspoof2021PA(ProtocolRecipe):
    """ASVspoof 2021 PA: real replay recorded in nine rooms."""

    name = "asvspoof2021-pa"
    columns = Columns(
        names=("speaker", "utt_id", "asv_room", "asv_mic", "talker_asv_distance",
               "attacker_room", "attacker_mic", "replay_device", "attacker_talker_distance",
               "key", "trim", "split"),
        attack_from=("attacker_room", "attacker_mic", "replay_device", "attacker_talker_distance"),
    )  # fmt: skip
    partitions = _eval_partition("PA")
    optional_files = _asv_files("PA")
