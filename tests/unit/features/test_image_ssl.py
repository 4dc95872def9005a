"""The ``image`` rendering and the ``ssl`` front-end's layer choice and freezing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from spoofscope.features.image import colormap_table
from tests.unit.features.conftest import speech_like

WAVE = torch.from_numpy(speech_like(1.0, seed=41))[None]


def test_image_is_200x200_rgb_in_unit_range_using_the_colormap() -> None:
    frontend = build_frontend("image", source="mfcc", cmap="viridis")
    with torch.no_grad():
        picture = frontend(WAVE)
    assert picture.shape == (1, 3, 200, 200)
    assert picture.min() >= 0 and picture.max() <= 1
    table = colormap_table("viridis")
    pixels = picture[0].permute(1, 2, 0).reshape(-1, 3)
    distance, level = (pixels[:, None, :] - table[None, :, :]).abs().sum(-1).min(dim=1)
    assert float(distance.max()) < 1e-6, "every pixel is a colour of the map"
    # min-max normalisation spreads the picture over the whole map (bilinear resizing may miss
    # the single extreme frames by a few levels)
    assert int(level.min()) <= 10 and int(level.max()) >= 245


def test_image_puts_low_frequencies_at_the_bottom() -> None:
    low_tone = torch.sin(2 * torch.pi * 200 * torch.arange(16000) / 16000)[None] * 0.5
    frontend = build_frontend("image", source="logmel", size=(64, 64), cmap="gray")
    with torch.no_grad():
        brightness = frontend(low_tone)[0, 0]  # gray: R = value
    assert brightness[-8:].mean() > brightness[:8].mean() + 0.3


def test_unknown_colormap_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cmap"):
        build_frontend("image", cmap="not-a-map")


def test_ssl_single_layer_and_learned_weighting(tiny_ssl_dir: Path) -> None:
    layer1 = build_frontend("ssl", model=str(tiny_ssl_dir), layer=1)
    weighted = build_frontend("ssl", model=str(tiny_ssl_dir))
    with torch.no_grad():
        one = layer1(WAVE)
        states = layer1.encoder(
            (WAVE - WAVE.mean()) / torch.sqrt(WAVE.var(unbiased=False) + 1e-5),
            output_hidden_states=True,
        ).hidden_states
        mixed = weighted(WAVE)
    assert one.shape == (1, 1, 16, int(layer1.output_lengths(torch.tensor([16000]))[0]))
    torch.testing.assert_close(one[0, 0], states[1][0].T, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(mixed[0, 0], torch.stack(states).mean(0)[0].T, atol=1e-4, rtol=1e-4)


def test_frozen_ssl_trains_only_the_layer_weights(tiny_ssl_dir: Path) -> None:
    frontend = build_frontend("ssl", model=str(tiny_ssl_dir), freeze=True).train()
    assert not frontend.encoder.training
    frontend(WAVE).sum().backward()
    trainable = [name for name, p in frontend.named_parameters() if p.requires_grad]
    assert trainable == ["layer_logits"]
    assert frontend.layer_logits.grad is not None
    tuned = build_frontend("ssl", model=str(tiny_ssl_dir), freeze=False, layer=2).train()
    tuned(WAVE).sum().backward()
    assert any(p.grad is not None for p in tuned.encoder.parameters())


def test_ssl_missing_model_and_bad_layer_are_config_errors(
    tmp_path: Path, tiny_ssl_dir: Path
) -> None:
    with pytest.raises(ConfigError):
        build_frontend("ssl", model=str(tmp_path / "no-model-here"))
    with pytest.raises(ConfigError, match="layer"):
        build_frontend("ssl", model=str(tiny_ssl_dir), layer=9)
