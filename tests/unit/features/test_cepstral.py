"""Coefficient selection, first-coefficient options and deltas of the cepstral front-ends."""

from __future__ import annotations

import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from spoofscope.features.cepstral import regression_kernel, selected_indices
from tests.unit.features.conftest import speech_like

WAVE = torch.from_numpy(speech_like(0.8, seed=21))[None]


def features(name: str, **params: object) -> torch.Tensor:
    with torch.no_grad():
        return build_frontend(name, **params)(WAVE)[0, 0]  # [F, frames]


@pytest.mark.parametrize("name", ["mfcc", "lfcc", "cqcc"])
def test_drop_first_coefficient_leaves_the_others_in_order(name: str) -> None:
    full = features(name, deltas=0)
    dropped = features(name, deltas=0, drop=[1])
    assert dropped.shape[0] == full.shape[0] - 1
    torch.testing.assert_close(dropped, full[1:])


def test_keep_selects_one_based_coefficients_for_the_mfcc_ablation() -> None:
    full = features("mfcc", n_mfcc=13)
    kept = features("mfcc", n_mfcc=13, keep=[2, 5, 13])
    torch.testing.assert_close(kept, full[[1, 4, 12]])


def test_selection_applies_before_deltas() -> None:
    feats = features("lfcc", drop=[1, 2, 3, 4, 5, 6, 7, 8])
    assert feats.shape[0] == 12 * 3


@pytest.mark.parametrize(("keep", "drop"), [([0], None), ([21], None), (None, [1, 2]), ([1], [2])])
def test_bad_selections_are_config_errors(keep: list[int] | None, drop: list[int] | None) -> None:
    if drop == [1, 2]:
        with pytest.raises(ConfigError, match="no coefficient left"):
            selected_indices(2, None, drop)
        return
    with pytest.raises(ConfigError):
        build_frontend("mfcc", n_mfcc=20, keep=keep, drop=drop)


def test_first_none_starts_at_c1_and_energy_replaces_c0() -> None:
    with_c0 = features("mfcc", n_mfcc=14)
    without = features("mfcc", n_mfcc=13, first="none")
    torch.testing.assert_close(without, with_c0[1:])
    energy = features("mfcc", n_mfcc=14, first="energy")
    torch.testing.assert_close(energy[1:], with_c0[1:])
    assert not torch.allclose(energy[0], with_c0[0])


def test_deltas_of_a_linear_ramp_are_its_slope() -> None:
    ramp = torch.arange(20.0)[None, None, :]  # [1, 1, frames]
    for width in (1, 2, 3):
        kernel = regression_kernel(width)[None, None]
        slope = torch.nn.functional.conv1d(ramp, kernel)
        torch.testing.assert_close(slope, torch.ones_like(slope))


def test_mfcc_deltas_stack_static_delta_and_acceleration() -> None:
    stacked = features("mfcc", n_mfcc=13, deltas=2)
    assert stacked.shape[0] == 39
    torch.testing.assert_close(stacked[:13], features("mfcc", n_mfcc=13))
