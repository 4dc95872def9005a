"""Reading a 1,000,000-line ASVspoof-style protocol into a manifest: lines per second.

Compares spoofscope's reader (``str.split`` loop building Utterance records) with what a user would
otherwise write: pandas ``read_csv(sep=" ")`` when pandas is installed, and a ``csv.reader`` loop
building plain dicts. Prints each rate and the ratio; run ``python benchmarks/manifest.py [lines]``.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from spoofscope.corpora.protocol import Columns, read_protocol

COLUMNS = Columns(names=("speaker", "utt_id", "-", "attack", "key"))


def write_protocol(path: Path, lines: int) -> None:
    """An ASVspoof 2019 LA-shaped protocol of ``lines`` unique utterances."""
    with path.open("w") as f:
        for i in range(lines):
            if i % 10 == 0:
                f.write(f"LA_{i % 107:04d} LA_T_{i:07d} - - bonafide\n")
            else:
                f.write(f"LA_{i % 107:04d} LA_T_{i:07d} - A{i % 6 + 1:02d} spoof\n")


def ours(path: Path) -> int:
    issues: list = []
    utts = read_protocol(path, COLUMNS, corpus="bench", split="train", root=path.parent,
                         audio_dir=path.parent / "flac", ext=".flac", seen={}, issues=issues)  # fmt: skip
    return len(utts)


def csv_module(path: Path) -> int:
    rows = []
    with path.open(newline="") as f:
        for spk, utt, _, attack, key in csv.reader(f, delimiter=" "):
            rows.append({"utt_id": utt, "speaker": spk, "attack": attack, "key": key,
                         "path": f"{path.parent}/flac/{utt}.flac"})  # fmt: skip
    return len(rows)


def pandas_frame(path: Path) -> int:
    import pandas as pd

    frame = pd.read_csv(
        path, sep=" ", header=None, names=["speaker", "utt_id", "env", "attack", "key"]
    )
    frame["path"] = str(path.parent) + "/flac/" + frame["utt_id"] + ".flac"
    return len(frame)


def timed(fn, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    n = fn(path)
    return time.perf_counter() - start, n


def main(lines: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "protocol.txt"
        write_protocol(path, lines)
        contenders = {"spoofscope read_protocol": ours, "csv.reader + dicts": csv_module}
        try:
            import pandas  # noqa: F401

            contenders["pandas.read_csv"] = pandas_frame
        except ImportError:
            print("pandas not installed: comparing with the csv module only")
        results = {}
        for name, fn in contenders.items():
            seconds, n = timed(fn, path)
            assert n == lines, f"{name} read {n} of {lines} lines"
            results[name] = seconds
            print(f"{name:28s} {seconds:6.2f} s  {lines / seconds:>12,.0f} lines/s")
        base = results["spoofscope read_protocol"]
        for name, seconds in results.items():
            if name != "spoofscope read_protocol":
                print(f"ratio {name} / spoofscope: {seconds / base:.2f}x time")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
