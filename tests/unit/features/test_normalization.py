"""Per-utterance and global normalisation wrappers."""

from __future__ import annotations

import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from spoofscope.features.normalization import GlobalNorm, utterance_mvn
from tests.unit.features.conftest import speech_like


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    waves = [speech_like(0.9, seed=31), speech_like(0.5, seed=32, f0=220.0)]
    wave = torch.zeros(2, len(waves[0]))
    for row, w in enumerate(waves):
        wave[row, : len(w)] = torch.from_numpy(w)
    return wave, torch.tensor([len(w) for w in waves])


def test_utterance_norm_zero_mean_unit_variance_over_valid_frames() -> None:
    frontend = build_frontend("mfcc", norm="utterance")
    wave, lengths = batch()
    feats = frontend(wave, lengths)
    frames = frontend.output_lengths(lengths)
    for row, n in enumerate(frames.tolist()):
        valid = feats[row, 0, :, :n]
        torch.testing.assert_close(valid.mean(-1), torch.zeros(20), atol=1e-4, rtol=0)
        torch.testing.assert_close(valid.std(-1, unbiased=False), torch.ones(20), atol=1e-3, rtol=0)
    assert frontend.config()["norm"] == "utterance"


def test_utterance_mvn_of_a_constant_row_is_zero_not_nan() -> None:
    feats = torch.full((1, 1, 3, 5), 7.0)
    out = utterance_mvn(feats, torch.tensor([5]))
    assert torch.equal(out, torch.zeros_like(out))


def test_global_norm_fits_statistics_kept_in_the_state_dict() -> None:
    frontend = build_frontend("lfcc", norm="global")
    assert isinstance(frontend, GlobalNorm)
    wave, lengths = batch()
    with torch.no_grad():
        raw = frontend.inner(wave, lengths)
    frames = frontend.inner.output_lengths(lengths)
    frontend.fit([(raw, frames)])
    valid = torch.cat([raw[0, 0, :, : frames[0]], raw[1, 0, :, : frames[1]]], dim=1)
    torch.testing.assert_close(frontend.mean[0, :, 0], valid.mean(-1), atol=1e-4, rtol=1e-4)
    state = frontend.state_dict()
    assert set(state) == {"mean", "std"}

    fresh = build_frontend("lfcc", norm="global")
    fresh.load_state_dict(state)
    with torch.no_grad():
        out = fresh(wave, lengths)
    both = torch.cat([out[0, 0, :, : frames[0]], out[1, 0, :, : frames[1]]], dim=1)
    torch.testing.assert_close(both.mean(-1), torch.zeros(60), atol=1e-3, rtol=0)


def test_global_norm_rejects_wrong_shapes_and_empty_input() -> None:
    frontend = build_frontend("mfcc", norm="global")
    with pytest.raises(ConfigError, match="expected"):
        frontend.fit([torch.zeros(1, 1, 7, 10)])
    with pytest.raises(ConfigError, match="no feature frames"):
        frontend.fit([])


def test_unknown_norm_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="norm"):
        build_frontend("mfcc", norm="cepstral-mean")
