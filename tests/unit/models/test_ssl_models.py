"""``ssl-aasist`` and ``ssl-linear`` build on the encoder their ``ssl_path`` names and nothing else:
a local ``save_pretrained`` folder, or ``tiny-random`` in tests; no path is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.models import MODELS
from spoofscope.models.base import load_checkpoint, save_checkpoint
from spoofscope.training.config import load_config

SSL_MODELS = ["ssl-aasist", "ssl-linear"]
CONFIGS = Path(__file__).resolve().parents[3] / "spoofscope" / "recipes"  # packaged recipes
SSL_RECIPES = [
    CONFIGS / corpus / f"{stem}.yaml"
    for corpus in ("asvspoof2019-la", "localspoof")
    for stem in ("ssl-aasist", "wav2vec2-linear")
]


@pytest.fixture(scope="module")
def local_wav2vec2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 24-wide, 3-layer random wav2vec 2.0 as ``save_pretrained`` writes it (hidden size and
    depth differ from ``tiny-random``'s, so a test can tell which one was loaded)."""
    from tests.fixtures.ssl import save_tiny_wav2vec2

    return save_tiny_wav2vec2(
        tmp_path_factory.mktemp("models") / "wav2vec2-small-test", seed=11, hidden_size=24,
        num_hidden_layers=3, intermediate_size=48, conv_dim=(16, 16), num_conv_pos_embeddings=16,
    )  # fmt: skip


def _speech_like(batch: int, samples: int = 16000) -> torch.Tensor:
    t = torch.arange(samples) / 16000.0
    f0 = torch.linspace(110, 220, batch)[:, None]
    return 0.1 * torch.sin(2 * torch.pi * f0 * t) + 0.01 * torch.randn(batch, samples)


@pytest.mark.parametrize("name", SSL_MODELS)
@pytest.mark.parametrize("params", [{}, {"ssl_path": None}], ids=["missing", "null"])
def test_no_ssl_path_is_a_one_line_config_error(name: str, params: dict) -> None:
    with pytest.raises(ConfigError) as info:
        MODELS.get(name)(**params)
    assert info.value.what == "model.params.ssl_path"
    assert "local wav2vec 2.0 directory" in info.value.why and "tiny-random" in info.value.why
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", SSL_MODELS)
def test_a_hub_id_is_refused_as_not_a_local_directory(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        MODELS.get(name)(ssl_path="facebook/wav2vec2-base")
    assert info.value.what == "facebook/wav2vec2-base"
    assert "not a local directory" in info.value.why


@pytest.mark.parametrize("name", SSL_MODELS)
def test_a_local_directory_is_the_encoder_the_model_holds(name: str, local_wav2vec2: Path) -> None:
    from safetensors.torch import load_file

    model = MODELS.get(name)(ssl_path=str(local_wav2vec2))
    encoder = model.frontend.encoder
    assert (encoder.config.hidden_size, encoder.config.num_hidden_layers) == (24, 3)
    saved = load_file(str(local_wav2vec2 / "model.safetensors"))
    held = encoder.state_dict()
    assert all(torch.equal(held[k], saved[k]) for k in saved), "the folder's weights, not new ones"
    assert model.card()["config"]["ssl_path"] == str(local_wav2vec2)


@pytest.mark.parametrize("name", SSL_MODELS)
def test_tiny_random_is_recorded_verbatim_and_reloads(name: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = MODELS.get(name)(ssl_path="tiny-random").eval()
    assert model.frontend.encoder.config.hidden_size == 32
    save_checkpoint(model, tmp_path / "ck")
    card = json.loads((tmp_path / "ck" / "card.json").read_text())
    assert card["config"]["ssl_path"] == "tiny-random"
    assert card["input"]["frontend"]["model"] == "tiny-random"
    loaded = load_checkpoint(tmp_path / "ck")
    wave = _speech_like(2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(wave), model(wave))


@pytest.mark.parametrize("path", SSL_RECIPES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_published_recipes_name_a_local_directory_not_the_test_encoder(
    path: Path, tmp_path: Path
) -> None:
    cfg = load_config(path, [f"data.root={tmp_path}"])
    ssl_path = cfg.model.params.get("ssl_path")
    assert ssl_path and ssl_path != "tiny-random"
    assert not Path(ssl_path).is_absolute(), "a default config holds no absolute paths"
    model = MODELS.get(cfg.model.name)
    with pytest.raises(ConfigError, match="not a local directory"):  # until the user fetches it
        model(**{**cfg.model.params, "ssl_path": str(tmp_path / ssl_path)})
