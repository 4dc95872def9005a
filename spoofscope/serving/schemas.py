"""The API's request and response bodies, as pydantic models: FastAPI validates against them and
the OpenAPI schema at ``/openapi.json`` is generated from them, so the schema is what is sent."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: what feedback may say a recording really was (the labels of the corpus it exports to)
FeedbackLabel = Literal["bonafide", "spoof"]


class Window(BaseModel):
    """One scored window of the recording."""

    start_s: float = Field(description="start, seconds from the beginning")
    end_s: float = Field(description="end, seconds from the beginning")
    score: float = Field(description="the window's score, higher = more bona fide")
    p_spoof: float = Field(ge=0, le=1, description="probability of spoof of this window alone")
    speech: bool | None = Field(
        None, description="whether the window holds speech (null: no voice-activity check ran)"
    )


class Span(BaseModel):
    """A stretch of the recording, in seconds."""

    start_s: float
    end_s: float
    score: float | None = None
    p_spoof: float | None = Field(None, ge=0, le=1)


class ModelRef(BaseModel):
    """Which model scored a recording."""

    id: str = Field(description="the model spec the server loaded (default, a pretrained name)")
    version: str = Field(description="first 16 hex digits of the SHA-256 of its weights and card")


class ScoreResult(BaseModel):
    """The verdict on one recording."""

    request_id: str = Field(
        description="id of this recording in the audit log; give it to feedback"
    )
    filename: str = Field(description="the name the client gave the upload")
    score: float = Field(
        description="the window scores' aggregate (see aggregate), higher = more bona fide"
    )
    p_spoof: float = Field(ge=0, le=1, description="probability of spoof")
    verdict: str = Field(
        description="bonafide, spoof, uncertain, too-short or no-speech (no speech was found: "
        "score and p_spoof are given but judge nothing)"
    )
    threshold: float = Field(description="the model's decision threshold on score")
    calibrated: bool = Field(description="whether p_spoof comes from a fitted calibration")
    duration: float = Field(ge=0, description="seconds of audio scored")
    timeline: list[Window] = Field(description="the scored windows, in time order")
    most_suspicious: Span | None = Field(
        None, description="the lowest-scoring window with speech (any window when none has it)"
    )
    quality: list[str] = Field(description="loader flags: silent, clipped, rescaled")
    warnings: list[str] = Field(
        description="'<code>: <why>' lines that put the verdict in context (uncalibrated, "
        "band-limited, low-rate)"
    )
    speech_seconds: float | None = Field(
        None, ge=0, description="seconds of speech found (null: no voice-activity check)"
    )
    aggregate: str = Field("mean", description="how window scores became the score")
    sha256: str = Field(description="SHA-256 of the uploaded bytes")
    model: ModelRef
    processing_ms: float = Field(ge=0, description="time spent decoding and scoring")


class BatchItemError(BaseModel):
    """A file of a batch that could not be scored."""

    request_id: str
    filename: str
    status: int = Field(description="the HTTP status it would have had alone (400, 422)")
    detail: str = Field(description="one line: <file>: <why>")


class BatchResult(BaseModel):
    """The verdicts on the files of one batch request."""

    batch_id: str
    results: list[ScoreResult]
    failed: list[BatchItemError]


class ModelCardSummary(BaseModel):
    """A loaded model, as ``GET /v1/models`` lists it."""

    id: str
    version: str
    architecture: str
    sample_rate: int
    crop_seconds: float
    channel: str | None
    threshold: float
    calibrated: bool
    parameters: int | None
    dev_eer: float | None = Field(None, description="equal error rate on its dev split, if known")
    workers: int = Field(description="inference workers holding a copy of it")


class ModelList(BaseModel):
    models: list[ModelCardSummary]


class FeedbackIn(BaseModel):
    """What a recording really was, according to a person who knows."""

    request_id: str = Field(min_length=1, max_length=64)
    label: FeedbackLabel
    note: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    request_id: str
    label: FeedbackLabel
    verdict: str | None = Field(description="what the model had said")
    score: float | None


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready", "starting"]
    workers: int


class ErrorBody(BaseModel):
    """Every error response: one line saying what failed and why."""

    detail: str
