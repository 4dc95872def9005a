"""Front-end throughput: spoofscope's batched modules against the per-file librosa loop.

Generates ``--n`` 4-second 16 kHz WAV files, then times, end to end with decoding included,
(a) the loop a user would otherwise write (``librosa.load`` and a librosa feature call per file) and
(b) ``spoofscope.audio.load`` per file plus the batched front-end over batches of 32, with equal
parameters, in the same run, and prints files/s for both and their ratio per feature. For framed
features it also times the *floor* (read the samples, one FFT per frame, nothing else) and prints
``librosa / floor``: the largest ratio any implementation could show on this machine. ``--repeat``
keeps the best of several runs of each side, for machines shared with other work.

    python benchmarks/features.py --n 200
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

SR = 16000
SECONDS = 4.0
BATCH = 32

MFCC = dict(n_fft=512, hop_length=160, win_length=400, n_mels=40, n_mfcc=20)
LOGMEL = dict(n_fft=512, hop_length=160, win_length=400, n_mels=80)
LFCC = dict(n_fft=512, hop_length=160, win_length=320, n_filters=20, n_lfcc=20)
CQCC = dict(hop_length=160, bins_per_octave=96, octaves=9, d=16, n_ceps=20)


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
    cqcc = Cqcc(**CQCC)
    cepstrum = cqcc.cepstrum.numpy()
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


def time_librosa(paths: list[Path], feature: Callable[[np.ndarray], np.ndarray]) -> float:
    import librosa

    start = time.perf_counter()
    for path in paths:
        y, _ = librosa.load(path, sr=SR)
        feature(y)
    return time.perf_counter() - start


def time_spoofscope(paths: list[Path], name: str, params: dict) -> float:
    from spoofscope.features import build_frontend
    from spoofscope.features.extract import batch_features, decoded_batches

    frontend = build_frontend(name, **params).eval()
    batch_features(frontend, [np.zeros(int(SR * SECONDS), np.float32)])  # plan caches, warm-up
    start = time.perf_counter()
    for _, waves in decoded_batches(paths, SR, BATCH):
        batch_features(frontend, waves)
    return time.perf_counter() - start


def time_floor(paths: list[Path], n_fft: int, hop_length: int) -> float:
    """The work no implementation of a framed feature can skip: read the samples and take one FFT
    per frame (batches of 32, no window, no filterbank, no logarithm, no checks).

    ``librosa time / this time`` bounds the ratio any front-end with these STFT parameters could
    reach on this machine.
    """
    start = time.perf_counter()
    for first in range(0, len(paths), BATCH):
        rows = [sf.read(p, dtype="int16")[0] for p in paths[first : first + BATCH]]
        batch = torch.from_numpy(np.stack(rows).astype(np.float32) / 32768.0)
        torch.fft.rfft(batch.unfold(1, n_fft, hop_length))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one line per feature with both throughputs and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="number of 4-second files")
    parser.add_argument(
        "--features", nargs="+", default=list(spoofscope_params()), help="features to compare"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="best of this many runs per side (noisy machines)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    anchors, params = librosa_features(), spoofscope_params()
    print(f"{args.n} files x {SECONDS:g} s at {SR} Hz, torch threads {torch.get_num_threads()}")
    print(
        f"{'feature':<8} {'librosa files/s':>16} {'spoofscope files/s':>19} {'ratio':>7} "
        f"{'floor files/s':>14} {'max ratio':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp), args.n)
        for name in args.features:
            anchors[name](np.zeros(int(SR * SECONDS), np.float32))  # librosa's own warm-up
            slow = min(time_librosa(paths, anchors[name]) for _ in range(args.repeat))
            fast = min(time_spoofscope(paths, name, params[name]) for _ in range(args.repeat))
            floor = "", ""
            if "n_fft" in params[name]:
                hop = params[name]["hop_length"]
                best = min(
                    time_floor(paths, params[name]["n_fft"], hop) for _ in range(args.repeat)
                )
                floor = f"{len(paths) / best:.1f}", f"{slow / best:.1f}x"
            line = (
                f"{name:<8} {len(paths) / slow:>16.1f} {len(paths) / fast:>19.1f} "
                f"{slow / fast:>6.1f}x {floor[0]:>14} {floor[1]:>10}"
            )
            print(line.rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
