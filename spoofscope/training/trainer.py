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

import functools
import json
import math
import shutil
import time
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.features.base import reading_cached
from spoofscope.inference.device import pick_device
from spoofscope.models.base import Countermeasure
from spoofscope.training import checkpointing as ckpt
from spoofscope.training.build import (
    OPTIMIZERS,
    attach_feature_augment,
    bind_loss,
    build_loss,
    build_model,
    check_head,
    init_weights,
)
from spoofscope.training.cached_features import cacheable_frontend
from spoofscope.training.config import CONFIG_FILE, RunConfig
from spoofscope.training.data import WaitClock, build_loaders, load_splits
from spoofscope.training.distributed import DistInfo, all_mean, average_gradients, barrier, wrap
from spoofscope.training.enrolment import enrol, enrols
from spoofscope.training.freezing import freeze_modes, set_trainable
from spoofscope.training.precision import autocast_dtype, precision_name
from spoofscope.training.run_files import (
    CURVES,
    DEV_SCORES,
    METRICS_FILE,
    RUN_FILES,
    SUMMARY_FILE,
    RunFacts,
    card_fields,
    corpus_digests,
    read_metrics,
    write_dev_scores,
    write_lines_atomic,
)
from spoofscope.training.schedules import build_schedule
from spoofscope.training.seeding import rng_state, seed_everything, set_rng_state
from spoofscope.training.steps import FEEDERS, Batch


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
        self.device = pick_device(cfg.train.device, key="train.device")
        seed_everything(cfg.train.seed)
        self.model = build_model(cfg).to(self.device)
        check_head(cfg, self.model)  # before the corpus is read: a bad pairing fails at once
        attach_feature_augment(cfg, self.model)
        # before the corpus is read: a model that cannot train from the cache fails at once
        self.cached_frontend = (
            cacheable_frontend(self.model, cfg.model.name) if cfg.data.feature_cache else None
        )
        self.init_digest = init_weights(cfg, self.model)
        self.train_set, self.dev_set = load_splits(cfg)
        self.speakers = {s: i for i, s in enumerate(sorted({u.speaker for u in self.train_set}))}
        self.loss = build_loss(cfg, self.train_set)
        bind_loss(self.loss, self.model, len(self.speakers), cfg.data.crop_samples)
        self.loss.to(self.device)
        self.method, self.step_fn = FEEDERS[getattr(self.loss, "inputs", "logits")]
        self.state = TrainState()
        self.enrolment: dict[str, Any] | None = None  # what enrol() last enrolled, for the card
        self.console = console
        self.progress = progress and self.info.is_main
        self._loaders()
        self.amp_dtype = autocast_dtype(cfg, self.device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self._writer: Any = None  # opened by fit(), once the run directory may be written

    # -- set-up -----------------------------------------------------------------------------------

    def _loaders(self) -> None:
        loaders = build_loaders(
            self.cfg, self.train_set, self.dev_set, self.info, self.cached_frontend
        )
        self.train_data, self.dev_data = loaders.train_data, loaders.dev_data
        self.sampler, self.steps_per_epoch = loaders.sampler, loaders.steps_per_epoch
        self.train_loader, self.dev_loader = loaders.train_loader, loaders.dev_loader

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

    def _warn(self, text: str) -> None:
        """A warning a user must see: on the console, and as a Python warning without one."""
        if self.console is None:
            warnings.warn(text, RuntimeWarning, stacklevel=3)
        else:
            self._say(f"warning: {text}")

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

    def fit(self, resume: bool = False, overwrite: bool = False) -> TrainResult:
        """Train until the epochs, ``max_steps`` or early stopping end it; return the summary.

        A run directory that already holds a run is refused unless ``resume`` (continue it) or
        ``overwrite`` (replace the run's files) says what to do with it.

        Raises:
            ConfigError: the run directory holds a run and neither ``resume`` nor ``overwrite``.
            CheckpointError: ``resume`` without a usable ``last/`` in the run directory.
            ConfigError: ``resume`` with a recipe whose model differs from the saved one.
        """
        started = time.perf_counter()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if resume:
            self._resume()
        else:
            self._fresh_run_dir(overwrite)
        self._writer = self._tensorboard()
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

    def _fresh_run_dir(self, overwrite: bool) -> None:
        if not self.info.is_main:
            return
        held = sorted(p.name for p in self.run_dir.iterdir() if p.name in RUN_FILES)
        if held and not overwrite:
            raise ConfigError(
                str(self.run_dir),
                f"already holds a run ({', '.join(held[:3])}); --resume continues it, "
                "--overwrite replaces it",
            )
        for name in held:  # only what a run writes: other files in the folder are left alone
            path = self.run_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        (self.run_dir / CONFIG_FILE).write_text(self.cfg.to_yaml())
        (self.run_dir / METRICS_FILE).write_text("")

    def _next_phase(self, restore_best: bool) -> None:
        barrier(self.info)  # rank 0 has written best/ before anyone reads it
        best = self.run_dir / ckpt.BEST
        if restore_best and (best.is_dir() or ckpt.previous(best).is_dir()):
            self._load_weights(ckpt.good_copy(best)[0])
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
        losses: list[float] = []
        bar = self._bar(f"epoch {st.epoch + 1}", self.steps_per_epoch)
        started = time.perf_counter()
        batches = WaitClock(self.train_loader)
        # from the cache, batches hold cached features and the front-end applies only what
        # follows the cache; dev scoring below reads waveforms again
        feeding = reading_cached(self.cached_frontend) if self.cached_frontend else nullcontext()
        with feeding:
            for wave, labels, index in batches:  # wave: [B, T], or [B, C, F, frames] cached
                if cfg.train.max_steps is not None and st.step >= cfg.train.max_steps:
                    break
                b = self._batch(wave, labels, index)
                lr = self.base_lr * self.schedule(
                    st.phase_step, self.phase_total, self.steps_per_epoch
                )
                for group in self.optimizer.param_groups:
                    group["lr"] = lr * group.get("lr_scale", 1.0)
                with self._autocast():
                    value, _ = self.step_fn(self.net, self.loss, b)
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
                if st.step % cfg.train.log_every == 0:
                    self._log({"kind": "step", "step": st.step, "loss": losses[-1], "lr": lr})
                bar(f"loss {np.mean(losses[-20:]):.4f}")
        bar(None)
        if enrols(self.model):  # the references move with the model: enrol before dev scores it
            self.enrolment = enrol(self.model, self.train_set, cfg, self.device)
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
        """Dev scores → EER and its threshold; every rank scores all of dev (kept in step).

        Dev recordings are scored whole, window by window, as the Detector scores them, so the
        threshold and calibration written into the card hold for the Detector's scores.
        """
        from spoofscope.evaluation.metrics import compute_eer
        from spoofscope.evaluation.scoring import score_windowed

        # logits models whose score is the logit gap: the dev loss comes from the same pass
        fused = self.method == "forward" and type(self.model).score is Countermeasure.score
        d = self.cfg.data
        with self._autocast(self.cfg.train.dev_autocast):  # both dev passes at one precision
            scores, labels, loss = score_windowed(
                self.model, self.dev_loader, d.crop_samples, self.device,
                d.eval_batch_size or d.batch_size, self.loss if fused else None,
            )  # fmt: skip
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
        """The loss of an embedding model on dev: one first crop per recording, as in training."""
        from spoofscope.corpora.dataset import CropPolicy

        self.model.eval()
        self.loss.eval()
        total, n = 0.0, 0
        net = wrap(self.model, self.method, DistInfo())
        d = self.cfg.data
        crop = CropPolicy(d.crop_samples, "first", d.pad)
        for waves, labels, _ in self.dev_loader:
            wave = torch.stack([torch.from_numpy(crop.apply(w.numpy())) for w in waves])
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
    def data_digests(self) -> dict[str, Any]:
        """Digests of the corpus build and of each ``data.extra_train`` source, read once per run."""
        return corpus_digests(self.cfg)

    def _card_fields(self, metrics: dict[str, Any]) -> dict[str, Any]:
        facts = RunFacts(
            n_train=len(self.train_set), n_dev=len(self.dev_set), epoch=self.state.epoch,
            step=self.state.step, precision=precision_name(self.amp_dtype),
            init_digest=self.init_digest, enrolment=self.enrolment, **self.data_digests,
        )  # fmt: skip
        return card_fields(self.cfg, self.model, metrics, self.dev_scores, self.dev_labels, facts)

    def _checkpoint(self, improved: bool, metrics: dict[str, Any]) -> None:
        if not self.info.is_main:
            return
        from spoofscope.models.base import save_checkpoint

        fields = self._card_fields(metrics)
        self._last_fields = fields
        if improved:
            ckpt.commit_dir(
                self.run_dir / ckpt.BEST, lambda d: save_checkpoint(self.model, d, **fields)
            )
            write_dev_scores(self.run_dir / DEV_SCORES, self.dev_set, self.dev_scores)

    def _save_last(self, metrics: dict[str, Any]) -> None:
        if not self.info.is_main:
            return
        from spoofscope.models.base import save_checkpoint

        tensors, rng_json = rng_state()
        state = {
            "trainer": asdict(self.state),
            "optimizer": self.optimizer.state_dict(),
            "loss": self.loss.state_dict(),
            "scaler": self.scaler.state_dict(),
            "rng_tensors": tensors,
            "rng": rng_json,
            "model_config": self.cfg.model.model_dump(mode="json"),
        }

        def fill(directory: Path) -> None:
            save_checkpoint(self.model, directory, **self._last_fields)
            ckpt.write_point("weights written")
            ckpt.save_state(directory, state)

        # weights and trainer state land together or not at all: a kill between them once
        # left epoch-N weights with epoch-(N-1) state, and resume trained epoch N twice
        ckpt.commit_dir(self.run_dir / ckpt.LAST, fill)

    def _load_weights(self, directory: Path) -> None:
        from safetensors.torch import load_file

        from spoofscope.models.base import WEIGHTS_FILE, load_state_strict

        weights = directory / WEIGHTS_FILE
        load_state_strict(self.model, load_file(str(weights)), source=weights)

    def _resume(self) -> None:
        last, why = ckpt.good_copy(self.run_dir / ckpt.LAST)
        if why is not None:
            self._warn(f"{why}; resuming from the previous checkpoint ({last.name})")
        saved = ckpt.load_state(last)
        if saved["model_config"] != self.cfg.model.model_dump(mode="json"):
            raise ConfigError("model", f"differs from the run being resumed in {self.run_dir}")
        self._load_weights(last)
        self.state = TrainState(**saved["trainer"])
        if self.state.finished and not self._can_continue():
            if (self.run_dir / SUMMARY_FILE).is_file():
                raise CheckpointError(last, "this run already finished; nothing to resume")
            # killed after its last checkpoint, before its summary: fit() only finishes it
        else:
            self.state.finished = False
        self.loss.load_state_dict(saved["loss"])
        self._saved = saved
        self._truncate_log()

    def _truncate_log(self) -> None:
        """Drop log records past the resumed state: what a killed run logged after its last
        checkpoint is logged again by the resumed run, once."""
        if not self.info.is_main:
            return
        st = self.state
        kept = [
            r
            for r in read_metrics(self.run_dir / METRICS_FILE)
            if r.get("step", 0) <= st.step and r.get("epoch", 0) <= st.epoch
        ]
        write_lines_atomic(self.run_dir / METRICS_FILE, [json.dumps(r) for r in kept])

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
