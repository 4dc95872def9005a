"""``detect`` never prints NaN: not as ``score +nan``, and never as ``NaN`` in ``--json``, which is
not JSON. Before, a float WAV at 1e19 scored NaN with every shipped model and exited 0."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.inference.detector import Detector
from tests.integration.cli_runner import run_cli

SR = 16000


def _strict_json(text: str) -> object:
    """Parse as a JSON reader outside Python does: NaN and Infinity are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def overflowing(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A float WAV of real speech at 1e19: every shipped front-end overflows on it as it is."""
    speech = np.load(reference_dir / "aasist" / "inputs.npy")[5]
    path = tmp_path_factory.mktemp("calls") / "LA_E_5849185.wav"
    sf.write(path, speech * np.float32(1e19), SR, subtype="FLOAT")
    return path


def test_an_overflowing_float_wav_gets_a_finite_score_in_json(overflowing):
    res = run_cli("detect", "--model", "aasist-l-19la", "--json", str(overflowing))
    data = _strict_json(res.out)
    assert res.code == 0 and data["failed"] == []
    (row,) = data["results"]
    assert np.isfinite(row["score"]) and np.isfinite([w["score"] for w in row["timeline"]]).all()
    assert "rescaled" in row["quality"]


def test_an_overflowing_float_wav_prints_a_number_and_its_flag(overflowing):
    res = run_cli("detect", "--model", "aasist-l-19la", str(overflowing))
    assert res.code == 0 and "nan" not in res.out.lower()
    flags = res.out.rstrip().rsplit("[", 1)[1].rstrip("]").split(", ")
    assert "rescaled" in flags


def test_a_model_that_gives_nan_is_a_failed_row_in_valid_json(overflowing, monkeypatch):
    # Whatever the input, a non-finite model output is an error on that file, not a verdict.
    monkeypatch.setattr(Detector, "score_excerpts", lambda self, ex: np.full(len(ex), np.nan))
    res = run_cli("detect", "--model", "aasist-l-19la", "--json", str(overflowing))
    data = _strict_json(res.out)
    assert res.code == 1 and data["results"] == []
    assert data["failed"] == [
        {"file": str(overflowing), "error": f"{overflowing}: the model's score is not finite"}
    ]


def test_json_output_turns_any_non_finite_number_into_null(capsys):
    import numpy as np

    from spoofscope.cli.common import print_json

    print_json(
        {"eer": float("nan"), "scores": [np.float32(0.5), np.float64("-inf")], "n": np.int64(3)}
    )
    assert json.loads(capsys.readouterr().out) == {"eer": None, "scores": [0.5, None], "n": 3}
