"""Importance without retraining: occlusion and permutation on a trained baseline.

Both intervene on the output of the model's cepstral head (coefficient selection and deltas,
:class:`spoofscope.features.cepstral.CepstralHead`) through a forward hook, so whatever follows
it — normalisation, an image rendering, the network — sees the altered coefficients as it
would see real ones. No model or front-end code changes.

* **occlusion**: a coefficient's rows (its static row and its delta rows) replaced by their
  mean over the training features — the value the network saw most, carrying no information
  about the utterance;
* **permutation** (Breiman 2001; Fisher, Rudin & Dominici 2019): the rows shuffled across
  utterances, so each utterance gets another utterance's coefficient and its marginal
  distribution is kept.

Both score every utterance from its first crop (repeat-padded to the crop length): one fixed
input per utterance, so a permutation across utterances is well defined. Their ΔEER is measured
against the unaltered baseline scored the same way; they answer "what does *this* model use",
where retraining answers "what can a model do without it", and the two need not agree (a
retrained model can move the information to the coefficients it keeps).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from spoofscope.errors import ConfigError


def cepstral_head(model: nn.Module) -> nn.Module:
    """The model's one cepstral head module.

    Raises:
        ConfigError: the model has none (not a cepstral front-end) or more than one.
    """
    from spoofscope.features.cepstral import CepstralHead

    heads = [m for m in model.modules() if isinstance(m, CepstralHead)]
    if len(heads) != 1:
        raise ConfigError(
            type(model).__name__,
            f"occlusion needs one cepstral front-end in the model, found {len(heads)}",
        )
    return heads[0]


def coefficient_rows(head: nn.Module, coefficient: int) -> list[int]:
    """Rows of the head's output ``[B, 1, D, frames]`` that carry 1-based ``coefficient``: its
    static row and, with deltas, its delta and delta-delta rows.

    Raises:
        ConfigError: the model does not keep that coefficient.
    """
    kept = [int(i) + 1 for i in head.index.tolist()]
    if coefficient not in kept:
        raise ConfigError(f"c{coefficient}", f"the model keeps {kept}, not this coefficient")
    k, n = kept.index(coefficient), len(kept)
    return [k + j * n for j in range(1 + int(head.deltas))]


@contextlib.contextmanager
def head_override(head: nn.Module, edit: Callable[[Tensor], Tensor]) -> Iterator[None]:
    """Within the block, the head's output ``feats: [B, 1, D, frames]`` is ``edit(feats)``."""
    handle = head.register_forward_hook(lambda _module, _inputs, output: edit(output))
    try:
        yield
    finally:
        handle.remove()


def first_crops(manifest: object, sample_rate: int, length: int) -> Tensor:
    """The first ``length`` samples of every utterance (repeat-padded): ``[N, length]``."""
    from spoofscope.corpora.dataset import AudioDataset, CropPolicy

    data = AudioDataset(manifest, sample_rate, CropPolicy(length, "first"))
    return torch.stack([torch.as_tensor(data[i][0]) for i in range(len(data))])


@torch.no_grad()
def head_outputs(model: nn.Module, head: nn.Module, waves: Tensor, batch: int) -> Tensor:
    """The head's output for every row of ``waves: [N, T]`` → ``[N, 1, D, frames]``."""
    caught: list[Tensor] = []
    handle = head.register_forward_hook(lambda _m, _i, output: caught.append(output.detach()))
    try:
        for start in range(0, waves.shape[0], batch):
            model.score(waves[start : start + batch])
    finally:
        handle.remove()
    return torch.cat(caught)


@torch.no_grad()
def scores_with(
    model: nn.Module,
    head: nn.Module,
    waves: Tensor,
    batch: int,
    edit: Callable[[Tensor, slice], Tensor] | None = None,
) -> np.ndarray:
    """Scores of ``waves: [N, T]`` in batches; ``edit(feats, rows)`` alters the head output of
    the batch holding utterances ``rows``."""
    out = []
    for start in range(0, waves.shape[0], batch):
        rows = slice(start, min(start + batch, waves.shape[0]))
        if edit is None:
            out.append(model.score(waves[rows]))
            continue
        with head_override(head, lambda feats, rows=rows: edit(feats, rows)):
            out.append(model.score(waves[rows]))
    return torch.cat(out).double().numpy()


@dataclass
class Intervention:
    """ΔEER of a set of coefficients altered in the baseline, per method (fractions)."""

    coefficients: tuple[int, ...]
    occlusion: float
    permutation: float
    permutation_std: float


def interventions(
    model: nn.Module,
    train_waves: Tensor,
    eval_waves: Tensor,
    is_bona: np.ndarray,
    targets: Sequence[Sequence[int]],
    *,
    repeats: int = 5,
    seed: int = 0,
    batch: int = 32,
) -> tuple[float, list[Intervention]]:
    """The baseline's first-crop EER on the eval crops, and for each target set of coefficients
    the EER change when they are occluded (training mean) and permuted (``repeats`` shuffles,
    mean and standard deviation).

    Raises:
        ConfigError: the model has no cepstral head, or does not keep a target coefficient.
    """
    from spoofscope.evaluation.metrics import compute_eer

    def eer(scores: np.ndarray) -> float:
        return compute_eer(scores[is_bona], scores[~is_bona]).eer

    model.eval()
    head = cepstral_head(model)
    mean = head_outputs(model, head, train_waves, batch).mean(dim=(0, 3))  # [1, D]
    pool = head_outputs(model, head, eval_waves, batch)  # [N, 1, D, frames]
    base = eer(scores_with(model, head, eval_waves, batch))
    out = []
    for target in targets:
        rows = [r for c in target for r in coefficient_rows(head, c)]

        def occlude(feats: Tensor, _where: slice, rows: list[int] = rows) -> Tensor:
            feats = feats.clone()
            feats[:, :, rows, :] = mean[:, rows, None]
            return feats

        occluded = eer(scores_with(model, head, eval_waves, batch, occlude)) - base
        shuffled = []
        for r in range(repeats):
            order = torch.from_numpy(np.random.default_rng([seed, r]).permutation(len(pool)))

            def permute(
                feats: Tensor, where: slice, rows: list[int] = rows, order: Tensor = order
            ) -> Tensor:
                feats = feats.clone()
                donors = pool[order[where]]  # [b, 1, D, frames], other utterances' rows
                feats[:, :, rows, :] = donors[:, :, rows, :]
                return feats

            shuffled.append(eer(scores_with(model, head, eval_waves, batch, permute)) - base)
        out.append(
            Intervention(
                tuple(target),
                occluded,
                float(np.mean(shuffled)),
                float(np.std(shuffled, ddof=1)) if repeats > 1 else 0.0,
            )
        )
    return base, out
