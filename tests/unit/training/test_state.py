"""Trainer-state serialisation, calibration and learning-rate schedules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.training.calibration import fit_platt, p_spoof
from spoofscope.training.checkpointing import flatten_state, load_state, save_state, unflatten_state
from spoofscope.training.config import ScheduleConfig
from spoofscope.training.schedules import build_schedule


def test_optimizer_state_round_trips_through_safetensors_and_json(tmp_path):
    model = torch.nn.Linear(3, 2)
    for name, opt in {
        "adam": torch.optim.Adam(model.parameters(), lr=0.1),
        "sgd": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    }.items():
        model(torch.randn(4, 3)).sum().backward()
        opt.step()
        save_state(tmp_path / name, {"optimizer": opt.state_dict(), "epoch": 3})
        back = load_state(tmp_path / name)
        assert back["epoch"] == 3
        original = opt.state_dict()
        assert back["optimizer"]["param_groups"] == original["param_groups"]
        for idx, slots in original["state"].items():
            for key, value in slots.items():
                torch.testing.assert_close(back["optimizer"]["state"][idx][key], value)
        fresh = type(opt)(model.parameters(), lr=0.5)
        fresh.load_state_dict(back["optimizer"])
        assert fresh.param_groups[0]["lr"] == pytest.approx(0.1)


def test_flatten_keeps_integer_keys_and_nesting():
    state = {0: {"t": torch.arange(3)}, "x": [1, {"y": torch.ones(2)}]}
    skeleton, tensors = flatten_state(state)
    assert len(tensors) == 2
    back = unflatten_state(skeleton, tensors)
    assert list(back) == [0, "x"]
    assert torch.equal(back[0]["t"], torch.arange(3))
    assert torch.equal(back["x"][1]["y"], torch.ones(2))


def test_platt_calibration_orders_and_separates_classes():
    rng = np.random.default_rng(0)
    scores = np.concatenate([rng.normal(2, 1, 200), rng.normal(-2, 1, 800)])
    labels = np.concatenate([np.ones(200), np.zeros(800)])
    cal = fit_platt(scores, labels)
    assert cal["a"] > 0
    p = p_spoof(np.array([-4.0, 0.0, 4.0]), cal)
    assert p[0] > 0.95 and p[2] < 0.05
    # Class-balanced: the midpoint of the two means is the 50 % point.
    assert p[1] == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(
    ("cfg", "steps", "expected"),
    [
        (ScheduleConfig(name="none"), [0, 50, 99], [1.0, 1.0, 1.0]),
        (ScheduleConfig(name="cosine"), [0, 50, 100], [1.0, 0.5, 0.0]),
        (ScheduleConfig(name="warmup-linear", warmup_steps=10), [0, 9, 55], [0.1, 1.0, 0.5]),
        (ScheduleConfig(name="step", step_epochs=2, gamma=0.5), [0, 19, 20, 45], [1, 1, 0.5, 0.25]),
    ],
)
def test_schedules(cfg, steps, expected):
    factor = build_schedule(cfg, base_lr=1e-3)
    got = [factor(s, 100, 10) for s in steps]
    np.testing.assert_allclose(got, expected, atol=1e-9)
