"""Score-level fusion: several trained countermeasures scored as one model.

Systems that look at different evidence err on different files, and a weighted sum of their
standardised scores is the usual way ASVspoof submissions combine them (linear score fusion, as in
most of the challenge's primary systems). Here the members are whole models (front-end included),
so the fusion is itself a :class:`Countermeasure`: it saves, loads, scores and exports to ONNX like
any other model, and ``score = sum_i w_i (s_i - mean_i) / std_i``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import Tensor, nn

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models import MODELS
from spoofscope.models.base import (
    Countermeasure,
    load_checkpoint,
    logit_pair,
    read_card,
    register_model,
    save_checkpoint,
)

#: the pairing spoofscope ships as ``default``: LFCC-LCNN (magnitude) with a 512-point phasegram
#: LCNN (phase)
DEFAULT_MEMBERS: list[dict[str, Any]] = [
    {"architecture": "lcnn", "config": {"frontend": "lfcc", "crop_samples": 48000,
     "frontend_params": {"n_filters": 40, "n_lfcc": 30, "fmax": 4000.0}}},
    {"architecture": "lcnn", "config": {"frontend": "phasegram", "crop_samples": 48000,
     "frontend_params": {"fmax": 4000.0, "n_fft": 512, "win_length": 512}}},
]  # fmt: skip


@register_model("score-fusion")
class ScoreFusion(Countermeasure):
    """Weighted sum of the members' standardised scores → logits ``[B, 2]`` (``logit_pair``).

    Args:
        members: each ``{"architecture": name, "config": {...}}``, as in a model card (default:
            ``DEFAULT_MEMBERS``).
        weights: one weight per member (default: equal weights summing to 1).
        means: each member's score mean on the data the weights were fitted on (default 0).
        stds: each member's score standard deviation there, > 0 (default 1).
        crop_samples: the input contract's crop length.

    Raises:
        ConfigError: fewer than two members, lists of different lengths, a non-positive std,
            or members expecting different sample rates.
    """

    def __init__(
        self,
        members: list[dict[str, Any]] | None = None,
        weights: list[float] | None = None,
        means: list[float] | None = None,
        stds: list[float] | None = None,
        crop_samples: int = 48000,
    ) -> None:
        members = DEFAULT_MEMBERS if members is None else members
        n = len(members)
        weights = [1.0 / n] * n if weights is None else weights
        means = [0.0] * n if means is None else means
        stds = [1.0] * n if stds is None else stds
        config = {"members": members, "weights": weights, "means": means, "stds": stds,
                  "crop_samples": crop_samples}  # fmt: skip
        super().__init__(config, crop_samples=crop_samples)
        if len(members) < 2:
            raise ConfigError("members", "a fusion needs at least two member models")
        if not len(members) == len(weights) == len(means) == len(stds):
            raise ConfigError(
                "weights", "members, weights, means and stds must have one entry each"
            )
        if not all(s > 0 for s in stds):
            raise ConfigError("stds", f"must all be > 0, got {stds}")
        self.members = nn.ModuleList(MODELS.get(m["architecture"])(**m["config"]) for m in members)
        rates = {m.sample_rate for m in self.members}
        if len(rates) != 1:
            raise ConfigError("members", f"members expect different sample rates {sorted(rates)}")
        self.sample_rate = rates.pop()
        self.terms = [
            (float(w), float(mu), float(sd)) for w, mu, sd in zip(weights, means, stds, strict=True)
        ]

    def forward(self, wave: Tensor) -> Tensor:
        """``wave: [B, T]`` → logits ``[B, 2]`` whose score is the fused score."""
        fused = [
            weight * (member.score(wave) - mean) / std
            for member, (weight, mean, std) in zip(self.members, self.terms, strict=True)
        ]
        return logit_pair(sum(fused[1:], fused[0]))


def unpack_members(fusion_dir: str | Path, out: str | Path) -> list[Path]:
    """Write each member of a fusion checkpoint as its own checkpoint ``out/member<i>``.

    Each member's card carries its own training record and provenance from the fusion's card,
    and the fusion's input crop and channel, so a shipped fusion can be refitted with a new
    member (or a member evaluated alone) without the run directories that trained it.

    Returns:
        The member checkpoint directories, in member order.

    Raises:
        CheckpointError: ``fusion_dir`` is not a readable score-fusion checkpoint.
    """
    card = read_card(fusion_dir)
    if card.architecture != ScoreFusion.arch:
        raise CheckpointError(fusion_dir, f"holds a {card.architecture}, not a score-fusion")
    fusion = load_checkpoint(fusion_dir)
    n = len(fusion.members)
    trainings = (card.training or {}).get("members") or [None] * n
    provenances = (card.provenance or {}).get("members") or [None] * n
    return [
        save_checkpoint(
            member,
            Path(out) / f"member{i}",
            # the fusion's crop (the members' training crop) and channel, not a member's default
            input={
                **member.card()["input"],
                "crop_samples": card.input.crop_samples,
                "channel": card.input.channel,
            },
            training=trainings[i],
            provenance=provenances[i],
        )
        for i, member in enumerate(fusion.members)
    ]
