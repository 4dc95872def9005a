"""Every registered front-end keeps the shared contract: shapes, lengths, short and silent input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.features import FRONTENDS, build_frontend
from spoofscope.features.base import FrontEnd
from tests.unit.features.conftest import SR, speech_like

NAMES = FRONTENDS.names()
# Front-ends whose log output is computed from an exact transform of a zero-padded row compare to
# the row alone to float precision; the constant-Q ones drop wavelet spectrum values below 1e-3 of
# their peak, a truncation that depends on the padded length, so they get a looser bound.
BATCH_TOLERANCE = {"cqt": 0.05, "cqcc": 0.05}


def test_registry_lists_every_frontend_of_the_contract() -> None:
    expected = {
        "spectrogram",
        "stft",
        "fft",
        "logmel",
        "mfcc",
        "lfcc",
        "cqt",
        "cqcc",
        "image",
        "ssl",
        "phasegram",
        "whisper",
    }
    assert set(NAMES) == expected


@pytest.fixture(params=NAMES)
def frontend(request: pytest.FixtureRequest, frontend_params: dict[str, dict]) -> FrontEnd:
    return build_frontend(request.param, **frontend_params.get(request.param, {})).eval()


def test_padded_batch_rows_equal_each_row_alone(frontend: FrontEnd) -> None:
    waves = [speech_like(1.0, seed=1), speech_like(0.55, seed=2, f0=210.0), speech_like(0.3, 3)]
    lengths = torch.tensor([len(w) for w in waves])
    batch = torch.zeros(3, int(lengths.max()))
    for row, wave in enumerate(waves):
        batch[row, : len(wave)] = torch.from_numpy(wave)
    with torch.no_grad():
        together = frontend(batch, lengths)
        frames = frontend.output_lengths(lengths)
        for row, wave in enumerate(waves):
            alone = frontend(torch.from_numpy(wave)[None])
            assert alone.shape[-1] == int(frames[row])
            part = together[row : row + 1, ..., : alone.shape[-1]]
            spread = float(alone.abs().max()) + 1e-6
            tol = BATCH_TOLERANCE.get(frontend.name, 1e-4)
            assert float((part - alone).abs().max()) <= tol * spread
            assert not together[row, ..., int(frames[row]) :].any(), "padding frames must be zero"


@pytest.mark.parametrize("signal", ["tenth_second", "silence"])
def test_short_and_silent_inputs_give_finite_4d_features(frontend: FrontEnd, signal: str) -> None:
    wave = speech_like(0.1, seed=4) if signal == "tenth_second" else np.zeros(SR, np.float32)
    with torch.no_grad():
        feats = frontend(torch.from_numpy(wave)[None])
    assert feats.dim() == 4 and feats.shape[0] == 1
    assert torch.isfinite(feats).all()
    assert feats.shape[-1] == int(frontend.output_lengths(torch.tensor([len(wave)]))[0])


def test_config_is_json_and_rebuilds_the_same_frontend(frontend: FrontEnd) -> None:
    import json

    config = json.loads(json.dumps(frontend.config()))
    assert config["name"] == frontend.name and config["sample_rate"] == SR
    rebuilt = build_frontend(**config).eval()
    wave = torch.from_numpy(speech_like(0.5, seed=5))[None]
    if frontend.name == "ssl":
        rebuilt.load_state_dict(
            frontend.state_dict()
        )  # learned layer weights are state, not config
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(wave), frontend(wave))


def test_output_shape_matches_forward(frontend: FrontEnd) -> None:
    with torch.no_grad():
        feats = frontend(torch.from_numpy(speech_like(0.4, seed=6))[None])
    assert frontend.output_shape(int(0.4 * SR)) == tuple(feats.shape[1:])
