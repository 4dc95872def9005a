"""Score fusion: the fused score is the weighted sum of standardised member scores, a fusion
checkpoint round-trips, and a malformed fusion names what is wrong."""

from __future__ import annotations

import pytest
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models import MODELS
from spoofscope.models.base import load_checkpoint, read_card, save_checkpoint
from spoofscope.models.fusion import DEFAULT_MEMBERS, unpack_members


def _speech_like(batch: int, samples: int = 12000) -> torch.Tensor:
    t = torch.arange(samples) / 16000.0
    f0 = torch.linspace(100, 240, batch)[:, None]
    return 0.1 * torch.sin(2 * torch.pi * f0 * t) + 0.01 * torch.randn(batch, samples)


def test_fused_score_is_the_weighted_sum_of_standardised_member_scores() -> None:
    torch.manual_seed(0)
    fusion = MODELS.get("score-fusion")(
        weights=[0.7, 0.3], means=[1.5, -2.0], stds=[2.0, 0.5]
    ).eval()
    wave = _speech_like(3)
    with torch.no_grad():
        lfcc, phase = (member.score(wave) for member in fusion.members)
        expected = 0.7 * (lfcc - 1.5) / 2.0 + 0.3 * (phase + 2.0) / 0.5
        torch.testing.assert_close(fusion.score(wave), expected)
    assert [m.frontend.name for m in fusion.members] == ["lfcc", "phasegram"]


def test_fusion_checkpoint_round_trips_members_and_weights(tmp_path) -> None:
    torch.manual_seed(1)
    fusion = MODELS.get("score-fusion")(weights=[0.6, 0.4], means=[0.1, 0.2], stds=[1.1, 0.9])
    save_checkpoint(fusion.eval(), tmp_path / "fused", threshold=-0.3)
    loaded = load_checkpoint(tmp_path / "fused")
    wave = _speech_like(2)
    with torch.no_grad():
        torch.testing.assert_close(loaded.score(wave), fusion.score(wave))
    assert loaded.config["weights"] == [0.6, 0.4]


def test_unpacked_members_score_as_inside_the_fusion_and_keep_their_records(tmp_path) -> None:
    torch.manual_seed(2)
    fusion = MODELS.get("score-fusion")(weights=[0.5, 0.5], crop_samples=32000)
    records = [{"seed": 7, "epoch": 3}, {"seed": 8, "epoch": 5}]
    save_checkpoint(
        fusion.eval(),
        tmp_path / "fused",
        input={**fusion.card()["input"], "channel": "telephone"},
        training={"members": records},
        provenance={"members": [{"recipe": "a.yaml"}, {"recipe": "b.yaml"}]},
    )
    paths = unpack_members(tmp_path / "fused", tmp_path / "members")
    wave = _speech_like(2)
    for member, path, record in zip(fusion.members, paths, records, strict=True):
        loaded = load_checkpoint(path)
        card = read_card(path)
        with torch.no_grad():
            torch.testing.assert_close(loaded.score(wave), member.score(wave))
        assert card.training == record
        assert card.input.channel == "telephone"
        assert card.input.crop_samples == 32000
    assert read_card(paths[1]).provenance == {"recipe": "b.yaml"}


def test_unpacking_a_single_model_is_refused(tmp_path) -> None:
    save_checkpoint(MODELS.get("lcnn")(), tmp_path / "single")
    with pytest.raises(CheckpointError, match="not a score-fusion"):
        unpack_members(tmp_path / "single", tmp_path / "members")


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"members": DEFAULT_MEMBERS[:1]}, "members"),
     ({"weights": [1.0]}, "weights"),
     ({"stds": [1.0, 0.0]}, "stds")],
)  # fmt: skip
def test_malformed_fusion_names_the_key(kwargs: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        MODELS.get("score-fusion")(**kwargs)
