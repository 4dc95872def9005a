"""Seeded ONNX noise: random-normal ops read caller-seeded banks, so a neural voice renders the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spoofscope.errors import AudioError
from spoofscope.localspoof.attacks import seeded_onnx
from spoofscope.localspoof.attacks.seeded_onnx import SeededSession, seed_random_ops


def noisy_model(path: Path, mean: float = 1.0, scale: float = 2.0) -> Path:
    """y = tanh(z + RandomNormalLike(z, mean, scale)), z = x four times along time: [1, C, 4T].

    Like a VITS decoder, the noise is larger than the input (here 4x), so a bank sized by the
    input can run short.
    """
    from onnx import TensorProto, helper, save

    nodes = [
        helper.make_node("Concat", ["x", "x", "x", "x"], ["z"], axis=2),
        helper.make_node("RandomNormalLike", ["z"], ["eps"], mean=mean, scale=scale, name="noise"),
        helper.make_node("Add", ["z", "eps"], ["s"]),
        helper.make_node("Tanh", ["s"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "noisy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "c", "t"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "c", None])],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)]), path)
    return path


@pytest.fixture
def session(tmp_path: Path) -> SeededSession:
    return SeededSession(str(noisy_model(tmp_path / "noisy.onnx")))


def run(session: SeededSession, seed: int, x: np.ndarray) -> np.ndarray:
    session.rng = np.random.default_rng(seed)
    return session.run(None, {"x": x})[0]


def test_rewrite_replaces_every_random_op_by_a_bank_input(tmp_path: Path) -> None:
    import onnx

    model = onnx.load(noisy_model(tmp_path / "m.onnx"))
    banks = seed_random_ops(model)
    assert banks == ["seeded_noise_0"]
    assert "RandomNormalLike" not in {n.op_type for n in model.graph.node}
    assert [i.name for i in model.graph.input] == ["x", "seeded_noise_0"]
    onnx.checker.check_model(model)


def test_same_seed_same_output_whatever_ran_before(session: SeededSession) -> None:
    x = np.zeros((1, 3, 50), np.float32)
    first = run(session, 7, x)
    run(session, 8, np.ones((1, 5, 9), np.float32))  # another utterance in between
    assert np.array_equal(run(session, 7, x), first)
    assert not np.allclose(run(session, 8, x), first)


def test_noise_keeps_the_ops_mean_and_scale(session: SeededSession) -> None:
    # atanh undoes the Tanh: what is left is the noise the op would have drawn, N(1, 2^2).
    y = run(session, 0, np.zeros((1, 4, 5000), np.float32))
    eps = np.arctanh(np.clip(y, -0.999999, 0.999999))
    inside = eps[np.abs(eps) < 5]  # the clip bends the far tail; the bulk pins mean and scale
    assert abs(np.median(eps) - 1.0) < 0.05
    assert 1.0 < inside.std() < 2.1


def test_short_bank_is_retried_longer_then_refused(
    session: SeededSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = np.zeros((1, 8, 16), np.float32)
    # One value per input element: the 4x noise fits on the third try (1x, 2x, 4x).
    monkeypatch.setattr(seeded_onnx, "BANK_PER_INPUT", 1)
    assert run(session, 1, x).shape == (1, 8, 64)
    monkeypatch.setattr(seeded_onnx, "MAX_DOUBLINGS", 2)
    with pytest.raises(AudioError, match="more than 256 noise values per op"):
        run(session, 1, x)


def test_piper_renders_a_text_the_same_after_another() -> None:
    from spoofscope.localspoof.attacks.piper import PiperAttack

    attack = PiperAttack()
    settings = {
        "voice": "en_US-joe-medium",
        "language": "en",
        "gender": "male",
        "length_scale": 1.0,
    }
    first, sr = attack.synthesize("Good morning, this is a test.", settings)
    attack.synthesize("Another sentence in between.", settings)
    again, _ = attack.synthesize("Good morning, this is a test.", settings)
    assert sr == 22050 and len(first) > sr // 2
    assert np.array_equal(first, again)
    faster, _ = attack.synthesize(
        "Good morning, this is a test.", {**settings, "length_scale": 0.9}
    )
    assert len(faster) < len(first)
