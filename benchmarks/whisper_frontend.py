"""Cost of the ``whisper`` front-end per 4-s utterance, and what padding to 30 s changes.

Times, per 4-s LocalSpoof utterance at batch 1 on one thread (``OMP_NUM_THREADS=1``,
``torch.set_num_threads(1)``), frozen, interleaved round by round so a busy machine slows all
alike, median over rounds:

* ``ours none``: the front-end as shipped (log-mel, then the encoder on the crop's 200 frames);
* ``ours 30s``: ``padding: 30s`` (the encoder on 1500 frames, as Whisper runs);
* ``ct2 30s``: ctranslate2's ``Whisper.encode`` on the 30-s-padded log-mel (how faster-whisper
  runs the encoder: the alternative a user would otherwise reach for), log-mel time included;
* ``ct2 none``: ctranslate2 on the crop's own frames.

Ratios are against ``ct2 30s``. Then, over the files, how far the un-padded features are from
the 30-s-padded ones (the exact Whisper features) for the encoder output and a middle layer:
relative L2 distance ``|a - b| / |b|`` per utterance, and mean per-frame cosine similarity.

Usage: ``python benchmarks/whisper_frontend.py [--root data/localspoof-small] [--files 12]
[--rounds 5]``; needs the ``whisper`` extra.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

SR, SECONDS = 16000, 4.0


def utterances(root: Path, count: int) -> list[np.ndarray]:
    """``count`` recordings of the corpus at ``root`` (bona fide and spoofed alternately, from
    its manifest), each repeat-padded or cut to 4 s as training crops are."""
    from spoofscope.audio.io import load
    from spoofscope.inference.windows import repeat_pad

    with open(root / "localspoof.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_key = {key: [r for r in rows if r["key"] == key] for key in ("bonafide", "spoof")}
    chosen = [r for pair in zip(by_key["bonafide"], by_key["spoof"], strict=False) for r in pair]
    waves = [np.asarray(load(root / r["path"], sr=SR)) for r in chosen[:count]]
    return [repeat_pad(w, int(SR * SECONDS)).astype(np.float32) for w in waves]


def timers(waves: list[np.ndarray]) -> dict[str, Callable[[np.ndarray], object]]:
    """Name → a call that featurises one utterance."""
    import ctranslate2

    from spoofscope.features import build_frontend
    from spoofscope.features.whisper import whisper_log_mel
    from spoofscope.features.whisper_weights import installed_whisper_dir

    ours = {p: build_frontend("whisper", padding=p).eval() for p in ("none", "30s")}
    ct2 = ctranslate2.models.Whisper(
        str(installed_whisper_dir()), device="cpu", compute_type="float32", intra_threads=1
    )
    fbank = ours["none"].fbank

    def ct2_encode(pad_to: int | None) -> Callable[[np.ndarray], object]:
        def run(wave: np.ndarray) -> object:
            x = torch.from_numpy(wave)[None]
            mel = whisper_log_mel(x, torch.tensor([x.shape[-1]]), fbank, pad_to).numpy()
            return ct2.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mel)))

        return run

    def ours_run(padding: str) -> Callable[[np.ndarray], object]:
        return lambda wave: ours[padding](torch.from_numpy(wave)[None])

    return {
        "ours none": ours_run("none"),
        "ours 30s": ours_run("30s"),
        "ct2 30s": ct2_encode(30 * SR),
        "ct2 none": ct2_encode(None),
    }


def time_all(waves: list[np.ndarray], rounds: int) -> dict[str, float]:
    """Median ms per utterance of each timer, rounds interleaved."""
    calls = timers(waves)
    per_round: dict[str, list[float]] = {name: [] for name in calls}
    with torch.inference_mode():
        for call in calls.values():
            call(waves[0])  # warm-up
        for _ in range(rounds):
            for name, call in calls.items():
                start = time.perf_counter()
                for wave in waves:
                    call(wave)
                per_round[name].append(1000 * (time.perf_counter() - start) / len(waves))
    return {name: statistics.median(values) for name, values in per_round.items()}


def padding_change(waves: list[np.ndarray], layers: tuple[int, ...]) -> dict[int, list[float]]:
    """Per layer: [median, max] relative L2 distance and [median, min] mean frame cosine."""
    from spoofscope.features import build_frontend

    both = {p: build_frontend("whisper", padding=p, layer="all").eval() for p in ("none", "30s")}
    out: dict[int, list[float]] = {}
    with torch.inference_mode():
        feats = [
            {p: both[p](torch.from_numpy(w)[None])[0] for p in both} for w in waves
        ]  # [C, 384, frames] each
    for layer in layers:
        dist = [float((f["none"][layer] - f["30s"][layer]).norm() / f["30s"][layer].norm())
                for f in feats]  # fmt: skip
        cos = [float(torch.cosine_similarity(f["none"][layer], f["30s"][layer], dim=0).mean())
               for f in feats]  # fmt: skip
        out[layer] = [statistics.median(dist), max(dist), statistics.median(cos), min(cos)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("data/localspoof-small"))
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    waves = utterances(args.root, args.files)
    print(f"{len(waves)} utterances of {SECONDS:g} s from {args.root}; 1 thread, frozen, batch 1")
    times = time_all(waves, args.rounds)
    base = times["ct2 30s"]
    for name, ms in times.items():
        print(f"  {name:<10} {ms:8.1f} ms/utt   {base / ms:5.2f}x vs ct2 30s")
    print("un-padded vs 30-s-padded features (relative L2 median/max, frame cosine median/min):")
    for layer, (d_med, d_max, c_med, c_min) in padding_change(waves, (2, 4)).items():
        print(f"  layer {layer}: {d_med:.3f} / {d_max:.3f}   cos {c_med:.3f} / {c_min:.3f}")


if __name__ == "__main__":
    main()
