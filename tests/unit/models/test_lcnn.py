"""LCNN: the hand-written Max-Feature-Map backward gives autograd's gradient exactly; heads."""

from __future__ import annotations

import pytest
import torch

from spoofscope.models.lcnn import MaxFeatureMap


def _grad(mfm: MaxFeatureMap, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_()
    (mfm(x) * weight).sum().backward()
    return x.grad


def test_fast_mfm_backward_equals_autograd_through_maximum():
    torch.manual_seed(0)
    x = torch.randn(3, 8, 5, 7)  # continuous values: no ties, so the gradient is unique
    weight = torch.randn(3, 4, 5, 7)
    fast, plain = MaxFeatureMap(4), MaxFeatureMap(4)
    plain.fast_grad = False
    assert torch.equal(fast(x), plain(x))
    grad = _grad(fast, x, weight)
    assert torch.equal(grad, _grad(plain, x, weight))
    # Each output position sends its gradient to exactly one of the two halves.
    assert torch.equal((grad[:, :4] != 0) ^ (grad[:, 4:] != 0), torch.ones(3, 4, 5, 7, dtype=bool))


def test_fast_mfm_passes_gradcheck_in_double():
    x = torch.randn(2, 6, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(MaxFeatureMap(3), (x,))


def test_one_class_head_scores_a_cosine_and_linear_cards_are_unchanged():
    import pytest

    from spoofscope.errors import ConfigError
    from spoofscope.models.lcnn import LCNN

    torch.manual_seed(0)
    linear = LCNN(backend="pool", crop_samples=4000)
    assert "head" not in linear.card()["config"]  # shipped cards keep their exact config
    one_class = LCNN(backend="pool", crop_samples=4000, head="one-class", embedding_dim=16).eval()
    assert one_class.card()["config"]["head"] == "one-class"
    scores = one_class.score(torch.randn(4, 4000))
    assert scores.shape == (4,) and bool((scores.abs() <= 1.0 + 1e-6).all())
    with pytest.raises(ConfigError, match="head"):
        LCNN(head="softmax")


def test_head_stays_float32_under_bf16_autocast():
    from spoofscope.models.lcnn import LCNN

    torch.manual_seed(0)
    model = LCNN(backend="pool", crop_samples=4000).eval()
    wave = torch.randn(6, 4000) * 0.1
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(wave)
    # float32 logits: their difference (the score) is not quantised to bfloat16's 8-bit mantissa
    assert logits.dtype == torch.float32
    with torch.no_grad():
        exact = model(wave)
    assert torch.allclose(logits, exact, atol=0.05 * float(exact.abs().max()) + 1e-3)


@pytest.mark.parametrize("shape", [(2, 32, 37, 101), (1, 8, 2, 2), (3, 4, 5, 3)])
def test_the_inference_pool_equals_torchs_max_pool(shape):
    from spoofscope.models.lcnn import MaxPool2x2

    x = torch.randn(shape)
    with torch.inference_mode():
        assert torch.equal(MaxPool2x2()(x), torch.nn.functional.max_pool2d(x, 2, 2))
    x.requires_grad_(True)
    MaxPool2x2()(x).sum().backward()  # torch's own pool with gradients: one element per window
    assert (
        x.grad is not None
        and int(x.grad.sum()) == (shape[2] // 2) * (shape[3] // 2) * shape[0] * shape[1]
    )
