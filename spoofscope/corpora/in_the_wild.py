"""In-the-Wild (Müller et al., "Does Audio Deepfake Detection Generalize?", Interspeech 2022).

Layout relied on (the release archive ``release_in_the_wild.zip`` from deepfake-total.com /
Fraunhofer AISEC, and public loaders that read it)::

    release_in_the_wild/meta.csv          header ``file,speaker,label``
    release_in_the_wild/0.wav ... 31778.wav

Labels are spelled ``bona-fide`` and ``spoof``. The root may be the folder holding
``release_in_the_wild/`` or that folder itself. There are no splits: every utterance is ``eval``.
Counts (the paper, Section 3): 19,963 bona fide and 11,816 spoofed utterances of 58 celebrities.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe, per_split


@CORPORA.register("in-the-wild")
class InTheWild(ProtocolRecipe):
    """In-the-Wild: bona fide and deepfake speech of public figures, one meta.csv."""

    name = "in-the-wild"
    audio_exts = (".wav",)
    columns = Columns(
        labels={"bona-fide": "bonafide", "spoof": "spoof"},
        delimiter=",",
        header=True,
        rename={"label": "key"},
        must_have=("file", "speaker", "key"),
    )
    partitions = (Partition("eval", ("meta.csv",), ""),)
    release_dirs = ("release_in_the_wild", "")
    published_counts = per_split({"eval": (19963, 11816)})
