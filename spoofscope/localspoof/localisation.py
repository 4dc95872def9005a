"""Localisation of a LocalSpoof build's partial spoofs: each listed file scored by a Detector and
its timeline set against the span ``partial_spans.tsv`` gives (``spoofscope corpus localise``).

The measure itself, which knows nothing of LocalSpoof, is :mod:`spoofscope.evaluation.localisation`;
this module only reads the build, so the evaluation package does not import the corpus builder.
"""

from __future__ import annotations

from spoofscope.evaluation.localisation import SpanHit, span_hit


def localise(detector: object, root: str, split: str) -> tuple[list[SpanHit], list[str]]:
    """Score every partial spoof of a LocalSpoof build's ``split`` with ``detector`` (a
    :class:`~spoofscope.inference.detector.Detector`, windowed as it was made) and compare each
    timeline with the span ``partial_spans.tsv`` lists.

    Returns the per-file records and ``utt_id: reason`` of each file the Detector could not score.

    Raises:
        CorpusError: the build lists no partial spoofs in ``split``, or none could be scored.
    """
    from pathlib import Path

    from spoofscope.errors import CorpusError, SpoofscopeError
    from spoofscope.evaluation.evaluate import load_split
    from spoofscope.localspoof.layout import PARTIAL_SPANS
    from spoofscope.localspoof.rendering import read_spans

    spans = read_spans(Path(root))
    manifest, _ = load_split("localspoof", root, split)
    rows = [u for u in manifest if u.utt_id in spans]
    if not rows:
        raise CorpusError(root, f"no partial spoof of split '{split}' is listed in {PARTIAL_SPANS}")
    hits: list[SpanHit] = []
    failed: list[str] = []
    for row, outcome in zip(rows, detector.score_batch([u.path for u in rows]), strict=True):  # type: ignore[attr-defined]
        if isinstance(outcome, SpoofscopeError):
            failed.append(f"{row.utt_id}: {outcome}")
            continue
        hits.append(span_hit(row.utt_id, outcome.timeline, spans[row.utt_id]))
    if not hits:
        raise CorpusError(
            root, f"none of the {len(rows)} partial spoofs of '{split}' could be scored"
        )
    return hits, failed
