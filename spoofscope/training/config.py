"""Typed training recipes: one pydantic model per YAML section, loaded with ``--set`` overrides.

A recipe is a YAML file with the sections ``data``, ``model``, ``loss``, ``optim``, ``schedule``,
``train``, ``augment`` and ``eval`` (see docs/training.md), given by its path or, for the recipes
shipped in the package (:mod:`spoofscope.recipes`), by its name. A recipe may start with
``extends: other.yaml`` or a list of files (relative to its own folder, merged in order): it is
then those files deep-merged with this one, so a CPU-sized variant states only what differs from
the published recipe; a key written ``key!`` replaces what it extends instead of merging into it.

:func:`load_config` fails before any work starts, naming the key and the allowed values: unknown
keys and wrong types (pydantic, ``extra="forbid"``), unknown corpus / model / loss names, a missing
corpus root. Those name checks read the registries' source statically (no torch import), so a bad
recipe fails in well under a second; constructing the model (which validates its parameters) is
:func:`spoofscope.training.trainer.build_model`'s job and happens before any data is read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spoofscope.errors import ConfigError, CorpusError, UnknownNameError
from spoofscope.evaluation.crops import EvalCrop
from spoofscope.textio import read_text

CONFIG_FILE = "config.yaml"


class Section(BaseModel):
    """Base of every section: unknown keys are errors, values are re-validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SamplerConfig(Section):
    """How training batches are drawn.

    ``random``: a seeded shuffle; ``class-balanced``: bona fide and spoof equally likely at every
    draw (with replacement); ``pk``: P speakers × (K bona fide + K spoof) each, the batch-hard
    triplet set-up (the batch size is then 2·P·K).

    ``strata`` (class-balanced only) balances the classes inside each stratum instead of overall:
    ``f0`` cuts the train files into ``n_strata`` median-F0 bands, ``speaker`` groups them by
    speaker, with at least ``min_per_class`` files of each class a stratum
    (:mod:`spoofscope.training.strata`).

    ``attack_weights`` (class-balanced only) draws the spoofs of the named attacks more (or less)
    often than the others, e.g. ``{L06: 2.0}``; bona fide and unnamed attacks weigh 1, and the
    two classes stay equally likely.

    ``pairs: source`` (class-balanced only) pairs every drawn item with one of the other class in
    the same batch (:mod:`spoofscope.corpora.pairs`): a resynthesis spoof with the bona fide
    recording it was made from, both under one crop and one augmentation, so that the vocoder is
    all that differs; other items with a random item of the other class and the same speaker.
    The batch size still counts items (an even number: half of it is pairs).
    """

    name: Literal["random", "class-balanced", "pk"] = "random"
    P: int = Field(4, gt=0, description="speakers per batch (pk)")
    K: int = Field(2, gt=0, description="utterances per class per speaker (pk)")
    strata: str | None = None
    n_strata: int = Field(8, gt=0)
    min_per_class: int = Field(50, gt=0)
    attack_weights: dict[str, float] = {}
    pairs: Literal["source"] | None = None

    @model_validator(mode="after")
    def _pairs_need_class_balance(self) -> SamplerConfig:
        if self.pairs is not None and self.name != "class-balanced":
            raise ValueError("pairs need the class-balanced sampler (data.sampler.name)")
        return self

    @model_validator(mode="after")
    def _valid_attack_weights(self) -> SamplerConfig:
        if self.attack_weights and self.name != "class-balanced":
            raise ValueError("attack_weights need the class-balanced sampler (data.sampler.name)")
        bad = [a for a, w in self.attack_weights.items() if not w > 0]
        if bad:
            raise ValueError(f"attack_weights must be positive (got {bad})")
        return self

    @model_validator(mode="after")
    def _known_strata(self) -> SamplerConfig:
        if self.strata is None:
            return self
        from spoofscope.training.strata import STRATA

        if self.strata not in STRATA.names():
            raise ValueError(f"unknown strata '{self.strata}'; choose one of {STRATA.names()}")
        if self.name != "class-balanced":
            raise ValueError("strata need the class-balanced sampler (data.sampler.name)")
        return self


class ExtraTrainConfig(Section):
    """More training utterances from another corpus root, added to the training split.

    Made for ``spoofscope corpus vocode``'s copies (:mod:`spoofscope.localspoof.vocoded`): spoofs
    rendered from the training recordings, kept out of the build so that dev and eval stay as
    built. ``data.attacks`` and ``data.max_train_files`` apply to them as to the rest.
    """

    corpus: str
    root: str
    split: str = "train"


class DataConfig(Section):
    """Which corpus, how utterances become fixed-length training crops, and how batches form."""

    corpus: str
    root: str
    train_split: str = "train"
    dev_split: str = "dev"
    sample_rate: int = Field(16000, gt=0)
    crop: Literal["random", "first", "centre"] = "random"
    #: 64 600 samples ≈ 4 s at 16 kHz, the AASIST / RawNet2 input length (clovaai/aasist configs)
    crop_samples: int = Field(64600, gt=0)
    pad: Literal["repeat", "zero"] = "repeat"
    batch_size: int = Field(32, gt=0)
    eval_batch_size: int | None = Field(None, gt=0)
    workers: int = Field(0, ge=0)
    sampler: SamplerConfig = SamplerConfig()
    max_train_files: int | None = Field(None, gt=0, description="seeded subset, both classes")
    #: spoof attacks train and dev keep (bona fide always stays); None keeps every attack. A
    #: leave-attacks-out protocol on a corpus whose train split holds more attacks than it wants.
    attacks: list[str] | None = Field(None, min_length=1)
    max_dev_files: int | None = Field(None, gt=0)
    extra_train: list[ExtraTrainConfig] = []
    #: a feature-cache folder: training reads the front-end's cached output, cropped in frames,
    #: instead of decoding and transforming every crop of every epoch (dev scoring still reads
    #: audio). The training split is extracted into it first; entries there are reused.
    feature_cache: str | None = None


class ModelConfig(Section):
    """A registered model name and its constructor parameters (defaults = the paper's).

    ``init`` starts training from trained weights instead of a random initialisation
    (fine-tuning): a checkpoint directory or a pretrained name (``aasist-19la``). Its architecture
    and parameters must be the recipe's; only ``crop_samples`` may differ.
    """

    name: str
    params: dict[str, Any] = {}
    init: str | None = None


class LossConfig(Section):
    """A registered loss and its parameters.

    ``auto_weight`` sets the class weights from the training split's counts (inverse frequency),
    for losses whose constructor takes ``weight`` ([spoof, bonafide]) or ``pos_weight``.
    """

    name: str = "cross-entropy"
    params: dict[str, Any] = {}
    auto_weight: bool = False


class OptimConfig(Section):
    """Optimiser: Adam, AdamW or SGD."""

    name: Literal["adam", "adamw", "sgd"] = "adam"
    lr: float = Field(1e-4, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    momentum: float = Field(0.9, ge=0)


class ScheduleConfig(Section):
    """Learning-rate schedule, applied per optimiser step.

    ``cosine``: from lr to ``min_lr`` over the phase's steps; ``warmup-linear``: linear rise over
    ``warmup_steps`` then linear decay to 0; ``step``: × ``gamma`` every ``step_epochs`` epochs.
    """

    name: Literal["none", "cosine", "warmup-linear", "step"] = "none"
    warmup_steps: int = Field(0, ge=0)
    min_lr: float = Field(0.0, ge=0)
    step_epochs: int = Field(10, gt=0)
    gamma: float = Field(0.1, gt=0, le=1)


class EarlyStoppingConfig(Section):
    """Stop a phase when the dev metric has not improved for ``patience`` epochs (None = never)."""

    metric: Literal["dev_eer", "dev_loss"] = "dev_eer"
    patience: int | None = Field(None, gt=0)


TRAINABLE = re.compile(r"^(head|all|top:[1-9][0-9]*)$")


class PhaseConfig(Section):
    """One phase of a freezing schedule (two-phase transfer learning: head, then top N layers).

    ``trainable``: ``head`` (only the model's head), ``top:N`` (the head and the last N
    parameterised layers), ``all``. ``lr`` overrides ``optim.lr`` for the phase.
    """

    epochs: int = Field(gt=0)
    trainable: str = "all"
    lr: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _trainable(self) -> PhaseConfig:
        if not TRAINABLE.match(self.trainable):
            raise ValueError(f"trainable must be head, all or top:N (got '{self.trainable}')")
        return self


class TrainConfig(Section):
    """Epochs, steps, clipping, precision, early stopping, seed and the freezing schedule."""

    epochs: int = Field(100, gt=0)
    max_steps: int | None = Field(None, gt=0, description="stop after this many optimiser steps")
    grad_clip: float | None = Field(None, gt=0)
    amp: bool = True  # float16 mixed precision, only ever used on CUDA
    #: bfloat16 autocast for CPU training steps. An LCNN step runs ~1.6x faster on an
    #: AVX512-BF16 CPU; a CPU without bf16 kernels trains in float32 instead.
    cpu_bf16: bool = False
    #: Score dev under the training steps' autocast (bfloat16 / float16) instead of float32. The
    #: per-epoch dev pass was ~30% of a LocalSpoof epoch in float32. The best epoch, and the
    #: card's threshold and calibration, then come from those scores; ``spoofscope evaluate``
    #: still scores in float32. Off by default so that earlier recipes reproduce their runs.
    dev_autocast: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    seed: int = 1234
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    phases: list[PhaseConfig] = []
    log_every: int = Field(10, gt=0)

    @model_validator(mode="after")
    def _phases_define_epochs(self) -> TrainConfig:
        if self.phases and "epochs" in self.model_fields_set:
            total = sum(p.epochs for p in self.phases)
            if total != self.epochs:
                raise ValueError(
                    f"epochs ({self.epochs}) differs from the phases' sum ({total}); give one"
                )
        return self

    @property
    def schedule_phases(self) -> list[PhaseConfig]:
        """The phases to run: the configured ones, or one ``all`` phase of ``epochs``."""
        return list(self.phases) or [PhaseConfig(epochs=self.epochs, trainable="all")]


#: how ``spoofscope evaluate`` turns a file into a score; ``windows`` (the Detector's loop) is the default


class EvalConfig(Section):
    """How ``spoofscope evaluate`` scores this recipe's run unless told otherwise: the split and
    the crop (``windows`` = crop-length windows at half overlap, averaged, as the Detector scores;
    ``first`` = the official AASIST first ``data.crop_samples`` samples, tiled when shorter;
    ``centre``; ``full`` = the whole utterance in one pass)."""

    split: str = "eval"
    crop: EvalCrop = "windows"
    batch_size: int = Field(32, gt=0)
    max_files: int | None = Field(None, gt=0)


class RunConfig(Section):
    """A whole recipe."""

    name: str = ""
    description: str = ""
    data: DataConfig
    model: ModelConfig
    loss: LossConfig = LossConfig()
    optim: OptimConfig = OptimConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    train: TrainConfig = TrainConfig()
    augment: list[dict[str, Any]] = []
    #: transforms of the front-end's output (SpecAugment), applied in training only
    feature_augment: list[dict[str, Any]] = []
    eval: EvalConfig = EvalConfig()

    @model_validator(mode="after")
    def _even_pair_batch(self) -> RunConfig:
        if self.data.sampler.pairs is not None and self.data.batch_size % 2:
            raise ValueError(
                f"data.batch_size must be even with data.sampler.pairs (got {self.data.batch_size})"
            )
        return self

    @model_validator(mode="after")
    def _cache_without_waveform_augment(self) -> RunConfig:
        if self.data.feature_cache is not None and self.augment:
            raise ValueError(
                "data.feature_cache serves features computed once per file, which waveform "
                "augmentation (augment) would change on every draw; drop augment or use "
                "feature_augment (SpecAugment), which masks the cached features"
            )
        return self

    @model_validator(mode="after")
    def _pk_batch(self) -> RunConfig:
        sampler = self.data.sampler
        if sampler.name == "pk" and self.data.batch_size != 2 * sampler.P * sampler.K:
            # The batch size is 2·P·K by definition; keep the two in step instead of failing.
            object.__setattr__(self.data, "batch_size", 2 * sampler.P * sampler.K)
        return self

    def to_yaml(self) -> str:
        """The resolved recipe as YAML (what ``RUN_DIR/config.yaml`` holds)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


# --- loading -----------------------------------------------------------------------------------


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a recipe file, or a recipe shipped in the package by its name, following ``extends:``.

    ``path`` is a YAML file when one exists there, else the ``name:`` of a packaged recipe
    (``aasist-19la``; ``spoofscope recipes list`` shows them).

    Raises:
        ConfigError: neither a file nor a packaged recipe (the message names close matches); the
            file is not YAML, is not a mapping, or extends itself.
    """
    path = Path(path)
    if not path.is_file():
        from spoofscope.recipes import find_recipe

        path = find_recipe(str(path))
    return _read_yaml(path, ())


def _read_yaml(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    path = path.resolve()
    if path in chain:
        raise ConfigError(path, "recipe extends itself (an 'extends:' loop)")
    if not path.is_file():
        raise ConfigError(path, "recipe file not found")
    try:
        # the one text reader: a non-UTF-8 recipe is a typed error naming its line
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, "a recipe must be a mapping of sections")
    parents = data.pop("extends", None)
    if parents is None:
        return deep_merge({}, data)  # drops the `key!` marks of a file that extends nothing
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else list(parents):
        merged = deep_merge(merged, _read_yaml(path.parent / str(parent), (*chain, path)))
    return deep_merge(merged, data)


#: a key written with this mark after it (``frontend_params!:``) replaces what it extends whole
REPLACE_MARK = "!"


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``top``; mappings merge key by key, anything else is replaced.

    A key of ``top`` written ``key!`` replaces ``base``'s ``key`` whole, mapping or not: a recipe
    that extends an MFCC-image recipe but reads another front-end states
    ``frontend_params!: {...}`` so that no image parameter is merged into it. The mark is dropped
    from the result, at every depth.
    """
    out = dict(base)
    for key, value in top.items():
        name = str(key)
        if name.endswith(REPLACE_MARK):
            out[name.removesuffix(REPLACE_MARK)] = _unmarked(value)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = _unmarked(value)
    return out


def _unmarked(value: Any) -> Any:
    """``value`` with the replace marks of its mappings' keys dropped."""
    return deep_merge({}, value) if isinstance(value, Mapping) else value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply ``section.key=value`` overrides; values are read as YAML (``1e-3``, ``[0.1, 0.9]``).

    A mapping given where the recipe holds a mapping merges into it, key by key and at every
    depth, as ``extends:`` merges files: ``model.params.frontend_params={drop: [1]}`` keeps the
    recipe's ``n_mfcc: 13``, which a leave-one-coefficient-out study depends on. Lists and other
    values replace. ``section.key!=value`` replaces whatever is there, a mapping included.

    Raises:
        ConfigError: an override has no ``=`` or an empty key.
    """
    out = deep_merge({}, data)
    for item in overrides:
        dotted, sep, text = item.partition("=")
        dotted = dotted.strip()
        replace = dotted.endswith(REPLACE_MARK)
        dotted = dotted.removesuffix(REPLACE_MARK).strip()
        if not sep or not dotted:
            raise ConfigError(f"--set {item}", "expected section.key=value (or section.key!=value)")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        keys = dotted.split(".")
        node = out
        for key in keys[:-1]:
            child = node.get(key)
            node[key] = dict(child) if isinstance(child, Mapping) else {}
            node = node[key]
        old = node.get(keys[-1])
        merge = not replace and isinstance(value, Mapping) and isinstance(old, Mapping)
        node[keys[-1]] = deep_merge(old, value) if merge else _unmarked(value)
    return out


def validate(data: Mapping[str, Any], *, need_root: bool = True) -> RunConfig:
    """Build a :class:`RunConfig` and check registry names and (``need_root``) the corpus root.

    ``need_root=False`` is for callers that only build the recipe's model (pricing a step in
    ``benchmarks/models.py``), which must not need the corpus on disk.

    Raises:
        ConfigError: a key is unknown, a value has the wrong type or is out of range (the message
            names the first offending key and the allowed values or keys).
        UnknownNameError: the corpus, model or loss name is not registered (lists the names).
        CorpusError: ``need_root`` and the corpus root does not exist.
    """
    try:
        cfg = RunConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise _config_error(exc) from None
    check_names(cfg, need_root=need_root)
    return cfg


def load_config(
    path: str | Path, overrides: Sequence[str] = (), *, need_root: bool = True
) -> RunConfig:
    """Read, override and validate a recipe (see :func:`validate` for what is raised)."""
    return validate(apply_overrides(read_yaml(path), overrides), need_root=need_root)


def check_names(cfg: RunConfig, *, need_root: bool = True) -> None:
    """Fail on unknown corpus / model / loss names and on a missing corpus root or init.

    Raises:
        UnknownNameError: an unknown name (the message lists the registered ones).
        CorpusError: ``need_root`` and the corpus root does not exist.
        ConfigError: ``need_root`` and ``model.init`` names neither a directory nor a
            pretrained model.
    """
    from spoofscope.corpora import CORPORA
    from spoofscope.losses import LOSSES
    from spoofscope.models import MODELS

    # Registries are read statically here (known_names): importing their modules would pull
    # in torch, and a bad recipe must fail in well under a second.
    extras = cfg.data.extra_train
    for kind, name, registry in (
        ("corpus", cfg.data.corpus, CORPORA),
        *(("corpus", extra.corpus, CORPORA) for extra in extras),
        ("model", cfg.model.name, MODELS),
        ("loss", cfg.loss.name, LOSSES),
    ):
        if name not in registry.known_names():
            raise UnknownNameError(kind, name, sorted(registry.known_names()))
    _check_augment_names(cfg)
    _check_frontend_params(cfg)
    if not need_root:
        return
    init = cfg.model.init
    # named models sit in the package's data (spoofscope.models.pretrained, which imports torch)
    shipped = resources.files("spoofscope") / "data" / "pretrained"
    if init is not None and not (Path(init).is_dir() or Path(str(shipped / init)).is_dir()):
        raise ConfigError("model.init", f"{init}: not a checkpoint directory or pretrained name")
    roots = [("data.root", cfg.data.root)]
    roots += [(f"data.extra_train.{i}.root", extra.root) for i, extra in enumerate(extras)]
    for key, root in roots:
        if not Path(root).exists():
            raise CorpusError(root, f"corpus root does not exist ({key})")


#: recipe list → (registry variable in spoofscope.audio.augment, what its entries are)
_AUGMENT_LISTS = {
    "augment": ("AUGMENTATIONS", "augmentation"),
    "feature_augment": ("FEATURE_AUGMENTATIONS", "feature augmentation"),
}


def _check_augment_names(cfg: RunConfig) -> None:
    """Fail on an augmentation entry without a name, an unknown one, or an unknown codec.

    The trainer builds these lists only after it has read the corpus; the names are read from
    the source here (importing the augmentations would pull in torch) so that a typo fails at
    once. Arguments are checked when the lists are built.
    """
    from spoofscope.registry import declared_names

    codecs = declared_names("spoofscope.audio.channel")
    for key, (owner, kind) in _AUGMENT_LISTS.items():
        known = declared_names("spoofscope.audio.augment", owner)
        for i, entry in enumerate(getattr(cfg, key)):
            name = entry.get("name")
            if name is None:
                raise ConfigError(f"{key}[{i}]", "missing 'name'")
            if name not in known:
                raise UnknownNameError(kind, str(name), sorted(known))
            for codec in entry.get("codecs", ()) if name == "codec" else ():
                if codec not in codecs:
                    raise UnknownNameError("codec", str(codec), sorted(codecs))


#: what every front-end takes besides its own ``defaults`` (FrontEnd.__init__, build_frontend)
_FRONTEND_COMMON = frozenset({"sample_rate", "norm"})


def _check_frontend_params(cfg: RunConfig) -> None:
    """Fail on a ``model.params.frontend_params`` key that the model's front-end does not take.

    Since ``--set`` merges mappings, a misspelt key (``n_mfc``) would otherwise sit beside the
    recipe's own until the model is built. The front-end is ``model.params.frontend`` or the
    model's default; its parameters are the keys of its ``defaults``, read from the source as the
    registry names are. Where the source does not say (a default computed at run time), this
    passes and constructing the model checks the keys instead.

    Raises:
        UnknownNameError: ``model.params.frontend`` is not a registered front-end.
        ConfigError: a key the front-end does not take (the message lists those it does).
    """
    from spoofscope.registry import declared_names

    params = cfg.model.params.get("frontend_params")
    if not isinstance(params, Mapping):
        return
    name = cfg.model.params.get("frontend") or _default_frontend(cfg.model.name)
    if name is None:
        return
    if name not in declared_names("spoofscope.features"):
        raise UnknownNameError(
            "front-end", str(name), sorted(declared_names("spoofscope.features"))
        )
    accepted = _frontend_parameters(str(name))
    unknown = sorted(set(params) - accepted) if accepted is not None else []
    if unknown:
        taken = ", ".join(sorted(accepted - _FRONTEND_COMMON))  # type: ignore[operator]
        raise ConfigError(
            f"model.params.frontend_params.{unknown[0]}",
            f"front-end '{name}' takes no such parameter; it takes: {taken}",
        )


@cache
def _package_trees(package: str) -> tuple[ast.Module, ...]:
    """The parsed modules of ``package`` (its source files, none imported)."""
    spec = find_spec(package)
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    return tuple(
        ast.parse(source.read_text(encoding="utf-8"))
        for folder in folders
        for source in sorted(Path(folder).rglob("*.py"))
    )


def _registered_classes(package: str) -> dict[str, ast.ClassDef]:
    """Registry name → class definition, for the ``register*("name")`` decorators of a package."""
    out = {}
    for tree in _package_trees(package):
        for node in ast.walk(tree):
            for deco in (
                getattr(node, "decorator_list", []) if isinstance(node, ast.ClassDef) else []
            ):
                func = deco.func if isinstance(deco, ast.Call) else None
                fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = deco.args[0] if isinstance(deco, ast.Call) and deco.args else None
                if fname.startswith("register") and isinstance(first, ast.Constant):
                    out[str(first.value)] = node
    return out


def _default_frontend(model: str) -> str | None:
    """The string default of the model constructor's ``frontend`` argument, if it has one."""
    cls = _registered_classes("spoofscope.models").get(model)
    init = (
        next((n for n in cls.body if getattr(n, "name", "") == "__init__"), None) if cls else None
    )
    if not isinstance(init, ast.FunctionDef):
        return None
    args = init.args.args[len(init.args.args) - len(init.args.defaults) :]
    for arg, default in zip(args, init.args.defaults, strict=True):
        if arg.arg == "frontend" and isinstance(default, ast.Constant):
            return default.value if isinstance(default.value, str) else None
    return None


def _frontend_parameters(name: str) -> frozenset[str] | None:
    """The parameter names front-end ``name`` takes, or None where its source does not say.

    A front-end's parameters are the keys of its class attribute ``defaults``: a dict literal
    whose ``**NAME`` entries name module-level dicts of the package (``STFT_DEFAULTS``), or
    inherited from a base class of the package.
    """
    trees = _package_trees("spoofscope.features")
    classes = {n.name: n for t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)}
    tables = {
        target.id: node.value
        for tree in trees
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }

    def keys(expr: ast.expr) -> set[str]:
        if isinstance(expr, ast.Name) and expr.id in tables:
            return keys(tables[expr.id])
        if not isinstance(expr, ast.Dict):
            raise LookupError(ast.dump(expr))
        out: set[str] = set()
        for key, value in zip(expr.keys, expr.values, strict=True):
            out |= keys(value) if key is None else {str(ast.literal_eval(key))}
        return out

    def defaults(cls: ast.ClassDef) -> set[str]:
        for node in cls.body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "defaults" for t in targets):
                return keys(node.value)
        bases = [classes[b.id] for b in cls.bases if isinstance(b, ast.Name) and b.id in classes]
        if not bases:
            raise LookupError(cls.name)
        return set().union(*(defaults(b) for b in bases))

    cls = _registered_classes("spoofscope.features").get(name)
    try:
        return frozenset(defaults(cls)) | _FRONTEND_COMMON if cls else None
    except (LookupError, ValueError):
        return None


def _config_error(exc: ValidationError) -> ConfigError:
    """The first pydantic error as one ConfigError naming the dotted key and what is allowed."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(p) for p in first["loc"]]
    key = ".".join(loc) or "recipe"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        why = f"unknown key; allowed keys here: {', '.join(allowed)}"
    elif first["type"] == "missing":
        why = "required key is missing"
    else:
        got = first.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        why = first["msg"].replace("Value error, ", "").rstrip(".") + shown
    return ConfigError(key, why + more)


def _allowed_keys(loc: list[str]) -> list[str]:
    """Field names of the section model found by walking ``loc`` from :class:`RunConfig`."""
    model: type[BaseModel] = RunConfig
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
            continue
        # A list of sections (train.phases.0): the element model.
        args = getattr(annotation, "__args__", ())
        inner = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if inner is None and part.isdigit():
            continue
        if inner is None:
            break
        model = inner
    return list(model.model_fields)
