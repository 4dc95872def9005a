"""The loss registry lists every family and each class says what it consumes."""

import pytest

from spoofscope.errors import ConfigError, UnknownNameError
from spoofscope.losses import LOSSES


def test_every_loss_is_registered_with_its_input_kind():
    kinds = {name: cls.inputs for name, cls in LOSSES.items()}
    assert kinds == {
        "bce": "logits",
        "contrastive": "pairs",
        "cross-entropy": "logits",
        "oc-softmax": "embeddings",
        "oc-softmax-head": "logits",
        "speaker-adversarial": "tapped",
        "triplet-batch-hard": "embeddings",
    }


def test_every_loss_builds_from_defaults():
    for name, cls in LOSSES.items():
        assert cls().training, name


def test_unknown_loss_name_lists_the_choices():
    with pytest.raises(UnknownNameError, match="triplet-batch-hard"):
        LOSSES.get("triplet")


@pytest.mark.parametrize(
    ("name", "params", "key"),
    [
        ("cross-entropy", {"weight": [0.1, 0.2, 0.7]}, "loss.weight"),
        ("cross-entropy", {"weight": [-0.1, 0.9]}, "loss.weight"),
        ("cross-entropy", {"label_smoothing": 1.0}, "loss.label_smoothing"),
        ("bce", {"pos_weight": 0.0}, "loss.pos_weight"),
        ("oc-softmax", {"m_real": 0.2, "m_fake": 0.9}, "loss.m_real/m_fake"),
        ("oc-softmax", {"alpha": -1.0}, "loss.alpha"),
        ("oc-softmax", {"embedding_dim": 0}, "loss.embedding_dim"),
        ("oc-softmax-head", {"m_real": 0.2, "m_fake": 0.9}, "loss.m_real/m_fake"),
        ("triplet-batch-hard", {"margin": -0.5}, "loss.margin"),
        ("contrastive", {"margin": 0.0}, "loss.margin"),
    ],
)
def test_bad_parameters_name_the_key(name, params, key):
    with pytest.raises(ConfigError) as info:
        LOSSES.get(name)(**params)
    assert info.value.what == key


@pytest.mark.parametrize("name", ["triplet-batch-hard", "contrastive"])
def test_unknown_distance_is_rejected(name):
    with pytest.raises(UnknownNameError, match="euclidean"):
        LOSSES.get(name)(distance="manhattan")
