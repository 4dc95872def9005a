"""The training loop: one recipe in, a run directory out.

``RUN_DIR`` layout (docs/ARCHITECTURE.md, "Run directory")::

    config.yaml          the resolved recipe
    metrics.jsonl        one JSON object per logged step and per epoch (loss, lr, dev EER, ...)
    tensorboard/         the same scalars, when the ``tensorboard`` package is installed
    best/  last/         model checkpoints (model.safetensors + card.json with the dev threshold
                         and Platt calibration); last/ also holds the trainer state for --resume
    dev_scores.tsv       dev scores of the best epoch (the score-file contract)
    training_curves.png  loss and dev EER per epoch
    summary.json         best epoch, dev EER, threshold, steps, wall time

Determinism: the model is built right after seeding; data order, crops and augmentation come from
``(seed, epoch[, item])`` streams (:mod:`spoofscope.corpora.samplers`, ``AudioDataset``), and the
global RNG states are saved with ``last/``, so two CPU runs with a seed give the same scores, and
``--resume`` continues bit-for-bit.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.training import checkpointing as ckpt
from spoofscope.training.config import CONFIG_FILE, RunConfig
from spoofscope.training.distributed import (
    DistInfo,
    all_mean,
    average_gradients,
    barrier,
    per_rank_batch,
    wrap,
)
from spoofscope.training.freezing import freeze_modes, set_trainable
from spoofscope.training.schedules import build_schedule
from spoofscope.training.seeding import rng_state, seed_everything, set_rng_state

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
DEV_SCORES = "dev_scores.tsv"
CURVES = "training_curves.png"


# --- building blocks -----------------------------------------------------------------------------


def build_model(cfg: RunConfig) -> nn.Module:
    """Construct the recipe's model (validating its parameters).

    Raises:
        UnknownNameError: unknown model name.
        ConfigError: a parameter the model does not take, or a value it rejects.
    """
    from spoofscope.models import MODELS

    cls = MODELS.get(cfg.model.name)
    try:
        return cls(**cfg.model.params)
    except TypeError as exc:
        raise ConfigError("model.params", f"{cfg.model.name}: {exc}") from None
    except ValueError as exc:
        raise ConfigError("model.params", f"{cfg.model.name}: {exc}") from None


def class_weights(manifest: Manifest) -> tuple[float, float]:
    """Inverse-frequency weights ``(spoof, bonafide)`` of a training split, normalised to sum 1."""
    n_bona = sum(manifest.labels)
    n_spoof = len(manifest) - n_bona
    if not n_bona or not n_spoof:
        raise ConfigError("loss.auto_weight", "the training split lacks one of the two classes")
    w_spoof, w_bona = 1.0 / n_spoof, 1.0 / n_bona
    return w_spoof / (w_spoof + w_bona), w_bona / (w_spoof + w_bona)


def init_weights(cfg: RunConfig, model: nn.Module) -> str | None:
    """Load ``model.init``'s weights into ``model`` (fine-tuning); its weights file's SHA-256, or None.

    Raises:
        ConfigError: the init model is another architecture or was built with other parameters
            (``crop_samples`` aside: a model may be fine-tuned on other crops).
        CheckpointError: its weights cannot be read or do not fit.
    """
    if cfg.model.init is None:
        return None
    from spoofscope.models.base import WEIGHTS_FILE, load_state_strict
    from spoofscope.models.pretrained import PRETRAINED_DIR, load_pretrained, sha256

    source = load_pretrained(cfg.model.init)
    if source.arch != cfg.model.name:
        raise ConfigError(
            "model.init", f"{cfg.model.init} is a {source.arch}; the recipe trains {cfg.model.name}"
        )
    own, theirs = dict(model.config), dict(source.config)
    keys = (own.keys() | theirs.keys()) - {"crop_samples"}
    differ = sorted(k for k in keys if own.get(k) != theirs.get(k))
    if differ:
        raise ConfigError(
            "model.init", f"{cfg.model.init} was built with other model.params: {', '.join(differ)}"
        )
    load_state_strict(model, source.state_dict(), cfg.model.init)
    named = PRETRAINED_DIR / cfg.model.init
    return sha256((named if named.is_dir() else Path(cfg.model.init)) / WEIGHTS_FILE)


def attach_feature_augment(cfg: RunConfig, model: nn.Module) -> None:
    """Apply the recipe's ``feature_augment`` to the output of ``model.frontend``, in training only.

    A forward hook rather than a model parameter: the masks are part of training, so the
    checkpoint, its card and whoever scores with it never see them.

    Raises:
        ConfigError: a bad entry, or a model that reads the waveform itself (no front-end).
        UnknownNameError: an unknown transform name.
    """
    if not cfg.feature_augment:
        return
    from spoofscope.audio.augment import build_feature_augment

    augment = build_feature_augment(cfg.feature_augment)
    frontend = getattr(model, "frontend", None)
    if frontend is None:
        raise ConfigError(
            "feature_augment",
            f"model '{cfg.model.name}' reads the waveform itself; it has no front-end to mask",
        )

    def masked(_module: nn.Module, _inputs: Any, feats: torch.Tensor) -> torch.Tensor:
        # the model's mode, not the front-end's: a freezing schedule may hold the front-end in
        # eval mode while the model trains
        return augment.train(model.training)(feats)

    frontend.register_forward_hook(masked)


def check_head(cfg: RunConfig, model: nn.Module) -> None:
    """Refuse a loss that needs a model head (its class's ``head``) or submodule the model lacks.

    Raises:
        UnknownNameError: unknown loss name.
        ConfigError: e.g. ``oc-softmax-head`` on a model without ``head: one-class``, or a
            ``speaker-adversarial`` ``tap`` that names no submodule.
    """
    from spoofscope.losses import LOSSES

    cls = LOSSES.get(cfg.loss.name)
    needs = getattr(cls, "head", None)
    if needs and getattr(model, "head_kind", "linear") != needs:
        raise ConfigError(
            "loss.name", f"'{cfg.loss.name}' needs a model with head: {needs} (model.params)"
        )
    if hasattr(cls, "bind"):  # a loss that taps a submodule's input: that submodule must exist
        default = inspect.signature(cls).parameters["tap"].default
        tapped_module(model, cfg.loss.params.get("tap", default))


def tapped_module(model: nn.Module, name: str) -> nn.Module:
    """The submodule ``name`` of ``model``, whose input a tapping loss takes as the embedding.

    Raises:
        ConfigError: no such submodule.
    """
    try:
        return model.get_submodule(name)
    except AttributeError:
        raise ConfigError(
            "loss.tap", f"the model has no submodule {name!r} whose input to take"
        ) from None


@contextlib.contextmanager
def tapped_inputs(model: nn.Module, name: str) -> Iterator[list[torch.Tensor]]:
    """Collect, while the block runs, the inputs the submodule ``name`` of ``model`` receives.

    Raises:
        ConfigError: no such submodule.
    """
    seen: list[torch.Tensor] = []
    hook = tapped_module(model, name).register_forward_pre_hook(
        lambda _module, args: seen.append(args[0])
    )
    try:
        yield seen
    finally:
        hook.remove()


def build_loss(cfg: RunConfig, train: Manifest) -> nn.Module:
    """Construct the recipe's loss; with ``auto_weight``, fill its class weights from ``train``.

    Raises:
        UnknownNameError: unknown loss name.
        ConfigError: bad parameters, or ``auto_weight`` for a loss without class weights.
    """
    from spoofscope.losses import LOSSES

    cls = LOSSES.get(cfg.loss.name)
    params = dict(cfg.loss.params)
    if cfg.loss.auto_weight:
        w_spoof, w_bona = class_weights(train)
        accepted = inspect.signature(cls).parameters
        if "weight" in accepted:
            params["weight"] = [w_spoof, w_bona]
        elif "pos_weight" in accepted:
            params["pos_weight"] = w_bona / w_spoof
        else:
            raise ConfigError("loss.auto_weight", f"loss '{cfg.loss.name}' takes no class weights")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError("loss.params", f"{cfg.loss.name}: {exc}") from None


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda params, o, lr: torch.optim.Adam(
        params, lr=lr, betas=o.betas, weight_decay=o.weight_decay
    ),
    "adamw": lambda params, o, lr: torch.optim.AdamW(
        params, lr=lr, betas=o.betas, weight_decay=o.weight_decay
    ),
    "sgd": lambda params, o, lr: torch.optim.SGD(
        params, lr=lr, momentum=o.momentum, weight_decay=o.weight_decay
    ),
}


def cpu_has_bf16() -> bool:
    """Whether this CPU has native bfloat16 kernels (oneDNN); emulated bf16 is slower than fp32."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def autocast_dtype(cfg: RunConfig, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of training steps, or None for float32.

    float16 on CUDA when ``train.amp``; bfloat16 on the CPU when ``train.cpu_bf16`` and
    :func:`cpu_has_bf16`.
    """
    if device.type == "cuda":
        return torch.float16 if cfg.train.amp else None
    if device.type == "cpu" and cfg.train.cpu_bf16 and cpu_has_bf16():
        return torch.bfloat16
    return None


def precision_name(dtype: torch.dtype | None) -> str:
    """``float32`` for None, else the dtype's name (``bfloat16``, ``float16``)."""
    return str(dtype or torch.float32).removeprefix("torch.")


def pick_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU.

    Raises:
        ConfigError: ``cuda`` asked for on a machine without it.
    """
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device", "cuda requested but no CUDA device is available")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def load_splits(cfg: RunConfig) -> tuple[Manifest, Manifest]:
    """The training and dev manifests of the recipe's corpus (seeded subsets when capped).

    Raises:
        CorpusError: the root holds no such corpus.
        ConfigError: the train or dev split is empty.
    """
    manifest = prepare(cfg.data.corpus, cfg.data.root)
    out = []
    for split, cap, key in (
        (cfg.data.train_split, cfg.data.max_train_files, "data.train_split"),
        (cfg.data.dev_split, cfg.data.max_dev_files, "data.dev_split"),
    ):
        part = split_of(manifest, split, cfg.data.root, key)
        if key == "data.train_split" and cfg.data.extra_train:
            part = with_extra_train(part, cfg)
        if cfg.data.attacks is not None:
            part = keep_attacks(part, cfg.data.attacks, split)
        out.append(stratified_subset(part, cap, cfg.train.seed))
    return out[0], out[1]


def prepare(corpus: str, root: str) -> Manifest:
    """Every utterance of ``corpus`` at ``root``.

    Raises:
        CorpusError: the root holds no such corpus.
    """
    from spoofscope.corpora import CORPORA

    return CORPORA.get(corpus)().prepare(root)


def split_of(manifest: Manifest, split: str, root: str, key: str) -> Manifest:
    """The utterances of ``split`` in ``manifest`` (read from ``root``).

    Raises:
        ConfigError: the split is empty (``key`` names the recipe key that chose it).
    """
    part = manifest.filter(split=split)
    if not len(part):
        found = ", ".join(manifest.splits()) or "none"
        raise ConfigError(key, f"split '{split}' is empty in {root} (found: {found})")
    return part


def with_extra_train(train: Manifest, cfg: RunConfig) -> Manifest:
    """``train`` followed by the utterances of every ``data.extra_train`` source.

    Raises:
        ConfigError: an extra source is empty or repeats an utterance id already in training.
    """
    items = list(train)
    seen = {u.utt_id for u in items}
    for i, extra in enumerate(cfg.data.extra_train):
        key = f"data.extra_train.{i}"
        part = split_of(prepare(extra.corpus, extra.root), extra.split, extra.root, f"{key}.split")
        clash = sorted(seen.intersection(u.utt_id for u in part))
        if clash:
            raise ConfigError(key, f"{len(clash)} utterance id(s) already in training: {clash[:3]}")
        seen.update(u.utt_id for u in part)
        items += part
    return Manifest(items)


def keep_attacks(manifest: Manifest, attacks: list[str], split: str) -> Manifest:
    """Bona fide plus the spoofs of ``attacks`` (``data.attacks``).

    Raises:
        ConfigError: an attack is not in the split.
    """
    present = {u.attack for u in manifest if u.key == "spoof"}
    missing = sorted(set(attacks) - present)
    if missing:
        raise ConfigError(
            "data.attacks", f"{missing} not in split '{split}' (it has {sorted(present)})"
        )
    return manifest.filter(where=lambda u: u.key == "bonafide" or u.attack in attacks)


def stratified_subset(manifest: Manifest, cap: int | None, seed: int) -> Manifest:
    """At most ``cap`` utterances, each class keeping its share (at least one), seeded; in order."""
    if cap is None or cap >= len(manifest):
        return manifest
    rng = np.random.default_rng(seed)
    labels = np.asarray(manifest.labels)
    keep: list[int] = []
    for cls in (1, 0):
        idx = np.flatnonzero(labels == cls)
        if idx.size:
            n = max(1, round(cap * idx.size / len(manifest)))
            keep += rng.choice(idx, size=min(n, idx.size), replace=False).tolist()
    return Manifest(manifest[i] for i in sorted(keep))


def _sampler_kwargs(
    cfg: RunConfig, dataset: Any, manifest: Manifest, info: DistInfo
) -> dict[str, Any]:
    """DataLoader keyword arguments for the recipe's sampler (rank-sharded, seeded per epoch)."""
    from torch.utils.data import DistributedSampler

    from spoofscope.corpora.samplers import ClassBalancedSampler, SpeakerBalancedBatchSampler

    s, seed = cfg.data.sampler, cfg.train.seed
    batch = per_rank_batch(cfg.data.batch_size, info)
    rank, world = info.rank, info.world_size
    if s.name == "pk":
        sampler = SpeakerBalancedBatchSampler(
            [u.speaker for u in manifest], manifest.labels, p=s.P, k=s.K,
            num_batches=max(1, len(manifest) // cfg.data.batch_size) * world,
            seed=seed, rank=rank, world_size=world,
        )  # fmt: skip
        return {"batch_sampler": sampler}
    if s.name == "class-balanced":
        strata = None
        if s.strata is not None:
            from spoofscope.training.strata import strata_of

            workers = max(1, cfg.data.workers)
            try:
                strata = strata_of(manifest, s.strata, s.n_strata, s.min_per_class, workers)
            except ValueError as exc:
                raise ConfigError("data.sampler.min_per_class", str(exc)) from None
        weights = attack_weights(manifest, s.attack_weights) if s.attack_weights else None
        if s.pairs is not None:
            return _paired_kwargs(cfg, manifest, info, strata, weights)
        sampler = ClassBalancedSampler(
            manifest.labels, seed=seed, rank=rank, world_size=world, strata=strata,
            weights=weights,
        )  # fmt: skip
    else:
        sampler = DistributedSampler(
            dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=False
        )
    # Drop the ragged last batch (a batch of one breaks batch norm), unless that leaves nothing.
    return {"sampler": sampler, "batch_size": batch, "drop_last": len(sampler) >= batch}


def _paired_kwargs(
    cfg: RunConfig,
    manifest: Manifest,
    info: DistInfo,
    strata: Sequence[int] | None,
    weights: np.ndarray | None,
) -> dict[str, Any]:
    """DataLoader keyword arguments of ``data.sampler.pairs``: class-balanced anchors, each with
    its partner (:mod:`spoofscope.corpora.pairs`); an epoch still draws one item per file."""
    from spoofscope.corpora.dataset import collate_pairs
    from spoofscope.corpora.pairs import PairedSampler, Partners
    from spoofscope.corpora.samplers import ClassBalancedSampler

    pairs_per_batch = max(1, per_rank_batch(cfg.data.batch_size, info) // 2)
    anchors = ClassBalancedSampler(
        manifest.labels, num_samples=max(1, len(manifest) // 2), seed=cfg.train.seed, rank=info.rank,
        world_size=info.world_size, strata=strata, weights=weights,
    )  # fmt: skip
    sampler = PairedSampler(Partners(manifest), anchors)
    return {
        "sampler": sampler,
        "batch_size": pairs_per_batch,
        "drop_last": len(sampler) >= pairs_per_batch,
        "collate_fn": collate_pairs,
    }


def attack_weights(manifest: Manifest, weights: dict[str, float]) -> np.ndarray:
    """Per-file draw weights of ``data.sampler.attack_weights``: a spoof of a named attack weighs
    its value, every other file 1.

    Raises:
        ConfigError: an attack the training split has no spoof of.
    """
    present = sorted({u.attack for u in manifest if u.label == 0})
    missing = sorted(set(weights) - set(present))
    if missing:
        raise ConfigError(
            "data.sampler.attack_weights",
            f"no training spoof of {', '.join(missing)} (the split has {', '.join(present)})",
        )
    return np.array([1.0 if u.label else weights.get(u.attack, 1.0) for u in manifest])


def _worker_init(worker_id: int) -> None:
    # Items draw from per-item generators; this only pins NumPy's global state for any
    # third-party transform that ignores the generator it is given.
    np.random.seed(torch.initial_seed() % 2**32)


# --- what a loss consumes --------------------------------------------------------------------------


@dataclass
class Batch:
    wave: torch.Tensor  # [B, T]
    labels: torch.Tensor  # [B] 1 = bona fide
    groups: torch.Tensor  # [B] speaker ids as integers


class WaitClock:
    """Iterate over ``items``, summing in ``seconds`` the time spent waiting for each next item.

    Around a DataLoader this is the time the model stood idle for data: an epoch's
    ``data_wait_seconds`` near its ``train_seconds`` means the loading and augmentation, not the
    model, set the training speed.
    """

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Any]:
        iterator = iter(self.items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.seconds += time.perf_counter() - start
            yield item


def _logits_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    out = net(b.wave)
    return loss(out, b.labels), out


def _embeddings_step(
    net: nn.Module, loss: nn.Module, b: Batch
) -> tuple[torch.Tensor, torch.Tensor]:
    emb = net(b.wave)  # [B, D]
    if "groups" in inspect.signature(loss.forward).parameters:
        return loss(emb, b.labels, groups=b.groups), emb
    return loss(emb, b.labels), emb


def _tapped_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    # The embedding is the input of the model's submodule ``loss.tap``, caught on its way in, so
    # the model needs no second entry point and the logits come from the same pass.
    model = getattr(net, "module", net).model  # MethodCall, inside DDP when distributed
    with tapped_inputs(model, loss.tap) as seen:
        out = net(b.wave)
    return loss(out, b.labels, seen[-1], b.groups), out


def _pairs_step(net: nn.Module, loss: nn.Module, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    # Pair each item with its neighbour in the (shuffled) batch: a mix of same- and cross-class
    # pairs, as many as items, with no extra forward pass.
    emb = net(b.wave)  # [B, D]
    same = (b.labels == b.labels.roll(1)).to(emb.dtype)
    return loss(emb, emb.roll(1, dims=0), same), emb


#: loss ``inputs`` → (model entry point, step function)
FEEDERS: dict[str, tuple[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]]] = {
    "logits": ("forward", _logits_step),
    "embeddings": ("embed", _embeddings_step),
    "pairs": ("embed", _pairs_step),
    "tapped": ("forward", _tapped_step),
}


def bind_loss(loss: nn.Module, model: nn.Module, n_speakers: int, crop_samples: int) -> None:
    """Size a loss that taps the model (``bind(embedding_dim, n_speakers)``) from one probe pass.

    Raises:
        ConfigError: the model has no submodule named by the loss's ``tap``.
    """
    if not hasattr(loss, "bind"):
        return
    was_training = model.training
    model.eval()  # no batch-norm statistics move, no dropout draws from the seeded stream
    try:
        with tapped_inputs(model, loss.tap) as seen, torch.no_grad():
            model(torch.zeros(1, crop_samples, device=next(model.parameters()).device))
    finally:
        model.train(was_training)
    loss.bind(seen[-1].shape[-1], n_speakers)


# --- the trainer ---------------------------------------------------------------------------------


@dataclass
class TrainState:
    """Where a run is; saved as JSON with ``last/`` and restored by ``--resume``."""

    epoch: int = 0  # epochs completed, all phases together
    step: int = 0  # optimiser steps completed
    phase: int = 0
    phase_epoch: int = 0  # epochs completed in the current phase
    phase_step: int = 0
    best: float = math.inf
    best_epoch: int = -1
    phase_best: float = math.inf
    bad_epochs: int = 0
    finished: bool = False
    stop_reason: str = ""  # "epochs", "max_steps" or "early_stopping"
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` returns."""

    run_dir: Path
    best_epoch: int
    best_metric: float
    dev_eer: float | None
    steps: int
    epochs: int
    seconds: float


class Trainer:
    """Trains one recipe into a run directory.

    Args:
        cfg: the validated recipe.
        run_dir: output directory (created).
        info: distributed placement (default: single process).
        console: rich console for progress (default: stderr); None-equivalent when not main rank.
    """

    def __init__(
        self,
        cfg: RunConfig,
        run_dir: str | Path,
        info: DistInfo | None = None,
        console: Any = None,
        progress: bool = True,
    ) -> None:
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.info = info or DistInfo()
        self.device = pick_device(cfg.train.device)
        seed_everything(cfg.train.seed)
        self.model = build_model(cfg).to(self.device)
        check_head(cfg, self.model)  # before the corpus is read: a bad pairing fails at once
        attach_feature_augment(cfg, self.model)
        self.init_digest = init_weights(cfg, self.model)
        self.train_set, self.dev_set = load_splits(cfg)
        self.speakers = {s: i for i, s in enumerate(sorted({u.speaker for u in self.train_set}))}
        self.loss = build_loss(cfg, self.train_set)
        bind_loss(self.loss, self.model, len(self.speakers), cfg.data.crop_samples)
        self.loss.to(self.device)
        self.method, self.step_fn = FEEDERS[getattr(self.loss, "inputs", "logits")]
        self.state = TrainState()
        self.console = console
        self.progress = progress and self.info.is_main
        self._loaders()
        self.amp_dtype = autocast_dtype(cfg, self.device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self._writer = self._tensorboard()

    # -- set-up -----------------------------------------------------------------------------------

    def _loaders(self) -> None:
        from spoofscope.audio.augment import build_augment
        from spoofscope.corpora.dataset import AudioDataset, CropPolicy, PairedDataset

        d = self.cfg.data
        augment = build_augment(self.cfg.augment, sr=d.sample_rate) if self.cfg.augment else None
        self.train_data = AudioDataset(
            self.train_set, d.sample_rate, CropPolicy(d.crop_samples, d.crop, d.pad),
            augment=augment, seed=self.cfg.train.seed,
        )  # fmt: skip
        self.dev_data = AudioDataset(
            self.dev_set, d.sample_rate, CropPolicy(d.crop_samples, "first", d.pad)
        )
        common = {"num_workers": d.workers, "worker_init_fn": _worker_init if d.workers else None}
        kwargs = _sampler_kwargs(self.cfg, self.train_data, self.train_set, self.info)
        self.sampler = kwargs.get("sampler") or kwargs["batch_sampler"]
        paired = d.sampler.pairs is not None
        train_data = PairedDataset(self.train_data) if paired else self.train_data
        self.train_loader = DataLoader(train_data, **kwargs, **common)
        self.dev_loader = DataLoader(
            self.dev_data, batch_size=d.eval_batch_size or d.batch_size, shuffle=False, **common
        )
        self.steps_per_epoch = max(1, len(self.train_loader))

    def _tensorboard(self) -> Any:
        if not self.info.is_main:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self._say("tensorboard is not installed: scalars go to metrics.jsonl only")
            return None
        return SummaryWriter(str(self.run_dir / "tensorboard"))

    def _say(self, text: str) -> None:
        if self.info.is_main and self.console is not None:
            self.console.print(text, markup=False, highlight=False)

    def _start_phase(self) -> None:
        phase = self.cfg.train.schedule_phases[self.state.phase]
        trainable = set_trainable(self.model, phase.trainable)
        params: list[Any] = [p for p in self.model.parameters() if p.requires_grad]
        own = [p for p in self.loss.parameters() if p.requires_grad]
        scale = getattr(self.loss, "lr_scale", 1.0)
        if scale == 1.0:
            params += own
        else:  # a loss whose parameters learn at their own rate (the speaker adversary)
            params = [{"params": params}, {"params": own, "lr_scale": scale}]
        self.base_lr = phase.lr or self.cfg.optim.lr
        self.optimizer = OPTIMIZERS[self.cfg.optim.name](params, self.cfg.optim, self.base_lr)
        self.schedule = build_schedule(self.cfg.schedule, self.base_lr)
        # The schedule spans the phase's epochs; max_steps only cuts a run short, so a run
        # stopped by it and resumed follows the same learning rates as an uninterrupted one.
        self.phase_total = phase.epochs * self.steps_per_epoch
        self.net = wrap(self.model, self.method, self.info)
        self._say(
            f"phase {self.state.phase + 1}/{len(self.cfg.train.schedule_phases)}: "
            f"{phase.trainable} ({len(trainable)} layers), lr {self.base_lr:g}"
        )

    # -- the loop ---------------------------------------------------------------------------------

    def fit(self, resume: bool = False) -> TrainResult:
        """Train until the epochs, ``max_steps`` or early stopping end it; return the summary.

        Raises:
            CheckpointError: ``resume`` without a usable ``last/`` in the run directory.
            ConfigError: ``resume`` with a recipe whose model differs from the saved one.
        """
        started = time.perf_counter()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if resume:
            self._resume()
        else:
            self._fresh_run_dir()
        phases = self.cfg.train.schedule_phases
        self._start_phase()
        if resume:
            self._load_optimizer()
        while not self.state.finished:
            metrics = self._epoch()
            improved = self._record(metrics)
            self._checkpoint(improved, metrics)
            phase = phases[self.state.phase]
            patience = self.cfg.train.early_stopping.patience
            stop_early = patience is not None and self.state.bad_epochs >= patience
            if stop_early and not self.state.finished:
                self._say(f"early stop: no dev improvement for {patience} epochs")
            if not self.state.finished and (self.state.phase_epoch >= phase.epochs or stop_early):
                if self.state.phase + 1 >= len(phases):
                    self.state.finished = True
                    self.state.stop_reason = "early_stopping" if stop_early else "epochs"
                else:
                    self._next_phase(restore_best=stop_early)
            # Saved after the phase bookkeeping, so --resume knows where it stands.
            self._save_last(metrics)
        seconds = time.perf_counter() - started
        return self._finish(seconds)

    def _fresh_run_dir(self) -> None:
        if self.info.is_main:
            (self.run_dir / CONFIG_FILE).write_text(self.cfg.to_yaml())
            (self.run_dir / METRICS_FILE).write_text("")

    def _next_phase(self, restore_best: bool) -> None:
        barrier(self.info)  # rank 0 has written best/ before anyone reads it
        if restore_best and (self.run_dir / ckpt.BEST).is_dir():
            self._load_weights(self.run_dir / ckpt.BEST)
        self.state.phase += 1
        self.state.phase_epoch = 0
        self.state.phase_step = 0
        self.state.bad_epochs = 0
        self.state.phase_best = math.inf
        self._start_phase()

    def _batch(self, wave: torch.Tensor, labels: torch.Tensor, index: torch.Tensor) -> Batch:
        groups = torch.tensor(
            [self.speakers[self.train_set[int(i)].speaker] for i in index], dtype=torch.long
        )
        return Batch(wave.to(self.device), labels.to(self.device), groups.to(self.device))

    def _epoch(self) -> dict[str, Any]:
        st, cfg = self.state, self.cfg
        for obj in (self.sampler, self.train_data):
            obj.set_epoch(st.epoch)
        self.model.train()
        self.loss.train()
        freeze_modes(self.model)
        centroid_sum: dict[int, torch.Tensor] = {}
        centroid_n: dict[int, int] = {}
        losses: list[float] = []
        bar = self._bar(f"epoch {st.epoch + 1}", self.steps_per_epoch)
        started = time.perf_counter()
        batches = WaitClock(self.train_loader)
        for wave, labels, index in batches:
            if cfg.train.max_steps is not None and st.step >= cfg.train.max_steps:
                break
            b = self._batch(wave, labels, index)
            lr = self.base_lr * self.schedule(st.phase_step, self.phase_total, self.steps_per_epoch)
            for group in self.optimizer.param_groups:
                group["lr"] = lr * group.get("lr_scale", 1.0)
            with self._autocast():
                value, out = self.step_fn(self.net, self.loss, b)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(value).backward()
            average_gradients(self.loss.parameters(), self.info)
            if cfg.train.grad_clip is not None:
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(
                    [p for g in self.optimizer.param_groups for p in g["params"]],
                    cfg.train.grad_clip,
                )
            self.scaler.step(self.optimizer)
            self.scaler.update()
            st.step += 1
            st.phase_step += 1
            losses.append(float(value.detach()))
            if self.method == "embed":
                for cls in (0, 1):
                    rows = out.detach()[b.labels == cls].float()
                    if len(rows):
                        centroid_sum[cls] = centroid_sum.get(cls, 0) + rows.sum(0)
                        centroid_n[cls] = centroid_n.get(cls, 0) + len(rows)
            if st.step % cfg.train.log_every == 0:
                self._log({"kind": "step", "step": st.step, "loss": losses[-1], "lr": lr})
            bar(f"loss {np.mean(losses[-20:]):.4f}")
        bar(None)
        if len(centroid_n) == 2 and hasattr(self.model, "set_centroids"):
            self.model.set_centroids(
                (centroid_sum[1] / centroid_n[1]).to(self.device),
                (centroid_sum[0] / centroid_n[0]).to(self.device),
            )
        st.epoch += 1
        st.phase_epoch += 1
        if cfg.train.max_steps is not None and st.step >= cfg.train.max_steps:
            st.finished, st.stop_reason = True, "max_steps"
        train_loss = all_mean(float(np.mean(losses)) if losses else float("nan"), self.info)
        train_seconds = time.perf_counter() - started
        dev = self._dev()
        return {"kind": "epoch", "epoch": st.epoch, "step": st.step, "phase": st.phase,
                "train_loss": train_loss, "lr": lr if losses else self.base_lr, **dev,
                "train_seconds": train_seconds, "data_wait_seconds": batches.seconds,
                "dev_seconds": time.perf_counter() - started - train_seconds}  # fmt: skip

    def _dev(self) -> dict[str, Any]:
        """Dev scores → EER and its threshold; every rank scores all of dev (kept in step)."""
        from spoofscope.evaluation.metrics import compute_eer

        fused = self.method == "forward"  # logits models: the dev loss comes from the same pass
        with self._autocast(self.cfg.train.dev_autocast):  # both dev passes at one precision
            scores, labels, loss = scores_and_loss(
                self.model, self.dev_loader, self.device, self.loss if fused else None
            )
            if not fused and self.cfg.train.early_stopping.metric == "dev_loss":
                loss = self._dev_loss()
        self.dev_scores, self.dev_labels = scores, labels
        out: dict[str, Any] = {"dev_eer": None, "dev_threshold": None}
        if labels.min() != labels.max():
            eer = compute_eer(scores[labels == 1], scores[labels == 0])
            out.update(dev_eer=eer.eer, dev_threshold=eer.threshold)
        if fused or loss is not None:
            out["dev_loss"] = loss
        return out

    def _autocast(self, enabled: bool = True) -> torch.autocast:
        """The training steps' autocast context (a no-op for float32 runs or ``enabled=False``)."""
        dtype = self.amp_dtype if enabled else None
        return torch.autocast(self.device.type, dtype=dtype, enabled=dtype is not None)

    @torch.no_grad()
    def _dev_loss(self) -> float:
        self.model.eval()
        self.loss.eval()
        total, n = 0.0, 0
        net = wrap(self.model, self.method, DistInfo())
        for wave, labels, _ in self.dev_loader:
            b = Batch(wave.to(self.device), labels.to(self.device), torch.zeros_like(labels))
            value, _ = self.step_fn(net, self.loss, b)
            total += float(value) * len(labels)
            n += len(labels)
        return total / max(n, 1)

    def _record(self, metrics: dict[str, Any]) -> bool:
        st = self.state
        key = self.cfg.train.early_stopping.metric
        value = metrics.get(key)
        value = math.inf if value is None or not math.isfinite(value) else float(value)
        improved_global = value < st.best or st.best_epoch < 0
        if value < st.phase_best:
            st.phase_best = value
            st.bad_epochs = 0
        else:
            st.bad_epochs += 1
        if improved_global:
            st.best, st.best_epoch = value, st.epoch
        metrics["best_epoch"] = st.best_epoch
        st.history.append({k: metrics[k] for k in ("epoch", "train_loss", "dev_eer", "dev_loss")
                           if k in metrics})  # fmt: skip
        self._log(metrics)
        eer = metrics.get("dev_eer")
        shown = "n/a" if eer is None else f"{100 * eer:.2f}%"
        self._say(
            f"epoch {st.epoch}: train loss {metrics['train_loss']:.4f}, dev EER {shown}"
            + (" (best)" if improved_global else "")
        )
        return improved_global

    # -- files ------------------------------------------------------------------------------------

    def _log(self, record: dict[str, Any]) -> None:
        if not self.info.is_main:
            return
        with (self.run_dir / METRICS_FILE).open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        if self._writer is not None:
            step = record.get("step", 0)
            for k, v in record.items():
                if isinstance(v, int | float) and k not in ("step", "epoch", "phase"):
                    self._writer.add_scalar(f"{record['kind']}/{k}", v, step)

    @functools.cached_property
    def corpus_digest(self) -> str | None:
        """Digest of the corpus build (LocalSpoof's ``checksums.tsv``), read once per run."""
        # imported here: LocalSpoof's builder (synthesizer registry) takes ~1 s to load
        from spoofscope.localspoof.digest import build_digest

        return build_digest(self.cfg.data.root)

    @functools.cached_property
    def extra_train_digests(self) -> dict[str, str | None]:
        """Root → digest of each ``data.extra_train`` source, read once per run."""
        from spoofscope.localspoof.digest import build_digest

        return {extra.root: build_digest(extra.root) for extra in self.cfg.data.extra_train}

    def _card_fields(self, metrics: dict[str, Any]) -> dict[str, Any]:
        from spoofscope.training.calibration import fit_platt

        card = self.model.card() if hasattr(self.model, "card") else {}
        calibration = None
        if self.dev_labels.min() != self.dev_labels.max():
            calibration = fit_platt(self.dev_scores, self.dev_labels)
        data = self.cfg.data
        return {
            "threshold": metrics.get("dev_threshold"),
            "calibration": calibration,
            "input": {
                **card.get("input", {}),
                "sample_rate": data.sample_rate,
                "crop_samples": data.crop_samples,
            },
            "training": {
                "corpus": data.corpus,
                "train_split": data.train_split,
                "dev_split": data.dev_split,
                # a leave-attacks-out protocol (data.attacks) is part of what the model saw
                "attacks": data.attacks,
                # which audio it learnt from: a rebuild with another digest holds other samples
                # (a synthesizer or library upgrade), so its scores need not match the card's
                "corpus_digest": self.corpus_digest,
                "extra_train_digests": self.extra_train_digests,
                # fine-tuned: where it started (model.init) and the starting weights' SHA-256
                "init": {"from": self.cfg.model.init, "weights_sha256": self.init_digest}
                if self.init_digest
                else None,
                "n_train": len(self.train_set),
                "n_dev": len(self.dev_set),
                "epoch": self.state.epoch,
                "step": self.state.step,
                "dev_eer": metrics.get("dev_eer"),
                "loss": self.cfg.loss.model_dump(mode="json"),
                "seed": self.cfg.train.seed,
                "precision": precision_name(self.amp_dtype),
            },
            "provenance": provenance(self.cfg),
        }

    def _checkpoint(self, improved: bool, metrics: dict[str, Any]) -> None:
        if not self.info.is_main:
            return
        from spoofscope.models.base import save_checkpoint

        fields = self._card_fields(metrics)
        self._last_fields = fields
        if improved:
            save_checkpoint(self.model, self.run_dir / ckpt.BEST, **fields)
            write_dev_scores(self.run_dir / DEV_SCORES, self.dev_set, self.dev_scores)

    def _save_last(self, metrics: dict[str, Any]) -> None:
        if not self.info.is_main:
            return
        from spoofscope.models.base import save_checkpoint

        last = self.run_dir / ckpt.LAST
        save_checkpoint(self.model, last, **self._last_fields)
        tensors, rng_json = rng_state()
        ckpt.save_state(
            last,
            {
                "trainer": asdict(self.state),
                "optimizer": self.optimizer.state_dict(),
                "loss": self.loss.state_dict(),
                "scaler": self.scaler.state_dict(),
                "rng_tensors": tensors,
                "rng": rng_json,
                "model_config": self.cfg.model.model_dump(mode="json"),
            },
        )

    def _load_weights(self, directory: Path) -> None:
        from safetensors.torch import load_file

        from spoofscope.models.base import WEIGHTS_FILE, load_state_strict

        weights = directory / WEIGHTS_FILE
        load_state_strict(self.model, load_file(str(weights)), source=weights)

    def _resume(self) -> None:
        last = self.run_dir / ckpt.LAST
        saved = ckpt.load_state(last)
        if saved["model_config"] != self.cfg.model.model_dump(mode="json"):
            raise ConfigError("model", f"differs from the run being resumed in {self.run_dir}")
        self._load_weights(last)
        self.state = TrainState(**saved["trainer"])
        if self.state.finished and not self._can_continue():
            raise CheckpointError(last, "this run already finished; nothing to resume")
        self.state.finished = False
        self.loss.load_state_dict(saved["loss"])
        self._saved = saved

    def _can_continue(self) -> bool:
        """Whether a finished run has more to do under the (possibly extended) recipe."""
        st, train = self.state, self.cfg.train
        if st.stop_reason == "early_stopping":
            return False
        if train.max_steps is not None and st.step >= train.max_steps:
            return False
        phases = train.schedule_phases
        return st.phase < len(phases) - 1 or st.phase_epoch < phases[st.phase].epochs

    def _load_optimizer(self) -> None:
        saved = self._saved
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scaler.load_state_dict(saved["scaler"])
        set_rng_state(saved["rng_tensors"], saved["rng"])
        self._say(f"resumed at epoch {self.state.epoch}, step {self.state.step}")

    def _finish(self, seconds: float) -> TrainResult:
        st = self.state
        best_eer = next((h.get("dev_eer") for h in st.history if h["epoch"] == st.best_epoch), None)
        result = TrainResult(
            self.run_dir, st.best_epoch, st.best, best_eer, st.step, st.epoch, round(seconds, 3)
        )
        if self.info.is_main:
            from spoofscope.evaluation.plots import training_curves

            summary = {
                **asdict(result),
                "precision": precision_name(self.amp_dtype),
                "run_dir": str(self.run_dir),
            }
            (self.run_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
            training_curves(read_metrics(self.run_dir / METRICS_FILE), self.run_dir / CURVES)
            if self._writer is not None:
                self._writer.close()
        return result

    # -- progress ---------------------------------------------------------------------------------

    def _bar(self, title: str, total: int) -> Callable[[str | None], None]:
        """A rich progress bar; ``update(text)`` advances it, ``update(None)`` closes it.

        When the console is not a terminal (a log file, CI), a bar would show nothing until the
        epoch ends, so a plain line is printed every 5% of the epoch instead.
        """
        if not self.progress:
            return lambda text: None
        if self.console is not None and not self.console.is_terminal:
            return self._plain_progress(title, total)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"), console=self.console, transient=True,
        )  # fmt: skip
        task = progress.add_task(title, total=total, info="")
        progress.start()

        def update(text: str | None) -> None:
            if text is None:
                progress.stop()
            else:
                progress.update(task, advance=1, info=text)

        return update

    def _plain_progress(self, title: str, total: int) -> Callable[[str | None], None]:
        """``title: step i/total, <text>, <seconds> s`` every ``total / 20`` steps."""
        every, done, started = max(1, total // 20), 0, time.perf_counter()

        def update(text: str | None) -> None:
            nonlocal done
            if text is None:
                return
            done += 1
            if done % every == 0 or done == total:
                elapsed = time.perf_counter() - started
                self._say(f"{title}: step {done}/{total}, {text}, {elapsed:.0f} s")

        return update


# --- helpers shared with evaluation ----------------------------------------------------------------


@torch.no_grad()
def score_loader(
    model: nn.Module, loader: DataLoader, device: torch.device
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (higher = bona fide) and labels of every item of ``loader``, in its order."""
    scores, labels, _ = scores_and_loss(model, loader, device)
    return scores, labels


@torch.no_grad()
def scores_and_loss(
    model: nn.Module, loader: DataLoader, device: torch.device, loss: nn.Module | None = None
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Scores and labels of every item of ``loader``, and with ``loss`` its mean over the items.

    With a ``loss`` the model must be a logits model (``score`` = ``logits[:, 1] - logits[:, 0]``,
    every model a logits loss trains): one forward pass then gives both, where scoring and a
    separate loss pass cost a dev epoch twice (~35 s of every LocalSpoof epoch on 2 cores).
    """
    model.eval()
    if loss is not None:
        loss.eval()
    scores: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    total, n = 0.0, 0
    for wave, label, *_ in loader:
        wave = wave.to(device)
        if loss is None:
            score = model.score(wave)
        else:
            logits = model(wave)
            score = logits[:, 1] - logits[:, 0]
            total += float(loss(logits, label.to(device))) * len(label)
            n += len(label)
        scores.append(score.float().cpu().numpy().reshape(-1))
        labels.append(np.asarray(label).reshape(-1))
    mean_loss = total / n if n else None
    if not scores:
        return np.zeros(0), np.zeros(0, dtype=np.int64), mean_loss
    scores_, labels_ = np.concatenate(scores), np.concatenate(labels)
    return scores_.astype(np.float64), labels_.astype(np.int64), mean_loss


def write_dev_scores(path: Path, manifest: Manifest, scores: np.ndarray) -> Path:
    """Write ``scores`` of ``manifest`` (same order) in the score-file contract."""
    from spoofscope.evaluation.scorefile import ScoreSet, write_scores

    return write_scores(
        path,
        ScoreSet(
            utt_id=[u.utt_id for u in manifest],
            speaker=[u.speaker for u in manifest],
            attack=[u.attack for u in manifest],
            key=[u.key for u in manifest],
            score=np.asarray(scores, dtype=np.float64),
        ),
    )


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` file."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def provenance(cfg: RunConfig) -> dict[str, Any]:
    """Who and what made a checkpoint: versions, the recipe's name, and the git commit if any."""
    import platform
    import subprocess

    import spoofscope

    commit = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5,
            cwd=Path(spoofscope.__file__).resolve().parent, check=False,
        ).stdout.strip() or None  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "recipe": cfg.name,
        "spoofscope": getattr(spoofscope, "__version__", "unknown"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "git_commit": commit,
    }
