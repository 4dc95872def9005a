"""The typed model card: a bad value fails on load with one line naming the field."""

from __future__ import annotations

import json

import pytest

from spoofscope.errors import CheckpointError
from spoofscope.inference.detector import Detector
from spoofscope.models import MODELS
from spoofscope.models.base import save_checkpoint
from spoofscope.models.card import ModelCard, read_card


@pytest.fixture
def checkpoint(tmp_path):
    model = MODELS.get("lcnn")(crop_samples=16000)
    calibration = {"kind": "platt", "a": 2.0, "b": 0.1}
    return save_checkpoint(model, tmp_path / "ck", threshold=0.25, calibration=calibration)


def _rewrite(path, edit):
    card = json.loads((path / "card.json").read_text())
    edit(card)
    (path / "card.json").write_text(json.dumps(card))


def test_a_saved_card_reads_back_typed(checkpoint):
    card = read_card(checkpoint)
    assert isinstance(card, ModelCard) and card.architecture == "lcnn"
    assert card.input.crop_samples == 16000 and card.input.sample_rate == 16000
    assert card.threshold == 0.25 and card.calibration.a == 2.0 and card.calibrated
    assert card.score_kind == "logit-gap"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c["input"].update(sample_rate="16000"), "input.sample_rate"),
        (lambda c: c["input"].update(sample_rate=16000.5), "input.sample_rate"),
        (lambda c: c["input"].update(crop_samples=-4), "input.crop_samples"),
        (lambda c: c["input"].pop("crop_samples"), "input.crop_samples"),
        (lambda c: c.update(threshold="high"), "threshold"),
        (lambda c: c.update(calibration={"a": "x", "b": 1.0}), "calibration.a"),
        (lambda c: c.update(calibration={"a": 1.0}), "calibration.b"),
        (lambda c: c.update(score_kind="probability"), "score_kind"),
        (lambda c: c.pop("architecture"), "architecture"),
    ],
)
def test_a_bad_card_value_fails_in_one_line_naming_the_field(checkpoint, edit, field):
    _rewrite(checkpoint, edit)
    with pytest.raises(CheckpointError, match=f"model card: {field}:") as err:
        read_card(checkpoint)
    assert "\n" not in str(err.value)


def test_a_nan_threshold_is_refused_not_turned_into_confident_verdicts(checkpoint):
    text = (checkpoint / "card.json").read_text().replace('"threshold": 0.25', '"threshold": NaN')
    (checkpoint / "card.json").write_text(text)
    with pytest.raises(CheckpointError, match="NaN"):
        Detector.load(checkpoint)
    # an infinite one written by other means is refused by the field check
    with pytest.raises(CheckpointError, match="threshold"):
        ModelCard.parse({**read_card_data(checkpoint), "threshold": float("inf")}, "card.json")


def read_card_data(path):
    return json.loads((path / "card.json").read_text().replace("NaN", "0.25"))


def test_a_card_that_would_not_load_is_never_saved(tmp_path):
    model = MODELS.get("lcnn")(crop_samples=16000)
    with pytest.raises(CheckpointError, match="threshold"):
        save_checkpoint(model, tmp_path / "ck", threshold=float("nan"))
    assert not (tmp_path / "ck").exists()
