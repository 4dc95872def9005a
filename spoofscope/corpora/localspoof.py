"""LocalSpoof, spoofscope's own offline benchmark, as its builder writes it.

The builder (``spoofscope corpus build``) writes ``localspoof.csv`` at the root, with the header
``utt_id,path,key,speaker,attack,split,language,source_package,source_file,synthesizer,settings,
text,channel`` (quoted CSV; ``path`` relative to the root; key ``bonafide``/``spoof``). The same tree
also holds an ASVspoof 2019 LA layout of the same audio, which the ``asvspoof2019-la`` recipe reads.
Every column other than the first six is kept in ``extra``. No counts are published: the builder's
own summary is the reference.
"""

from __future__ import annotations

from spoofscope.corpora import CORPORA
from spoofscope.corpora.protocol import Columns
from spoofscope.corpora.recipe import Partition, ProtocolRecipe

COLUMNS = (
    "utt_id", "path", "key", "speaker", "attack", "split", "language", "source_package",
    "source_file", "synthesizer", "settings", "text", "channel",
)  # fmt: skip


@CORPORA.register("localspoof")
class LocalSpoof(ProtocolRecipe):
    """LocalSpoof's ``localspoof.csv`` manifest."""

    name = "localspoof"
    columns = Columns(
        delimiter=",",
        header=True,
        must_have=("utt_id", "path", "key", "speaker", "attack", "split"),
    )
    partitions = (Partition("eval", ("localspoof.csv",), None),)
