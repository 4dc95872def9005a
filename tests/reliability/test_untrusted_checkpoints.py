"""A checkpoint is untrusted input: its card may not point outside its own directory, and no
error of ours ever suggests unsafe loading."""

from __future__ import annotations

import json

import pytest
import torch

from spoofscope.cli.app import main
from spoofscope.errors import CheckpointError
from spoofscope.models import MODELS
from spoofscope.models.base import load_checkpoint, save_checkpoint


def _ssl_checkpoint(tmp_path, ssl_path):
    path = save_checkpoint(MODELS.get("ssl-linear")(ssl_path="tiny-random"), tmp_path / "ck")
    card = json.loads((path / "card.json").read_text())
    card["config"]["ssl_path"] = ssl_path
    (path / "card.json").write_text(json.dumps(card))
    return path


@pytest.mark.parametrize("outside", ["/etc", "../elsewhere", "facebook/../../../../tmp"])
def test_a_card_naming_a_folder_outside_its_checkpoint_is_refused(tmp_path, outside, monkeypatch):
    import transformers

    def never(*_args, **_kwargs):
        raise AssertionError("from_pretrained was called on a path the card named")

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", never)
    path = _ssl_checkpoint(tmp_path, outside)
    with pytest.raises(CheckpointError, match="outside the checkpoint directory") as err:
        load_checkpoint(path)
    assert "\n" not in str(err.value)


def test_a_folder_inside_the_checkpoint_loads_and_an_outside_one_only_when_allowed(tmp_path):
    from tests.fixtures.ssl import save_tiny_wav2vec2

    inside = _ssl_checkpoint(tmp_path / "a", "encoder")
    save_tiny_wav2vec2(inside / "encoder", hidden_size=24, intermediate_size=48)
    # the weights saved with the card are the tiny stand-in's: refit them to this encoder
    model = MODELS.get("ssl-linear")(ssl_path=str(inside / "encoder"))
    save_checkpoint(model, inside)
    card = json.loads((inside / "card.json").read_text())
    card["config"]["ssl_path"] = "encoder"  # relative to the checkpoint directory
    (inside / "card.json").write_text(json.dumps(card))
    assert load_checkpoint(inside).config["ssl_path"] == str((inside / "encoder").resolve())

    elsewhere = tmp_path / "models" / "encoder"
    save_tiny_wav2vec2(elsewhere, hidden_size=24, intermediate_size=48)
    outside = _ssl_checkpoint(tmp_path / "b", str(elsewhere))
    save_checkpoint(MODELS.get("ssl-linear")(ssl_path=str(elsewhere)), outside)
    with pytest.raises(CheckpointError, match="outside"):
        load_checkpoint(outside)
    assert load_checkpoint(outside, allow_external=True).config["ssl_path"] == str(elsewhere)


class Payload:
    """What a hostile .pth carries: a class whose unpickling would run code."""

    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize("content", ["payload", "garbage"])
def test_models_import_never_suggests_unsafe_loading(tmp_path, capsys, content):
    weights = tmp_path / "official.pth"
    if content == "payload":
        torch.save({"model": Payload()}, weights)
    else:
        weights.write_bytes(b"PK\x03\x04 not a torch file")
    rc = main(["models", "import", "--arch", "aasist-l", "--weights", str(weights),
               "--out", str(tmp_path / "ck")])  # fmt: skip
    captured = capsys.readouterr()
    assert rc == 2 and captured.err.count("\n") == 1
    assert "weights_only=False" not in captured.err and "this must never run" not in captured.out
    assert not (tmp_path / "ck").exists()
