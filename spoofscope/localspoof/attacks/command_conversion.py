"""Runs command-line tools on a bona fide recording, for the conversion attacks built on them
(Praat's PSOLA and Klatt resynthesis, codec2)."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from spoofscope.audio.io import resample
from spoofscope.errors import AudioError


@dataclass(frozen=True)
class CommandConversion:
    """Commands that read a recording and write a converted one, run in a scratch folder.

    In each argument ``{input}``, ``{output}``, ``{work}`` (an intermediate file, e.g. codec2's
    bit stream) and ``{script}`` are replaced by paths in that folder. ``script`` is written to
    ``{script}`` first. The input is written as 16-bit WAV at its own rate, or, when ``raw_rate``
    is set, resampled to that rate as headerless 16-bit little-endian PCM, and the output is then
    read back as the same; otherwise the output is read as a sound file.
    """

    argvs: tuple[tuple[str, ...], ...]
    script: str = ""
    raw_rate: int | None = None

    def run(self, wave: np.ndarray, sr: int, what: str) -> tuple[np.ndarray, int]:
        """Convert ``wave`` [T] at ``sr``; ``what`` names the tool and setting in errors.

        Raises:
            AudioError: when a command fails or leaves no audio.
        """
        with tempfile.TemporaryDirectory(prefix="localspoof-") as tmp:
            folder = Path(tmp)
            suffix = ".raw" if self.raw_rate else ".wav"
            paths = {
                "input": folder / f"in{suffix}",
                "output": folder / f"out{suffix}",
                "work": folder / "work.bin",
                "script": folder / "script.praat",
            }
            pcm = np.clip(wave, -1.0, 32767 / 32768)
            if self.raw_rate:
                pcm = resample(pcm, sr, self.raw_rate)
                samples = np.round(np.clip(pcm, -1.0, 32767 / 32768) * 32768).astype("<i2")
                paths["input"].write_bytes(samples.tobytes())
            else:
                sf.write(paths["input"], pcm, sr, subtype="PCM_16")
            if self.script:
                paths["script"].write_text(self.script, encoding="utf-8")
            for argv in self.argvs:
                cmd = [arg.format(**paths) for arg in argv]
                res = subprocess.run(cmd, capture_output=True, check=False, timeout=120)
                if res.returncode != 0:
                    why = res.stderr.decode(errors="replace").strip()[-300:]
                    raise AudioError(what, f"{cmd[0]} failed: {why or f'exit {res.returncode}'}")
            out = paths["output"]
            if not out.is_file():
                raise AudioError(what, f"{self.argvs[-1][0]} wrote no output")
            if self.raw_rate:
                y = np.frombuffer(out.read_bytes(), dtype="<i2").astype(np.float32) / 32768
                rate = self.raw_rate
            else:
                try:
                    data, rate = sf.read(out, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError) as exc:
                    raise AudioError(what, f"unreadable output: {exc}") from None
                y = data.mean(axis=1)
        if y.size == 0 or not np.any(y):
            raise AudioError(what, "conversion produced no audio")
        return y, int(rate)
