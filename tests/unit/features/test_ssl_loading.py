"""Where the ``ssl`` front-end's encoder comes from: a local ``save_pretrained`` folder, or the
named test encoder ``tiny-random``; anything else is a one-line ConfigError naming it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from spoofscope.errors import ConfigError
from spoofscope.features import build_frontend
from tests.unit.features.conftest import speech_like


@pytest.fixture
def transformers_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record every ``AutoModel.from_pretrained`` call (and still load), to see what reaches it."""
    import transformers

    real = transformers.AutoModel.from_pretrained
    calls: list[dict[str, Any]] = []

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append({"name": str(name), **kwargs})
        return real(name, *args, **kwargs)

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", spy)
    return calls


def _copy_without(source: Path, target: Path, *names: str) -> Path:
    shutil.copytree(source, target)
    for name in names:
        (target / name).unlink()
    return target


def _one_line_error(model: str | None, **params: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build_frontend("ssl", model=model, **params)
    assert "\n" not in str(info.value), "the CLI prints errors as one line"
    return info.value


def test_a_local_directory_loads_offline(
    tiny_ssl_dir: Path, transformers_calls: list[dict[str, Any]]
) -> None:
    frontend = build_frontend("ssl", model=str(tiny_ssl_dir), layer=1)
    assert frontend.encoder.config.hidden_size == 16  # the fixture's, not a stand-in's
    assert [c["name"] for c in transformers_calls] == [str(tiny_ssl_dir)]
    assert transformers_calls[0].get("local_files_only") is True


def test_a_hub_id_is_refused_without_asking_transformers(
    transformers_calls: list[dict[str, Any]],
) -> None:
    error = _one_line_error("facebook/wav2vec2-base")
    assert error.what == "facebook/wav2vec2-base" and "not a local directory" in error.why
    assert transformers_calls == [], "a hub id must never reach from_pretrained (no download)"


def test_a_missing_directory_names_the_path(
    tmp_path: Path, transformers_calls: list[dict[str, Any]]
) -> None:
    missing = tmp_path / "models" / "wav2vec2-xls-r-300m"
    error = _one_line_error(str(missing))
    assert error.what == str(missing) and "not a local directory" in error.why
    assert transformers_calls == []


@pytest.mark.parametrize(
    ("removed", "reason"),
    [("config.json", "no config.json"), ("model.safetensors", "no weights")],
)
def test_an_incomplete_directory_names_what_is_missing(
    tiny_ssl_dir: Path,
    tmp_path: Path,
    transformers_calls: list[dict[str, Any]],
    removed: str,
    reason: str,
) -> None:
    folder = _copy_without(tiny_ssl_dir, tmp_path / "wav2vec2-base", removed)
    error = _one_line_error(str(folder))
    assert error.what == str(folder) and reason in error.why
    assert transformers_calls == []


def test_damaged_weights_are_one_line(tiny_ssl_dir: Path, tmp_path: Path) -> None:
    folder = _copy_without(tiny_ssl_dir, tmp_path / "wav2vec2-base", "model.safetensors")
    (folder / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{trunc")
    error = _one_line_error(str(folder))
    assert error.what == str(folder) and "cannot load" in error.why


def test_a_config_of_another_model_type_is_one_line(tiny_ssl_dir: Path, tmp_path: Path) -> None:
    folder = _copy_without(tiny_ssl_dir, tmp_path / "wav2vec2-base", "config.json")
    (folder / "config.json").write_text('{"model_type": "wav2vec9"}\n')
    error = _one_line_error(str(folder))
    assert error.what == str(folder) and "wav2vec9" in error.why


def test_no_model_named_is_a_config_error() -> None:
    error = _one_line_error(None)
    assert error.what == "model" and "tiny-random" in error.why
    with pytest.raises(ConfigError, match="model"):
        build_frontend("ssl")  # the default names no encoder either


def test_tiny_random_is_named_fixed_and_leaves_the_caller_seed_alone() -> None:
    torch.manual_seed(7)
    expected_next = torch.rand(3)
    torch.manual_seed(7)
    first = build_frontend("ssl", model="tiny-random", layer=2)
    assert torch.equal(torch.rand(3), expected_next), "building it must not shift user seeds"
    assert first.config()["model"] == "tiny-random"
    second = build_frontend(**first.config())
    wave = torch.from_numpy(speech_like(0.5, seed=3))[None]
    with torch.no_grad():
        torch.testing.assert_close(first(wave), second(wave), rtol=0, atol=0)
    assert first.encoder.config.num_hidden_layers == 2


def test_a_model_that_is_not_a_speech_encoder_is_refused(tmp_path: Path) -> None:
    from transformers import BertConfig, BertModel

    folder = tmp_path / "bert-tiny"
    config = BertConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )  # fmt: skip
    BertModel(config).save_pretrained(folder)
    error = _one_line_error(str(folder))
    assert error.what == str(folder) and "'bert' is not a speech encoder" in error.why
