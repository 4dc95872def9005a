"""A :class:`~spoofscope.inference.detector.Detection` as the API returns it.

Newer Detections carry a ``timeline`` of windows (with a speech flag), the most suspicious span
and ``warnings``; older ones only ``window_scores``. Both are read here, so the API has the same
shape either way: without a timeline the windows' times are those the Detector scored (one crop
at half-overlap, the last aligned to the end; see :func:`spoofscope.inference.windows.windows`),
and the most suspicious span is the lowest-scoring window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from spoofscope.inference.detector import Detection, Detector
from spoofscope.serving.schemas import Span, Window


def _as_mapping(item: Any) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return item
    if is_dataclass(item) and not isinstance(item, type):
        return asdict(item)
    if hasattr(item, "model_dump"):
        return item.model_dump()
    return vars(item)


def window_times(count: int, length: int, crop: int, sr: int) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` of the ``count`` windows the Detector scores on ``length`` samples."""
    if count <= 1 or length <= crop:
        return [(0.0, length / sr)] * count
    hop = crop // 2
    starts = [i * hop for i in range(count)]
    starts[-1] = length - crop  # the last window is aligned to the end
    return [(s / sr, (s + crop) / sr) for s in starts]


def timeline(detection: Detection, detector: Detector) -> list[Window]:
    """The scored windows of ``detection`` in time order."""
    given = getattr(detection, "timeline", None)
    if given:
        return [Window.model_validate(dict(_as_mapping(w))) for w in given]
    scores = detection.window_scores
    length = round(detection.duration * detector.sample_rate)
    times = window_times(len(scores), length, detector.crop, detector.sample_rate)
    return [
        Window(start_s=a, end_s=b, score=s, p_spoof=detector.p_spoof(s))
        for (a, b), s in zip(times, scores, strict=True)
    ]


def most_suspicious(detection: Detection, windows: list[Window]) -> Span | None:
    """The span the Detector names most suspicious, else the lowest-scoring speech window."""
    for name in ("suspicious", "most_suspicious"):
        given = getattr(detection, name, None)
        if given:
            return Span.model_validate(dict(_as_mapping(given)))
    speech = [w for w in windows if w.speech is not False]
    if not speech:
        return None
    worst = min(speech, key=lambda w: w.score)
    return Span(start_s=worst.start_s, end_s=worst.end_s, score=worst.score, p_spoof=worst.p_spoof)


def warnings_of(detection: Detection) -> list[str]:
    """The Detection's warnings, or (older Detections) a line for each quality flag."""
    given = getattr(detection, "warnings", None)
    if given is not None:
        return [str(w) for w in given]
    return [f"the recording is {flag}" for flag in detection.quality]


def result_fields(detection: Detection, detector: Detector) -> dict[str, Any]:
    """The fields of a :class:`~spoofscope.serving.schemas.ScoreResult` a Detection gives."""
    windows = timeline(detection, detector)
    return {
        "score": detection.score,
        "p_spoof": detection.p_spoof,
        "verdict": detection.verdict,
        "threshold": detection.threshold,
        "calibrated": detection.calibrated,
        "duration": detection.duration,
        "timeline": windows,
        "most_suspicious": most_suspicious(detection, windows),
        "quality": list(detection.quality),
        "warnings": warnings_of(detection),
        "speech_seconds": getattr(detection, "speech_seconds", None),
        "aggregate": getattr(detection, "aggregate", "mean"),
    }
