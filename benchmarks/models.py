"""Speed of every registered model on CPU: parameters, FLOPs, utterances/s at batch 1 and 8.

For AASIST and AASIST-L it also measures the fast path against the plain (official-order) path in
the same run, interleaved, and — when ``AASIST_OFFICIAL_DIR`` points to a checkout of
github.com/clovaai/aasist — against the official ``models/AASIST.py``. Settings follow the reference
timing (``../shared/reference/aasist/timing.json``): ``torch.set_num_threads(2)``,
``inference_mode``, 4-second input (64600 samples), warm-up runs, median of timed runs.

``--train`` times one training step instead (forward, backward and Adam on a batch of 16 crops of
3 s, as the LocalSpoof recipes train), and for LCNN compares its Max-Feature-Map backward with
plain autograd through ``torch.maximum`` in the same run; where the CPU has bfloat16 kernels it
also times the step under bfloat16 autocast (the recipes' ``train.cpu_bf16``).

``--train --recipes A.yaml,B.yaml`` times the models of whole recipes (their ``model`` section,
under bfloat16 where the recipe asks for it and the CPU has it) interleaved in one run, and prints
each step's time as a ratio to the first recipe's: the way to price a front-end or width change
before training it.

Usage: ``python benchmarks/models.py [--quick] [--train] [--models aasist,lcnn] [--recipes ...]``.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from spoofscope.models import MODELS
from spoofscope.models.stand_ins import stand_in_params
from spoofscope.training.precision import cpu_has_bf16


def flops(model: torch.nn.Module, wave: torch.Tensor) -> int:
    """Forward FLOPs of one call (matmul/conv-family ops, as FlopCounterMode counts them)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(wave)
    return counter.get_total_flops()


def median_seconds(
    fns: dict[str, Callable[[], object]], warmup: int, runs: int, inference: bool = True
) -> dict[str, float]:
    """Median wall time per call of each function, runs interleaved so load drifts hit all alike."""
    with torch.inference_mode(inference):
        for fn in fns.values():
            for _ in range(warmup):
                fn()
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(runs):
            for key, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def official_model(arch: str) -> torch.nn.Module | None:
    """The official AASIST model from ``$AASIST_OFFICIAL_DIR`` with the same weights, or None."""
    root = os.environ.get("AASIST_OFFICIAL_DIR")
    if not root:
        return None
    spec = importlib.util.spec_from_file_location(
        "aasist_official", Path(root) / "models" / "AASIST.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    config = MODELS.get(arch).default_config()
    model = module.Model({"architecture": "AASIST", **config})
    model.load_state_dict(MODELS.get(arch)().state_dict(), strict=False)
    return model.eval()


def train_step(
    model: torch.nn.Module, wave: torch.Tensor, autocast: torch.dtype | None = None
) -> Callable[[], object]:
    """One optimiser step of ``model`` on ``wave`` with random labels (cross-entropy, Adam),
    under CPU autocast to ``autocast`` when given."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    labels = torch.randint(0, 2, (len(wave),))

    def step() -> object:
        with torch.autocast("cpu", dtype=autocast, enabled=autocast is not None):
            logits = model(wave)
        loss = torch.nn.functional.cross_entropy(logits.float(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    return step


def plain_grad_copy(model: torch.nn.Module) -> torch.nn.Module | None:
    """A copy of ``model`` whose Max-Feature-Maps use plain autograd, or None if it has none."""
    clone = copy.deepcopy(model)
    mfms = [m for m in clone.modules() if hasattr(m, "fast_grad")]
    for m in mfms:
        m.fast_grad = False
    return clone if mfms else None


def train_rows(names: list[str], samples: int, batch: int, warmup: int, runs: int) -> None:
    """Print seconds per training step for each model (and fast/plain MFM ratios)."""
    print(f"training step: batch {batch} x {samples} samples, threads 2, median of {runs}")
    for name in names:
        model = MODELS.get(name)(**stand_in_params(name))
        wave = torch.randn(batch, samples) * 0.05
        fns: dict[str, Callable[[], object]] = {"model": train_step(model, wave)}
        plain = plain_grad_copy(model)
        if plain is not None:
            fns["plain"] = train_step(plain, wave)
        if cpu_has_bf16():
            fns["bf16"] = train_step(copy.deepcopy(model), wave, torch.bfloat16)
        t = median_seconds(fns, warmup, runs, inference=False)
        row = f"{name:<18} {t['model']:>8.3f} s/step"
        if "plain" in t:
            row += (
                f"  MFM grad fast/plain {t['plain'] / t['model']:.2f}x ({t['plain']:.3f} s plain)"
            )
        if "bf16" in t:
            row += f"  fp32/bf16 {t['model'] / t['bf16']:.2f}x ({t['bf16']:.3f} s bf16)"
        print(row, flush=True)


def recipe_rows(paths: list[str], samples: int, batch: int, warmup: int, runs: int) -> None:
    """Print seconds per training step of each recipe's model, interleaved, as ratios to the first."""
    from spoofscope.training.build import build_model
    from spoofscope.training.config import load_config

    print(f"training step: batch {batch} x {samples} samples, threads 2, median of {runs}")
    wave = torch.randn(batch, samples) * 0.05
    fns: dict[str, Callable[[], object]] = {}
    for path in paths:
        cfg = load_config(path, need_root=False)  # times the model only: no corpus needed
        bf16 = cfg.train.cpu_bf16 and cpu_has_bf16()
        fns[path] = train_step(build_model(cfg), wave, torch.bfloat16 if bf16 else None)
    t = median_seconds(fns, warmup, runs, inference=False)
    first = t[paths[0]]
    for path in paths:
        print(f"{path}  {t[path]:.3f} s/step  {t[path] / first:.2f}x the first", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI size: 1 s input, 1 warm-up, 1 run")
    parser.add_argument("--models", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--train", action="store_true", help="time training steps instead")
    parser.add_argument("--recipes", default=None, help="with --train: comma-separated recipes")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if args.train:
        names = args.models.split(",") if args.models else ["lcnn"]
        shape = (4, 16000, 1, 1) if args.quick else (16, 48000, 2, 7)
        if args.recipes:
            recipe_rows(args.recipes.split(","), shape[1], shape[0], shape[2], shape[3])
            return 0
        train_rows(names, samples=shape[1], batch=shape[0], warmup=shape[2], runs=shape[3])
        return 0
    samples, warmup, runs, batches = (16000, 1, 1, (1, 2)) if args.quick else (64600, 2, 5, (1, 8))
    names = args.models.split(",") if args.models else MODELS.names()
    print(f"input {samples} samples, threads 2, warm-up {warmup}, median of {runs}")
    header = f"{'model':<18} {'params':>11} {'GFLOPs/utt':>11}"
    header += "".join(f" {f'utt/s b{b}':>10}" for b in batches)
    print(header + "  ratios")
    for name in names:
        model = MODELS.get(name)(**stand_in_params(name)).eval()
        gflops = flops(model, torch.randn(1, samples) * 0.05) / 1e9
        row = f"{name:<18} {model.num_parameters():>11,} {gflops:>11.2f}"
        ratios = []
        for batch in batches:
            wave = torch.randn(batch, samples) * 0.05
            fns: dict[str, Callable[[], object]] = {"model": lambda m=model, w=wave: m(w)}
            if name in ("aasist", "aasist-l"):
                fast = MODELS.get(name)(fast=True).eval()
                fast.load_state_dict(model.state_dict())
                fns["fast"] = lambda m=fast, w=wave: m(w)
                official = official_model(name)
                if official is not None:
                    fns["official"] = lambda m=official, w=wave: m(w)
            t = median_seconds(fns, warmup, runs)
            row += f" {batch / t['model']:>10.2f}"
            if "fast" in t:
                ratios.append(f"b{batch} fast/plain {t['model'] / t['fast']:.2f}x")
                if "official" in t:
                    ratios.append(f"b{batch} fast/official {t['official'] / t['fast']:.2f}x")
                ratios.append(f"b{batch} fast {batch / t['fast']:.2f} utt/s")
        print(row + ("  " + "; ".join(ratios) if ratios else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
