"""The model card, typed: what a checkpoint says about its model, validated when it is read.

``card.json`` sits beside ``model.safetensors`` in every checkpoint. Everything that scores with
a checkpoint (the Detector, ``evaluate``, the fusion loader, ``models show``) reads it through
:class:`ModelCard`, so a bad value fails once, on load, with one line naming the field
(``card.json: input.sample_rate: ...``) instead of a traceback deep in scoring, and a NaN
threshold can no longer give confident verdicts.

Unknown top-level keys are kept (a fusion card lists its members, an imported card its source):
the card is a record a person reads as well as a contract.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from spoofscope.errors import CheckpointError

CARD_FILE = "card.json"

#: the highest input rate a card may state: anything above is a typo, not a recording
MAX_SAMPLE_RATE = 384_000


def _finite(value: float | None, name: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


class InputContract(BaseModel):
    """What the model takes: front-end, sample rate, crop length, and the channel applied first.

    ``channel`` is a codec of :mod:`spoofscope.audio.channel` that every recording passes
    through before the model (LocalSpoof models: the telephone band they were trained on).
    """

    model_config = ConfigDict(extra="allow")

    frontend: dict[str, Any] | None = None
    sample_rate: int = Field(gt=0, le=MAX_SAMPLE_RATE, strict=True)
    crop_samples: int = Field(gt=0, strict=True)
    channel: str | None = None


class Calibration(BaseModel):
    """A logistic calibration fitted on dev scores: ``p_spoof = 1 / (1 + exp(a · score + b))``."""

    model_config = ConfigDict(extra="allow")

    kind: str = "platt"
    a: float
    b: float

    @field_validator("a", "b")
    @classmethod
    def _finite_coefficients(cls, value: float) -> float:
        return _finite(value, "a calibration coefficient")


class ModelCard(BaseModel):
    """A checkpoint's card (``card.json``), validated.

    Attributes:
        architecture: registry name of the model (``spoofscope.models.MODELS``).
        config: the constructor's keyword arguments.
        input: the input contract.
        score_kind: ``logit-gap`` or ``similarity`` (a cosine in [-1, 1]).
        threshold: decision threshold on the score (the dev EER threshold of the run), or None.
        calibration: Platt coefficients fitted on dev, or None (uncalibrated).
        training, provenance: what the model was trained on and who made it (free-form records).
    """

    model_config = ConfigDict(extra="allow")

    format: str | None = None
    architecture: str = Field(min_length=1)
    config: dict[str, Any]
    parameters: int | None = Field(None, ge=0)
    input: InputContract
    output: str | None = None
    score_kind: Literal["logit-gap", "similarity"] = "logit-gap"
    threshold: float | None = None
    calibration: Calibration | None = None
    training: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None

    @field_validator("threshold")
    @classmethod
    def _finite_threshold(cls, value: float | None) -> float | None:
        return _finite(value, "the threshold")

    @property
    def calibrated(self) -> bool:
        """Whether ``p_spoof`` comes from a fitted calibration."""
        return self.calibration is not None

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-able data, as it is written to ``card.json``."""
        return self.model_dump(mode="json")

    @classmethod
    def parse(cls, data: Any, source: str | Path) -> ModelCard:
        """Validate card data read from ``source``.

        Raises:
            CheckpointError: one line naming the first field that is missing or wrong.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise CheckpointError(source, _first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    """``input.sample_rate: Input should be a valid integer`` (and how many more there are)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "card"
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"model card: {where}: {message}{more}"


def read_card(directory: str | Path) -> ModelCard:
    """Read and validate ``card.json`` of a checkpoint directory.

    Raises:
        CheckpointError: the card is missing, unreadable, not JSON, or a field is wrong.
    """
    path = Path(directory) / CARD_FILE
    if not path.is_file():
        raise CheckpointError(directory, f"no {CARD_FILE} (not a spoofscope checkpoint directory)")
    try:
        # strict JSON: a card with NaN in it was not written by us and is refused
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(path, f"unreadable model card: {exc}") from None
    return ModelCard.parse(data, path)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a card may hold")
