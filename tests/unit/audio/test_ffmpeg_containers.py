"""Formats libsndfile does not read go to ffmpeg, told by their first bytes and not by their name:
what a phone, a browser or a media player writes (MP4/M4A, WebM, Matroska, WMA, raw AAC) loads
from a file with its suffix, without one (the service's temporary copy) and from bytes, and a
damaged one is refused as damaged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope import errors
from spoofscope.audio import load
from tests.unit.audio.test_io import SR, speech_like

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (make setup)")

#: suffix → ffmpeg codec arguments, each as the programs that make such files encode it
CONTAINERS = {
    ".m4a": ["-c:a", "aac", "-b:a", "64k"],
    ".webm": ["-c:a", "libopus", "-b:a", "32k"],
    ".mka": ["-c:a", "libopus", "-b:a", "32k"],
    ".wma": ["-c:a", "wmav2", "-b:a", "64k"],
    ".aac": ["-c:a", "aac", "-b:a", "64k", "-f", "adts"],
}


def encoded(tmp_path: Path, suffix: str, seconds: float = 1.5) -> tuple[Path, np.ndarray]:
    """A speech-like clip written by ffmpeg in the container of ``suffix``, and the clip."""
    x = speech_like(seconds)
    wav = tmp_path / "src.wav"
    sf.write(wav, x, SR, subtype="PCM_16")
    out = tmp_path / f"clip{suffix}"
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(wav), *CONTAINERS[suffix]]
    subprocess.run([*cmd, str(out)], check=True, capture_output=True)
    return out, x


@pytest.mark.parametrize("suffix", sorted(CONTAINERS))
def test_each_container_loads_by_its_content_whatever_its_name(tmp_path: Path, suffix: str) -> None:
    path, x = encoded(tmp_path, suffix)
    nameless = tmp_path / "upload"
    nameless.write_bytes(path.read_bytes())
    rms = float(np.sqrt(np.mean(x**2)))
    for source in (path, nameless, path.read_bytes()):
        wave = load(source, sr=SR)
        assert wave.sr == SR and wave.ndim == 1
        # lossy codecs pad and delay (raw AAC keeps its 64-ms priming frame and the last
        # frame's padding, which MP4 trims): the length within 150 ms, the level within 25%
        assert abs(len(wave) - len(x)) < 0.15 * SR
        assert float(np.sqrt(np.mean(wave**2))) == pytest.approx(rms, rel=0.25)


def test_raw_aac_is_not_taken_for_mp3_nor_mp3_for_aac(tmp_path: Path) -> None:
    aac, _ = encoded(tmp_path, ".aac")
    mp3 = tmp_path / "clip.mp3"
    sf.write(mp3, speech_like(1.0), SR, format="MP3")
    for path in (aac, mp3):
        assert abs(load(path, sr=SR).duration - (1.5 if path is aac else 1.0)) < 0.15


@pytest.mark.parametrize("suffix", [".m4a", ".wma"])
def test_a_damaged_container_is_refused_as_damaged(tmp_path: Path, suffix: str) -> None:
    path, _ = encoded(tmp_path, suffix)
    data = bytearray(path.read_bytes())
    # keep the magic that routes it to ffmpeg and wreck what follows
    data[16:] = bytes(len(data) - 16)
    path.write_bytes(bytes(data))
    with pytest.raises(errors.CorruptAudioError) as info:
        load(path, sr=SR)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
