"""What a study trains: variants of one recipe, each a set of ``--set`` overrides.

An ablation variant is the set of cepstral coefficients its front-end keeps (1-based, as papers
number them). Its name depends on that set alone — ``all``, ``drop-04`` (everything but c4),
``keep-04-12`` (only c4 and c12), whichever list is shorter — so the same set reached by two
modes (leave-one-out and the first round of backward selection) is the same run directory and is
trained once. A feature variant names the front-end a model reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spoofscope.errors import ConfigError

#: the modes that retrain one variant per coefficient set known in advance
FIXED_MODES = ("lofo", "keep-one", "groups")
#: the modes that choose the next variants from the results of the last round
GREEDY_MODES = ("greedy-forward", "greedy-backward")
MODES = FIXED_MODES + GREEDY_MODES
GROUP_MODES = ("drop", "keep")


@dataclass(frozen=True)
class Variant:
    """One thing a study trains: a name (its run folder), a label for tables and its overrides.

    ``kept`` is the coefficient set of an ablation variant (empty for a feature variant);
    ``baseline`` marks the variant the others are compared with.
    """

    name: str
    label: str
    overrides: tuple[str, ...]
    kept: tuple[int, ...] = ()
    baseline: bool = False
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def parse_coefficients(text: str) -> tuple[int, ...]:
    """``"1-13"`` or ``"1,4,12"`` or ``"2-5,9"`` → sorted 1-based coefficient numbers.

    Raises:
        ConfigError: malformed text, a number below 1, a reversed range, or a repeat.
    """
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if match is None:
            raise ConfigError(f"coefficients '{text}'", f"'{part}' is not N or N-M")
        low, high = int(match[1]), int(match[2] or match[1])
        if low < 1 or high < low:
            raise ConfigError(f"coefficients '{text}'", f"'{part}' is not a range of c1 and up")
        out.extend(range(low, high + 1))
    if len(set(out)) != len(out):
        raise ConfigError(f"coefficients '{text}'", "a coefficient is listed twice")
    return tuple(sorted(out))


def parse_groups(text: str, coefficients: Sequence[int]) -> list[tuple[int, ...]]:
    """``"1;2-5;6-9;10-13"`` → groups of coefficients, each inside ``coefficients``.

    Raises:
        ConfigError: a malformed group, a coefficient outside the study, or one in two groups.
    """
    groups = [parse_coefficients(g) for g in text.split(";") if g.strip()]
    if not groups:
        raise ConfigError("--groups", "no group given")
    outside = sorted({c for g in groups for c in g} - set(coefficients))
    if outside:
        raise ConfigError("--groups", f"coefficients {outside} are not in --coefficients")
    flat = [c for g in groups for c in g]
    if len(set(flat)) != len(flat):
        raise ConfigError("--groups", "a coefficient is in two groups")
    return groups


def _numbers(values: Sequence[int]) -> str:
    return "-".join(f"{c:02d}" for c in values)


def subset_name(kept: Sequence[int], coefficients: Sequence[int]) -> str:
    """The run-folder name of the variant keeping ``kept`` of ``coefficients``."""
    kept = sorted(kept)
    removed = [c for c in coefficients if c not in kept]
    if not removed:
        return "all"
    if len(removed) <= len(kept):
        return f"drop-{_numbers(removed)}"
    return f"keep-{_numbers(kept)}"


def subset_label(kept: Sequence[int], coefficients: Sequence[int]) -> str:
    """What a table shows for the variant: ``all``, ``-c4``, ``-c2..5`` or ``c4+c12``."""
    removed = [c for c in coefficients if c not in kept]
    if not removed:
        return "all"
    if len(removed) <= len(kept):
        return "-" + "-".join(f"c{c}" for c in removed)
    return "+".join(f"c{c}" for c in sorted(kept))


@dataclass(frozen=True)
class Selection:
    """Where a recipe's coefficient selection lives and which coefficients a study varies.

    ``key`` is the dotted recipe key of the cepstral front-end's parameters:
    ``model.params.frontend_params`` when the model reads the front-end directly, its
    ``source_params`` when an ``image`` front-end renders it.
    """

    key: str
    coefficients: tuple[int, ...]

    def variant(self, kept: Sequence[int], baseline: bool = False) -> Variant:
        """The variant keeping ``kept`` (``keep`` set, ``drop`` cleared, other keys merged)."""
        kept = tuple(sorted(kept))
        if not kept:
            raise ConfigError("variant", "no coefficient left")
        listed = "[" + ", ".join(str(c) for c in kept) + "]"
        override = f"{self.key}={{keep: {listed}, drop: null}}"
        return Variant(
            subset_name(kept, self.coefficients),
            subset_label(kept, self.coefficients),
            (override,),
            kept,
            baseline,
        )

    def baseline(self) -> Variant:
        return self.variant(self.coefficients, baseline=True)


def locate_selection(
    recipe: Mapping[str, Any], features: str, coefficients: Sequence[int]
) -> Selection:
    """Find the front-end named ``features`` in a resolved recipe (dict) and check the study's
    coefficients fit its coefficient count.

    Raises:
        ConfigError: the recipe's model reads another front-end, or a coefficient is past the
            number the front-end computes.
    """
    params = recipe.get("model", {}).get("params", {}) or {}
    frontend = params.get("frontend")
    fparams = params.get("frontend_params") or {}
    if frontend == features:
        key, own = "model.params.frontend_params", fparams
    elif frontend == "image" and fparams.get("source") == features:
        key, own = "model.params.frontend_params.source_params", fparams.get("source_params") or {}
    else:
        shown = frontend if frontend != "image" else f"image of {fparams.get('source')}"
        raise ConfigError(
            "--features", f"the recipe's model reads '{shown}', not '{features}' (model.params)"
        )
    count = own.get(f"n_{features}")
    if count is None:
        count = _frontend_default(features, f"n_{features}")
    if count is not None and max(coefficients) > int(count):
        raise ConfigError(
            "--coefficients", f"c{max(coefficients)} asked, the {features} front-end has {count}"
        )
    return Selection(key, tuple(coefficients))


def _frontend_default(name: str, key: str) -> int | None:
    from spoofscope.features import FRONTENDS

    value = getattr(FRONTENDS.get(name), "defaults", {}).get(key)
    return int(value) if value is not None else None


def fixed_variants(
    selection: Selection,
    mode: str,
    groups: Sequence[Sequence[int]] = (),
    groups_mode: str = "drop",
) -> list[Variant]:
    """The variants of a fixed mode, baseline first.

    ``lofo``: every coefficient left out in turn; ``keep-one``: every coefficient alone;
    ``groups``: every group left out (``groups_mode="drop"``) or alone (``"keep"``).

    Raises:
        ConfigError: an unknown mode or groups mode, or ``groups`` without groups.
    """
    coefficients = selection.coefficients
    if mode == "lofo":
        sets = [[c for c in coefficients if c != d] for d in coefficients]
    elif mode == "keep-one":
        sets = [[c] for c in coefficients]
    elif mode == "groups":
        if not groups:
            raise ConfigError("--groups", "mode groups needs --groups (e.g. '1;2-5;6-9;10-13')")
        if groups_mode not in GROUP_MODES:
            raise ConfigError("--groups-mode", f"choose one of {', '.join(GROUP_MODES)}")
        if groups_mode == "keep":
            sets = [list(g) for g in groups]
        else:
            sets = [[c for c in coefficients if c not in g] for g in groups]
    else:
        raise ConfigError("--mode", f"'{mode}' is not one of {', '.join(FIXED_MODES)}")
    baseline = selection.baseline()
    variants = [baseline]
    for kept in sets:
        variant = selection.variant(kept)
        if variant.name != baseline.name and variant not in variants:
            variants.append(variant)
    return variants


@dataclass
class GreedyState:
    """A forward or backward selection in progress: the chosen set and the rounds so far.

    Each round tries every coefficient not yet added (forward) or still kept (backward) and
    takes the one whose variant has the lowest mean *dev* EER: choosing on eval would fit the
    selection to the figures it is then reported with.
    """

    direction: str  # "forward" or "backward"
    coefficients: tuple[int, ...]
    size: int | None = None
    target_eer: float | None = None
    chosen: list[int] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    stop_reason: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("forward", "backward"):
            raise ConfigError("--mode", "greedy direction must be forward or backward")
        if self.size is not None and not 1 <= self.size <= len(self.coefficients):
            raise ConfigError("--size", f"must be in 1..{len(self.coefficients)}")
        if not self.chosen and self.direction == "backward":
            self.chosen = list(self.coefficients)

    def candidates(self, selection: Selection) -> list[Variant]:
        """The variants of the next round (empty when the selection is done)."""
        if self.done:
            return []
        if self.direction == "forward":
            sets = [[*self.chosen, c] for c in self.coefficients if c not in self.chosen]
        else:
            sets = [[c for c in self.chosen if c != d] for d in self.chosen]
        return [selection.variant(s) for s in sets if s]

    def advance(self, dev_eer: Mapping[str, float], selection: Selection) -> None:
        """Take the round's best candidate (``dev_eer``: variant name → mean dev EER) and decide
        whether to stop: size reached, target met (forward), target exceeded (backward), or no
        coefficient left to try."""
        options = self.candidates(selection)
        if not options:
            self.done, self.stop_reason = True, "no coefficient left to try"
            return
        best = min(options, key=lambda v: (dev_eer[v.name], v.name))
        eer = float(dev_eer[best.name])
        if self.direction == "backward" and self.target_eer is not None and eer > self.target_eer:
            self.done, self.stop_reason = (
                True,
                f"removing more raises dev EER above {self.target_eer}",
            )
            return
        self.chosen = list(best.kept)
        self.rounds.append(
            {
                "round": len(self.rounds) + 1,
                "chosen": best.name,
                "kept": list(best.kept),
                "dev_eer": eer,
            }
        )
        if self.size is not None and len(self.chosen) == self.size:
            self.done, self.stop_reason = True, f"size {self.size} reached"
        elif self.direction == "forward" and self.target_eer is not None and eer <= self.target_eer:
            self.done, self.stop_reason = True, f"dev EER {eer:.4f} <= target {self.target_eer}"
        elif not self.candidates(selection):
            self.done, self.stop_reason = True, "no coefficient left to try"


def frontend_variants(recipe: Mapping[str, Any], frontends: Sequence[str]) -> list[Variant]:
    """One variant per front-end name, the same model otherwise; the recipe's own front-end
    (or the first listed) is the baseline.

    A model that reads an ``image`` front-end keeps it and renders the named front-end
    (``frontend_params.source``), as seeds/001 drew every input as a 200×200 image; any other
    model reads the named front-end directly. Either way the front-end's parameters are
    replaced whole (``!=``), so no parameter of one front-end reaches another.

    Raises:
        ConfigError: no front-end, a repeated one, or one that is not registered.
    """
    from spoofscope.registry import declared_names

    if not frontends:
        raise ConfigError("--frontends", "no front-end given")
    if len(set(frontends)) != len(frontends):
        raise ConfigError("--frontends", "a front-end is listed twice")
    known = declared_names("spoofscope.features")
    unknown = [f for f in frontends if f not in known]
    if unknown:
        raise ConfigError("--frontends", f"unknown {unknown}; known: {', '.join(sorted(known))}")
    params = recipe.get("model", {}).get("params", {}) or {}
    image = params.get("frontend") == "image"
    own = (params.get("frontend_params") or {}).get("source") if image else params.get("frontend")
    base = own if own in frontends else frontends[0]
    out = []
    for name in frontends:
        if image:
            overrides = (
                f"model.params.frontend_params.source={name}",
                "model.params.frontend_params.source_params!={}",
            )
        else:
            overrides = (f"model.params.frontend={name}", "model.params.frontend_params!={}")
        out.append(Variant(name, name, overrides, baseline=name == base))
    return sorted(out, key=lambda v: not v.baseline)
