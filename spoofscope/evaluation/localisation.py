"""Does the timeline point at the synthetic part? Localisation of partial spoofs.

A partial spoof (LocalSpoof's L14: one stretch of a bona fide recording re-synthesised) is a case
where the Detector's timeline should say more than its verdict: the most suspicious window
(:func:`spoofscope.inference.timeline.most_suspicious`) ought to lie on the stretch. Given each
file's timeline and the span its build lists (``partial_spans.tsv``), this module measures

* the **hit rate**: the share of files whose most suspicious window overlaps the span, against
  the **chance rate**, the share a window picked at random among the same candidates would hit
  (the candidates are the windows with speech, as ``most_suspicious`` picks among them). With
  short windows at a small hop several windows touch a 0.5-s span, so chance is far from zero
  and the hit rate means something only next to it;
* the **within-file AUC**: over files with windows both on and off the span, the probability
  that a window on the span scores lower (more spoof-like) than one off it, ties counting half;
  0.5 is a timeline that knows nothing of where the stretch is.

A window is on the span when it shares any time with it; the chance rate uses the same rule, so
a loose rule raises both alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from spoofscope.inference.timeline import Segment, most_suspicious

Span = tuple[float, float]


@dataclass(frozen=True)
class SpanHit:
    """How one partial spoof's timeline relates to its synthetic span.

    Attributes:
        utt_id: the recording.
        start_s, end_s: the span, in seconds of the stored file.
        duration_s: the file's length (where its timeline ends).
        windows: candidate windows (with speech; all windows when none has speech).
        on_span: how many of them overlap the span.
        hit: whether the most suspicious window overlaps it.
        auc: probability that a candidate on the span scores below one off it (None when all
            candidates are on it or none is).
    """

    utt_id: str
    start_s: float
    end_s: float
    duration_s: float
    windows: int
    on_span: int
    hit: bool
    auc: float | None

    @property
    def chance(self) -> float:
        """The hit probability of a candidate window drawn at random."""
        return self.on_span / self.windows if self.windows else 0.0


def overlaps(segment: Segment, span: Span) -> bool:
    """Whether ``segment`` shares any time with ``span``."""
    return segment.start_s < span[1] and span[0] < segment.end_s


def _auc(low: np.ndarray, high: np.ndarray) -> float | None:
    """P(a value of ``low`` < a value of ``high``), ties half; None when either is empty."""
    if not len(low) or not len(high):
        return None
    diff = low[:, None] - high[None, :]
    return float(np.mean((diff < 0) + 0.5 * (diff == 0)))


def span_hit(utt_id: str, timeline: Sequence[Segment], span: Span) -> SpanHit:
    """The :class:`SpanHit` of one recording's timeline against its listed span."""
    candidates = [s for s in timeline if s.speech] or list(timeline)
    on = np.array([overlaps(s, span) for s in candidates], dtype=bool)
    scores = np.array([s.score for s in candidates], dtype=np.float64)
    worst = most_suspicious(list(timeline))
    return SpanHit(
        utt_id=utt_id,
        start_s=span[0],
        end_s=span[1],
        duration_s=max((s.end_s for s in timeline), default=0.0),
        windows=len(candidates),
        on_span=int(on.sum()),
        hit=worst is not None and overlaps(worst, span),
        auc=_auc(scores[on], scores[~on]),
    )


@dataclass(frozen=True)
class Localisation:
    """The localisation figures of a set of partial spoofs (see the module docstring)."""

    files: int
    hit_rate: float
    hit_interval: tuple[float, float]  # 95% Wilson interval
    chance_rate: float
    auc: float | None  # mean within-file AUC
    auc_files: int  # files it is the mean over

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


#: file lengths the figures are also given for, in seconds: half of LocalSpoof v4's eval partial
#: spoofs are single words under 0.9 s, where the span is up to 60% of the speech and nearly
#: every window touches it, so the pooled figure is mostly theirs
DURATION_BANDS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.0, 3.0), (3.0, float("inf")))


def band_name(low: float, high: float) -> str:
    return f"{low:g}-{high:g} s" if high != float("inf") else f"{low:g} s and over"


def by_duration(hits: Sequence[SpanHit]) -> dict[str, Localisation]:
    """:func:`summarise` of the files in each of :data:`DURATION_BANDS` that holds any."""
    out: dict[str, Localisation] = {}
    for low, high in DURATION_BANDS:
        part = [h for h in hits if low <= h.duration_s < high]
        if part:
            out[band_name(low, high)] = summarise(part)
    return out


def summarise(hits: Iterable[SpanHit]) -> Localisation:
    """Pool per-file :class:`SpanHit` records into the figures of :class:`Localisation`."""
    from scipy.stats import binomtest

    hits = list(hits)
    if not hits:
        raise ValueError("no partial spoofs to summarise")
    n_hit = sum(h.hit for h in hits)
    ci = binomtest(n_hit, len(hits)).proportion_ci(confidence_level=0.95, method="wilson")
    aucs = [h.auc for h in hits if h.auc is not None]
    return Localisation(
        files=len(hits),
        hit_rate=n_hit / len(hits),
        hit_interval=(float(ci.low), float(ci.high)),
        chance_rate=float(np.mean([h.chance for h in hits])),
        auc=float(np.mean(aucs)) if aucs else None,
        auc_files=len(aucs),
    )


def write_hits(path: str, hits: Sequence[SpanHit]) -> None:
    """One row per file, tab-separated: ``utt_id start_s end_s duration_s windows on_span hit
    auc``."""
    lines = ["utt_id\tstart_s\tend_s\tduration_s\twindows\ton_span\thit\tauc"]
    for h in hits:
        auc = "" if h.auc is None else f"{h.auc:.4f}"
        lines.append(
            f"{h.utt_id}\t{h.start_s:.3f}\t{h.end_s:.3f}\t{h.duration_s:.3f}\t{h.windows}"
            f"\t{h.on_span}\t{int(h.hit)}\t{auc}"
        )
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
