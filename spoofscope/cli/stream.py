"""`spoofscope stream [FILE|-]`: score audio as it arrives, one JSON line per hop."""

from __future__ import annotations

import json
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import typer

from spoofscope.cli.common import backend_option
from spoofscope.errors import ConfigError, NotAudioError


def _wav_header(stream: BinaryIO, name: str) -> tuple[int, int]:
    """Read a RIFF/WAVE header up to its ``data`` chunk; return (rate, channels) of its 16-bit PCM.

    Parsed by hand because stdin cannot seek, which is what soundfile needs to open a WAV.
    """
    riff = stream.read(12)
    if len(riff) < 12 or riff[8:12] != b"WAVE":
        raise NotAudioError(name, "starts with RIFF but is not a WAVE file")
    rate = channels = bits = None
    while True:
        head = stream.read(8)
        if len(head) < 8:
            raise NotAudioError(name, "WAV header ends before its data chunk")
        kind, size = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"data":
            break
        body = stream.read(size + size % 2)
        if kind == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if fmt not in (1, 0xFFFE) or bits != 16:
                raise NotAudioError(
                    name, f"stream WAVs must be 16-bit PCM, got format {fmt}, {bits} bits"
                )
    if rate is None or channels is None:
        raise NotAudioError(name, "WAV has no fmt chunk before its data")
    return rate, channels


def _pcm_chunks(stream: BinaryIO, channels: int, samples: int) -> Iterator[np.ndarray]:
    """Mono int16 chunks of ``samples`` frames (the last may be shorter), read as they come."""
    frame = 2 * channels
    pending = b""
    while True:
        data = stream.read(samples * frame - len(pending))
        if not data:
            break
        pending += data
        whole = len(pending) - len(pending) % frame
        if whole >= samples * frame:
            block, pending = pending[:whole], pending[whole:]
            pcm = np.frombuffer(block, "<i2").reshape(-1, channels)
            yield pcm.mean(axis=1).astype(np.int16) if channels > 1 else pcm[:, 0]
    whole = len(pending) - len(pending) % frame
    if whole:
        pcm = np.frombuffer(pending[:whole], "<i2").reshape(-1, channels)
        yield pcm.mean(axis=1).astype(np.int16) if channels > 1 else pcm[:, 0]


def _file_chunks(path: Path, samples_per_chunk: float) -> tuple[int, Iterator[np.ndarray]]:
    """Any file the loader reads, at its own rate, in chunks of ``chunk_ms``."""
    from spoofscope.audio.io import load

    wave = load(path, sr=None)
    step = max(1, int(wave.sr * samples_per_chunk))
    return wave.sr, (np.asarray(wave[s : s + step]) for s in range(0, wave.shape[-1], step))


def stream(
    source: str = typer.Argument("-", help="A file to play in real time, or - for stdin."),
    model: str = typer.Option(
        "default", "--model", help="Model name, checkpoint or run directory."
    ),
    rate: int = typer.Option(
        16000, "--rate", help="Sample rate of raw PCM on stdin (s16le, mono)."
    ),
    channels: int = typer.Option(1, "--channels", help="Channels of raw PCM on stdin."),
    chunk_ms: float = typer.Option(250.0, "--chunk-ms", help="Milliseconds read at a time."),
    window: float | None = typer.Option(
        None, "--window", help="Seconds per window (default: the model's crop)."
    ),
    hop: float = typer.Option(0.5, "--hop", help="Seconds between updates."),
    backend: str = backend_option(),
    pace: bool = typer.Option(
        True, "--pace/--no-pace", help="Play a FILE in real time (--no-pace: as fast as it scores)."
    ),
) -> int:
    """Print one JSON line per hop: the window, its p_spoof, the running aggregate, the latency.

    stdin carries raw 16-bit little-endian PCM at ``--rate``, or a WAV (16-bit PCM) whose header
    gives rate and channels; a FILE is decoded and played at its own pace unless ``--no-pace``.
    The last line (``"final": true``) is the end-aligned window, after which the running
    aggregate equals what ``spoofscope detect`` gives the whole recording.
    """
    from spoofscope.inference.detector import Detector
    from spoofscope.inference.streaming import StreamingDetector

    if chunk_ms <= 0:
        raise ConfigError("--chunk-ms", f"must be positive, got {chunk_ms}")
    detector = Detector.load(model, backend=backend, window_s=window, hop_s=hop)
    if source == "-":
        stdin = sys.stdin.buffer
        head = stdin.peek(4)[:4] if hasattr(stdin, "peek") else b""
        if head == b"RIFF":
            rate, channels = _wav_header(stdin, "<stdin>")
        chunks = _pcm_chunks(stdin, channels, max(1, int(rate * chunk_ms / 1000)))
        pace = False  # stdin arrives at its own pace
    else:
        rate, chunks = _file_chunks(Path(source), chunk_ms / 1000)
    live = StreamingDetector(detector, rate=rate)
    started = time.perf_counter()
    fed = 0
    for chunk in chunks:
        fed += chunk.shape[0]
        if pace:  # wait until the audio would have been heard
            time.sleep(max(0.0, fed / rate - (time.perf_counter() - started)))
        for update in live.feed(chunk):
            _print(update.to_dict())
    for update in live.close():
        _print(update.to_dict())
    return 0


def _print(row: dict) -> None:
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()


def attach(app: typer.Typer) -> None:
    app.command("stream")(stream)
