"""The phasegram's phase channels measure what they claim: a tone's offset from its bin centre, a
pulse's offset from the frame centre; silence and unknown settings are handled."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from tests.unit.features.conftest import SR, speech_like


def _angle(feats: torch.Tensor, channel: int) -> torch.Tensor:
    """Angle of the (cos, sin) pair starting at ``channel`` of ``feats: [1, C, F, frames]``."""
    return torch.atan2(feats[0, channel + 1], feats[0, channel])


@pytest.mark.parametrize("offset_hz", [-11.0, 0.0, 7.5])
def test_time_derivative_of_a_tone_is_its_offset_from_the_bin_centre(offset_hz: float) -> None:
    frontend = build_frontend("phasegram", derivatives=["time"]).eval()
    n_fft, hop = frontend.params["n_fft"], frontend.params["hop_length"]
    k = 40  # bin centre 1250 Hz
    freq = k * SR / n_fft + offset_hz
    t = np.arange(SR) / SR
    wave = torch.from_numpy((0.3 * np.sin(2 * np.pi * freq * t + 0.4)).astype(np.float32))
    with torch.no_grad():
        feats = frontend(wave[None])
    assert feats.shape[1] == 3
    expected = 2 * math.pi * hop * offset_hz / SR
    middle = _angle(feats, 1)[k, 10:-10]  # away from the edges the tone is stationary
    assert torch.allclose(middle, torch.full_like(middle, expected), atol=1e-3)


@pytest.mark.parametrize("shift", [0, 3, -5])
def test_frequency_derivative_of_a_pulse_is_its_offset_from_the_frame_centre(shift: int) -> None:
    frontend = build_frontend("phasegram", derivatives=["frequency"], fmax=4000.0).eval()
    n_fft, hop = frontend.params["n_fft"], frontend.params["hop_length"]
    frame = 20
    wave = torch.zeros(1, SR // 2)
    wave[0, frame * hop + shift] = 0.5
    with torch.no_grad():
        feats = frontend(wave)
    # a pulse d samples after the frame centre delays every bin's phase by 2 pi k d / n_fft
    step = _angle(feats, 1)[1:, frame]
    expected = torch.full_like(step, -2 * math.pi * shift / n_fft)
    assert torch.allclose(step, expected, atol=1e-3)


def test_silence_gives_zero_phase_channels_and_a_floored_log_power() -> None:
    frontend = build_frontend("phasegram").eval()
    with torch.no_grad():
        feats = frontend(torch.zeros(1, SR))
    assert feats.shape[1] == 5
    assert not feats[:, 1:].any()
    assert torch.all(feats[:, 0] == -10.0)


def test_phase_channels_are_unit_phasors_where_there_is_energy() -> None:
    frontend = build_frontend("phasegram", fmax=4000.0).eval()
    with torch.no_grad():
        feats = frontend(torch.from_numpy(speech_like(0.5, seed=9))[None])
    assert feats.shape[2] == 129  # bins 0..4 kHz of a 512-point FFT at 16 kHz
    for channel in (1, 3):
        length = feats[0, channel, 1:, 1:] ** 2 + feats[0, channel + 1, 1:, 1:] ** 2
        assert torch.allclose(length, torch.ones_like(length), atol=1e-4)


@pytest.mark.parametrize(
    ("params", "key"),
    [({"derivatives": ["group-delay"]}, "derivatives"),
     ({"derivatives": ["time", "time"]}, "derivatives"),
     ({"fmax": 9000.0}, "fmax")],
)  # fmt: skip
def test_bad_settings_name_the_parameter(params: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        build_frontend("phasegram", **params)


def test_lcnn_widens_its_first_convolution_to_the_phasegram_channels() -> None:
    from spoofscope.models import MODELS

    model = MODELS.get("lcnn")(frontend="phasegram", frontend_params={"fmax": 4000.0}).eval()
    assert model.body[0][0].in_channels == 5
    with torch.no_grad():
        logits = model(torch.from_numpy(np.stack([speech_like(0.8, 1), speech_like(0.8, 2)])))
    assert logits.shape == (2, 2) and torch.isfinite(logits).all()
