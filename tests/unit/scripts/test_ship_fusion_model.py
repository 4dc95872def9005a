"""The fusion shipping script's pieces that decide what a shipped card says."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))

from ship_fusion_model import fit_weights, member_channel


def test_member_channel_is_not_applied_twice():
    # evaluation applies the member card's own channel after --channel
    assert member_channel({"input": {"channel": "telephone"}}, "telephone") == ""
    assert member_channel({"input": {"channel": None}}, "telephone") == " --channel telephone"
    assert member_channel({}, "telephone") == " --channel telephone"


def test_fit_weights_favours_the_member_that_separates():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 200)
    informative = labels * 3.0 + rng.normal(size=400)
    noise = rng.normal(size=400)
    w_noise, w_good = fit_weights(np.stack([noise, informative]), labels)
    assert w_good > w_noise and abs(w_noise + w_good - 1) < 1e-9
