"""A :class:`~spoofscope.inference.detector.Detection` as the API returns it.

Every field comes from the Detection itself (its timeline, most suspicious window, warnings,
speech seconds and aggregate): the Detector is the one source of truth for where its windows
fall and which one it names, so the API, the CLI and the stream cannot disagree about them.
"""

from __future__ import annotations

from typing import Any

from spoofscope.inference.detector import Detection
from spoofscope.inference.timeline import Segment
from spoofscope.serving.schemas import Span, Window


def window(segment: Segment) -> Window:
    """One timeline window of the response."""
    return Window(
        start_s=segment.start_s,
        end_s=segment.end_s,
        score=segment.score,
        p_spoof=segment.p_spoof,
        speech=segment.speech,
    )


def span(segment: Segment | None) -> Span | None:
    """The most suspicious window as a span of the response (None: nothing was scored)."""
    if segment is None:
        return None
    return Span(
        start_s=segment.start_s, end_s=segment.end_s, score=segment.score, p_spoof=segment.p_spoof
    )


def result_fields(detection: Detection) -> dict[str, Any]:
    """The fields of a :class:`~spoofscope.serving.schemas.ScoreResult` a Detection gives."""
    return {
        "score": detection.score,
        "p_spoof": detection.p_spoof,
        "verdict": detection.verdict,
        "threshold": detection.threshold,
        "calibrated": detection.calibrated,
        "duration": detection.duration,
        "timeline": [window(s) for s in detection.timeline],
        "most_suspicious": span(detection.suspicious),
        "quality": list(detection.quality),
        "warnings": list(detection.warnings),
        "speech_seconds": detection.speech_seconds,
        "aggregate": detection.aggregate,
    }
