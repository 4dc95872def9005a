"""Front-end throughput: spoofscope's batched modules against the per-file librosa loop, paired.

Generates ``--n`` 4-second 16 kHz WAV files. Each feature is timed in ``--rounds`` paired rounds on
the same files: the loop a user would otherwise write (``librosa.load`` and a librosa feature call
per file), spoofscope (``spoofscope.audio.load`` per file and the front-end over batches of
``extract.EXTRACT_BATCH``), and for framed features the *floor* (read the samples, one bare FFT per
frame, nothing else), in an order that alternates between rounds (A B F, F B A, ...) so that load
from other work on a shared machine falls on both sides of each ratio alike. Each round gives
one ratio per side; the table prints their medians and interquartile ranges (IQR). ``of floor``
is the front-end's ratio over the floor's: 100% would be a front-end costing nothing beyond
decoding and the FFT.

Then: MFCC compute per file by batch size (decoded waveforms, the front-end alone), which picks
``EXTRACT_BATCH``; and a warm-cache training epoch of a 13-MFCC LCNN from ``data.feature_cache``,
split into feature loading (waiting for the next batch) and the training step.

Everything runs on one torch thread, with OMP_NUM_THREADS=1 (set here before torch is imported):
on a shared machine a second thread measures the neighbours' work.

    python benchmarks/features.py --n 200 --rounds 7
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch: its pool is sized at import

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

SR = 16000
SECONDS = 4.0

MFCC = dict(n_fft=512, hop_length=160, win_length=400, n_mels=40, n_mfcc=20)
LOGMEL = dict(n_fft=512, hop_length=160, win_length=400, n_mels=80)
LFCC = dict(n_fft=512, hop_length=160, win_length=320, n_filters=20, n_lfcc=20)
CQCC = dict(hop_length=160, bins_per_octave=96, octaves=9, d=16, n_ceps=20)
#: the goal of a framed front-end, as a share of the floor's ratio
FLOOR_GOAL = 0.8
SWEEP = (1, 2, 4, 8, 16, 32, 64)


def make_corpus(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` speech-like 16-bit WAV files (harmonic tone under a syllable-rate envelope + noise)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * SECONDS)) / SR
    paths = []
    for i in range(n):
        f0 = rng.uniform(90, 250)
        voiced = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 12))
        envelope = 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(3, 6) * t))
        wave = 0.1 * voiced * envelope + 0.01 * rng.standard_normal(t.size)
        path = folder / f"utt_{i:05d}.wav"
        sf.write(path, (wave / np.abs(wave).max() * 0.5).astype(np.float32), SR, subtype="PCM_16")
        paths.append(path)
    return paths


def librosa_features() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Per-file librosa implementations with the same parameters as the front-ends compared."""
    import librosa
    import scipy.fft

    from spoofscope.features.constantq import Cqcc
    from spoofscope.features.filterbank import linear_filterbank

    lin = linear_filterbank(SR, LFCC["n_fft"], LFCC["n_filters"]).numpy()
    cepstrum = Cqcc(**CQCC).cepstrum.numpy()
    gamma = 228.7 * (2 ** (1 / 96) - 2 ** (-1 / 96))

    def mfcc(y: np.ndarray) -> np.ndarray:
        return librosa.feature.mfcc(y=y, sr=SR, **MFCC)

    def logmel(y: np.ndarray) -> np.ndarray:
        return np.log(librosa.feature.melspectrogram(y=y, sr=SR, **LOGMEL) + 1e-6)

    def with_deltas(static: np.ndarray, width: int) -> np.ndarray:
        d1 = librosa.feature.delta(static, width=2 * width + 1, order=1)
        d2 = librosa.feature.delta(static, width=2 * width + 1, order=2)
        return np.concatenate([static, d1, d2])

    def lfcc(y: np.ndarray) -> np.ndarray:
        y = np.append(y[:1], y[1:] - 0.97 * y[:-1])
        spec = librosa.stft(y, n_fft=512, hop_length=160, win_length=320, window="hamming")
        energies = np.log10(np.maximum(lin @ (np.abs(spec) ** 2), 1e-7))
        return with_deltas(scipy.fft.dct(energies, norm="ortho", axis=0)[:20], 1)

    def cqcc_(y: np.ndarray) -> np.ndarray:
        fmin = SR / 2 / 2 ** CQCC["octaves"]
        spec = librosa.vqt(
            y, sr=SR, hop_length=160, fmin=fmin, n_bins=864, bins_per_octave=96, gamma=gamma
        )
        return with_deltas(cepstrum @ np.log(np.maximum(np.abs(spec) ** 2, 1e-10)), 3)

    return {"mfcc": mfcc, "logmel": logmel, "lfcc": lfcc, "cqcc": cqcc_}


def spoofscope_params() -> dict[str, dict]:
    return {"mfcc": MFCC, "logmel": LOGMEL, "lfcc": LFCC, "cqcc": CQCC}


def librosa_side(paths: list[Path], feature: Callable[[np.ndarray], np.ndarray]) -> Callable:
    import librosa

    def run() -> None:
        for path in paths:
            feature(librosa.load(path, sr=SR)[0])

    return run


def spoofscope_side(paths: list[Path], name: str, params: dict, batch: int) -> Callable:
    """Decode per file and run the whole front-end (after-cache steps included, as librosa's
    side computes them) over padded batches of ``batch``."""
    from spoofscope.features import build_frontend
    from spoofscope.features.extract import decoded_batches, pad_batch

    frontend = build_frontend(name, **params).eval()

    @torch.inference_mode()
    def run() -> None:
        for _, waves in decoded_batches(paths, SR, batch):
            frontend(*pad_batch(waves))

    run()  # plan caches and allocator warm-up, outside the timed rounds
    return run


def floor_side(paths: list[Path], n_fft: int, hop_length: int, batch: int) -> Callable:
    """The work no implementation of a framed feature can skip: read the samples and take one FFT
    per frame (no window, no filterbank, no logarithm, no checks), in batches of ``batch``."""

    def run() -> None:
        for first in range(0, len(paths), batch):
            rows = [sf.read(p, dtype="int16")[0] for p in paths[first : first + batch]]
            frames = torch.from_numpy(np.stack(rows).astype(np.float32) / 32768.0)
            torch.fft.rfft(frames.unfold(1, n_fft, hop_length))

    return run


def seconds(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def paired_rounds(sides: dict[str, Callable[[], None]], rounds: int) -> dict[str, np.ndarray]:
    """Seconds of each side in each round, the order reversed every other round (A B F, F B A)."""
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(seconds(sides[name]))
    return {name: np.asarray(t) for name, t in times.items()}


def median_iqr(values: np.ndarray) -> tuple[float, float, float]:
    """``(median, 25th, 75th percentile)``."""
    q25, q50, q75 = np.percentile(values, [25, 50, 75])
    return float(q50), float(q25), float(q75)


def shown(values: np.ndarray) -> str:
    median, q25, q75 = median_iqr(values)
    return f"{median:.2f}x [{q25:.2f}-{q75:.2f}]"


def compare_features(paths: list[Path], names: list[str], rounds: int, batch: int) -> None:
    """Print each feature's paired ratios against librosa, and its floor's."""
    anchors, params = librosa_features(), spoofscope_params()
    print(f"\nratio = librosa time / side time per round: median [IQR] of {rounds} rounds")
    print(
        f"{'feature':<8} {'librosa ms':>10} {'ours ms':>8} {'ratio':>19} {'floor':>19} {'of floor':>9}"
    )
    for name in names:
        anchors[name](np.zeros(int(SR * SECONDS), np.float32))  # librosa's own warm-up
        sides = {
            "librosa": librosa_side(paths, anchors[name]),
            "ours": spoofscope_side(paths, name, params[name], batch),
        }
        if "n_fft" in params[name]:
            sides["floor"] = floor_side(
                paths, params[name]["n_fft"], params[name]["hop_length"], batch
            )
        times = paired_rounds(sides, rounds)
        ratio = times["librosa"] / times["ours"]
        per_file = {k: 1e3 * float(np.median(v)) / len(paths) for k, v in times.items()}
        floor, share = "", ""
        if "floor" in times:
            floor_ratio = times["librosa"] / times["floor"]
            floor = shown(floor_ratio)
            share = f"{np.median(ratio / floor_ratio):.0%}"
        print(
            f"{name:<8} {per_file['librosa']:>10.3f} {per_file['ours']:>8.3f} "
            f"{shown(ratio):>19} {floor:>19} {share:>9}".rstrip()
        )
    print(f"goal: framed front-ends >= {FLOOR_GOAL:.0%} of the floor's ratio; cqcc >= 10x")


def batch_sweep(paths: list[Path], rounds: int) -> None:
    """MFCC compute per file by batch size, the waveforms decoded beforehand."""
    from spoofscope.audio import load
    from spoofscope.features import build_frontend
    from spoofscope.features.extract import pad_batch

    frontend = build_frontend("mfcc", **MFCC).eval()
    waves = [load(p, sr=SR) for p in paths]

    def at(batch: int) -> Callable[[], None]:
        @torch.inference_mode()
        def run() -> None:
            for first in range(0, len(waves), batch):
                frontend(*pad_batch(waves[first : first + batch]))

        return run

    sides = {str(b): at(b) for b in SWEEP}
    for run in sides.values():
        run()
    times = paired_rounds(sides, rounds)
    cells = "  ".join(f"{b}: {1e3 * np.median(times[str(b)]) / len(paths):.3f}" for b in SWEEP)
    print(f"\nmfcc compute ms per file by batch size (median of {rounds}): {cells}")


def cached_epoch(paths: list[Path], folder: Path, batch: int = 32) -> None:
    """One warm-cache training epoch of a 13-MFCC LCNN: feature loading against the step."""
    from torch.utils.data import DataLoader

    from spoofscope.corpora.dataset import CropPolicy
    from spoofscope.corpora.manifest import Manifest, Utterance
    from spoofscope.features.base import reading_cached
    from spoofscope.features.cache import FeatureCache
    from spoofscope.models.lcnn import LCNN
    from spoofscope.training.cached_features import CachedFeatureDataset, fill_cache
    from spoofscope.training.data import WaitClock

    torch.manual_seed(0)
    model = LCNN("mfcc", {"n_mfcc": 13, "deltas": 2}, crop_samples=int(SR * SECONDS))
    utts = [
        Utterance(p.stem, str(p), "bonafide" if i % 2 else "spoof", "-", "-", "train", "bench")
        for i, p in enumerate(paths)
    ]
    cache = FeatureCache(folder / "cache")
    fill_cache(
        model.frontend, Manifest(utts), cache
    )  # the first epoch's work; timed below: a warm one
    data = CachedFeatureDataset(
        Manifest(utts), model.frontend, cache, CropPolicy(int(SR * SECONDS), "random", "repeat")
    )
    batch = min(batch, len(paths))
    loader = DataLoader(data, batch_size=batch, shuffle=True, drop_last=True)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    batches = WaitClock(loader)
    start = time.perf_counter()
    steps = 0
    with reading_cached(model.frontend):
        for feats, labels, _ in batches:
            loss = loss_fn(model(feats), labels)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            steps += 1
    total = time.perf_counter() - start
    load, step = batches.seconds, total - batches.seconds
    print(
        f"\nwarm-cache epoch, LCNN on 13 MFCC + deltas, {steps} steps of {batch}: "
        f"{total:.2f} s = feature loading {load:.3f} s ({load / total:.1%}) "
        f"+ training step {step:.2f} s ({step / total:.1%}); goal: loading <= 5%"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the paired ratios, the batch sweep and the cached epoch."""
    from spoofscope.features.extract import EXTRACT_BATCH

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="number of 4-second files")
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds per feature")
    parser.add_argument(
        "--features", nargs="+", default=list(spoofscope_params()), help="features to compare"
    )
    parser.add_argument("--batch", type=int, default=EXTRACT_BATCH, help="front-end batch size")
    parser.add_argument("--no-sweep", action="store_true", help="skip the batch-size sweep")
    parser.add_argument("--no-epoch", action="store_true", help="skip the cached training epoch")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(
        f"{args.n} files x {SECONDS:g} s at {SR} Hz; one process, torch threads "
        f"{torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; "
        f"front-end batch {args.batch}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp), args.n)
        compare_features(paths, args.features, args.rounds, args.batch)
        if not args.no_sweep:
            batch_sweep(paths, args.rounds)
        if not args.no_epoch:
            cached_epoch(paths, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
