"""`spoofscope stream`: a WAV piped to stdin gives the offline timeline, one JSON line per hop."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from spoofscope.inference.detector import Detector


@pytest.fixture(scope="module")
def call(reference_dir) -> bytes:
    """Seven seconds of ASVspoof 2019 LA speech as a 16-bit WAV at 8 kHz, as a call arrives."""
    import soxr

    talk = np.load(reference_dir / "aasist" / "inputs.npy")[3:].reshape(-1)[: 7 * 16000]
    buf = io.BytesIO()
    sf.write(buf, soxr.resample(talk, 16000, 8000), 8000, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def _stream(args: list[str], stdin: bytes) -> list[dict]:
    cmd = [sys.executable, "-m", "spoofscope.cli.app", "stream", *args]
    done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=300, check=True)
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def test_a_piped_wav_streams_the_offline_timeline_of_the_default(call, tmp_path):
    rows = _stream(["-", "--hop", "0.5", "--chunk-ms", "250"], call)
    path = tmp_path / "call.wav"
    path.write_bytes(call)
    offline = Detector.load("default", hop_s=0.5).score(path)
    assert [(r["start_s"], r["end_s"]) for r in rows] == [
        (s.start_s, s.end_s) for s in offline.timeline
    ]
    np.testing.assert_allclose(
        [r["p_spoof"] for r in rows], [s.p_spoof for s in offline.timeline], atol=1e-3
    )
    assert rows[-1]["final"] and rows[-1]["running_score"] == pytest.approx(offline.score, abs=1e-3)
    assert all(r["latency_ms"] >= 0 for r in rows)


def test_raw_pcm_on_stdin_at_a_given_rate(call):
    pcm, rate = sf.read(io.BytesIO(call), dtype="int16")
    rows = _stream(["-", "--rate", str(rate), "--hop", "1.0"], pcm.tobytes())
    assert [r["start_s"] for r in rows[:3]] == [0.0, 1.0, 2.0]


def test_a_stdin_that_is_not_a_wave_is_one_error_line():
    cmd = [sys.executable, "-m", "spoofscope.cli.app", "stream", "-"]
    done = subprocess.run(
        cmd, input=b"RIFF\x00\x00\x00\x00AVI LIST", capture_output=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().count("\n") == 0 and "not a WAVE" in done.stderr.decode()
