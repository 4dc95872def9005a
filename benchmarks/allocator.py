"""What spoofscope's malloc settings (spoofscope.allocator) buy: steps under glibc's defaults
against steps under the tunables, each in a fresh process, paired and interleaved.

Each round starts one process per setting, in alternating order, for each recipe. A process
builds the recipe's model, runs ``--warmup`` steps, then times ``--steps`` steps: a training step
(forward, backward, Adam on ``data.batch_size`` crops of ``data.crop_samples``) or, with
``--score``, a scoring batch (``data.eval_batch_size`` crops under ``inference_mode``, as the dev
pass and the Detector score) or, with ``--detect MODEL``, ``Detector.score`` of a 60-s file of
real speech (the AASIST reference inputs, tiled) with a shipped model, on one thread as
benchmarks/detection.py times it, its step printed as a real-time factor. It reports its median
step and the user and system CPU seconds of the whole process. The ratio of the two settings'
medians is taken within each round, and the median ratio is printed with its range over the
rounds. Two torch threads per process (one with ``--detect``), one process at a time; run it on
otherwise idle cores.

Usage: ``python benchmarks/allocator.py [--rounds 5] [--steps 10] [--score | --detect MODEL]
[RECIPE ...]`` (default recipes: the two members of the shipped default, as retrained on
LocalSpoof v2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from spoofscope.allocator import OPT_OUT, with_tunables

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("SPOOFSCOPE_SHARED", REPO.parent / "shared")) / "reference"
DETECT_SECONDS = 60
DEFAULT_RECIPES = [
    "configs/default/lcnn-localspoof-v2-2s.yaml",
    "configs/default/phasegram512-lcnn-localspoof-v2-paired-2s.yaml",
]

CHILD = """
import json, os, statistics, sys, time
import torch
sys.path.insert(0, {bench!r})
from models import train_step
from spoofscope.training.build import build_model
from spoofscope.training.config import load_config

torch.set_num_threads(1 if {detect!r} else 2)
torch.manual_seed(0)
if {detect!r}:
    import tempfile
    import numpy as np
    import soundfile as sf
    from spoofscope.inference.detector import Detector
    detector = Detector.load({detect!r})
    speech = np.load({inputs!r})[3:].reshape(-1)
    wave = np.tile(speech, {seconds} * 16000 // speech.size + 1)[: {seconds} * 16000]
    path = tempfile.mkdtemp() + "/call.wav"
    sf.write(path, wave, 16000, subtype="PCM_16")
    def step():
        return detector.score(path)
else:
    cfg = load_config({recipe!r}, need_root=False)
    model = build_model(cfg)
    if {score!r}:
        model.eval()
        wave = torch.randn(cfg.data.eval_batch_size, cfg.data.crop_samples) * 0.05
        def step():
            with torch.inference_mode():
                return model(wave)
    else:
        step = train_step(model, torch.randn(cfg.data.batch_size, cfg.data.crop_samples) * 0.05)
for _ in range({warmup}):
    step()
times = []
for _ in range({steps}):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
cpu = os.times()
print(json.dumps({{"median": statistics.median(times), "user": cpu.user, "system": cpu.system}}))
"""


def environments() -> dict[str, dict[str, str]]:
    """The two settings: glibc's defaults and spoofscope's tunables."""
    base = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", OPT_OUT)}
    tuned = with_tunables(base)
    assert tuned is not None
    return {"system": base, "tunables": tuned}


def run_child(recipe: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    """One fresh process's median step and CPU seconds."""
    code = CHILD.format(
        bench=str(REPO / "benchmarks"),
        recipe=recipe,
        score=args.score,
        detect=args.detect,
        inputs=str(REFERENCE / "aasist" / "inputs.npy"),
        seconds=DETECT_SECONDS,
        warmup=args.warmup,
        steps=args.steps,
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", default=DEFAULT_RECIPES)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--score", action="store_true", help="time scoring batches instead")
    parser.add_argument("--detect", metavar="MODEL", help="time Detector.score with MODEL instead")
    args = parser.parse_args(argv)
    envs = environments()
    kind = "scoring batch" if args.score else "training step"
    threads = 2
    if args.detect:
        kind, threads = f"Detector.score of a {DETECT_SECONDS}-s file, {args.detect}", 1
    print(
        f"{kind}; {args.rounds} rounds, {args.warmup} warm-up + {args.steps} timed steps per "
        f"process, {threads} torch thread(s), one process at a time"
    )
    for recipe in [args.detect] if args.detect else args.recipes:
        ratios, rows = [], {name: [] for name in envs}
        for r in range(args.rounds):
            order = list(envs) if r % 2 == 0 else list(envs)[::-1]
            got = {name: run_child(recipe, envs[name], args) for name in order}
            for name in envs:
                rows[name].append(got[name])
            ratios.append(got["system"]["median"] / got["tunables"]["median"])
        print(recipe)
        for name, results in rows.items():
            med = statistics.median(x["median"] for x in results)
            share = statistics.median(x["system"] / (x["user"] + x["system"]) for x in results)
            rtf = f" (RTF {med / DETECT_SECONDS:.4f})" if args.detect else ""
            print(f"  {name:<9} {med:.3f} s/step{rtf}, kernel share of CPU time {share:.0%}")
        print(
            f"  system/tunables: {statistics.median(ratios):.2f}x "
            f"[{min(ratios):.2f}, {max(ratios):.2f}] over {args.rounds} rounds",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
