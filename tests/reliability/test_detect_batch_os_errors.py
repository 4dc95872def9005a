"""A batch ``detect`` goes on past a FIFO, a socket, a device or an unreadable file.

Before, a FIFO blocked ``detect`` forever (the loader opened it and waited for a writer), a socket
raised a bare OSError that ended the batch, and so did a permission error: the files after it were
never scored. Each is now a failed row with its reason, and the exit code is 1.

We run as root here, where ``chmod 000`` leaves a file readable, so the permission case makes
``open`` and libsndfile raise PermissionError for that one path, as the kernel does for a user.
"""

from __future__ import annotations

import builtins
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope import errors
from spoofscope.audio.io import load
from tests.integration.cli_runner import run_cli

SR = 16000


@pytest.fixture
def calls(reference_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two readable call recordings (real ASVspoof 2019 LA speech), to score around a bad item."""
    inputs = np.load(reference_dir / "aasist" / "inputs.npy")
    first, second = tmp_path / "LA_E_1000147.wav", tmp_path / "LA_E_1000273.wav"
    sf.write(first, inputs[3], SR, subtype="PCM_16")
    sf.write(second, inputs[4], SR, subtype="PCM_16")
    return first, second


def _batch(first: Path, bad: Path, second: Path) -> tuple[list[str], str]:
    res = run_cli("detect", "--model", "aasist-l-19la", str(first), str(bad), str(second))
    assert res.code == 1
    rows = res.out.splitlines()
    # a row is 'verdict p_spoof … path [flags]'; the calls' band earns them a flag
    assert str(first) in rows[0].split() and str(second) in rows[1].split()
    assert rows[0].split()[0] in {"bonafide", "spoof", "uncertain"}
    assert rows[2] == "2 scored, 1 failed"
    return rows, res.err


@pytest.mark.timeout(120)  # the old loader waits on the FIFO for ever; fail instead of hanging
def test_a_fifo_in_a_batch_is_a_failed_row(calls, tmp_path):
    fifo = tmp_path / "live_call.wav"
    os.mkfifo(fifo)
    _, err = _batch(calls[0], fifo, calls[1])
    assert err == f"error: {fifo}: is a named pipe (FIFO), not a regular file\n"


def test_a_socket_in_a_batch_is_a_failed_row(calls, tmp_path):
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        _, err = _batch(calls[0], path, calls[1])
    assert err == f"error: {path}: is a socket, not a regular file\n"


def test_a_device_is_refused_before_it_is_opened():
    with pytest.raises(errors.NotAudioError, match="is a device, not a regular file"):
        load("/dev/zero")  # opened and read, it would fill memory with zeros


def test_a_file_we_may_not_read_is_a_failed_row(calls, tmp_path, monkeypatch):
    locked = tmp_path / "LA_E_1000999.wav"
    sf.write(locked, np.zeros(SR, np.float32), SR)
    denied = PermissionError(13, "Permission denied", str(locked))

    real_open, real_soundfile = builtins.open, sf.SoundFile.__init__

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise denied
        return real_open(file, *args, **kwargs)

    def guarded_soundfile(self, file, *args, **kwargs):
        if str(file) == str(locked):
            raise denied
        return real_soundfile(self, file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(sf.SoundFile, "__init__", guarded_soundfile)
    with pytest.raises(errors.AudioError, match="permission denied"):
        load(locked)
    _, err = _batch(calls[0], locked, calls[1])
    assert err == f"error: {locked}: permission denied\n"
