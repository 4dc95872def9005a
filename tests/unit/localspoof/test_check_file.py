"""check_file: the digest of an intact FLAC, a one-line reason for a damaged one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spoofscope.localspoof.digest import CHECKSUMS, check_file, check_files, pcm_digest
from spoofscope.localspoof.rendering import write_flac


@pytest.fixture
def flac(tmp_path: Path) -> Path:
    """Two seconds of a 220 Hz tone at -12 dBFS, stored as a build stores its audio."""
    path = tmp_path / "LS_T_0000001.flac"
    t = np.arange(32000) / 16000
    write_flac(path, (0.25 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))
    return path


def test_an_intact_file_gives_its_digest(flac: Path) -> None:
    assert check_file(flac) == (pcm_digest(flac), "")
    assert check_file(flac, pcm_digest(flac)) == (pcm_digest(flac), "")


def test_a_cut_file_or_a_text_file_cannot_be_decoded(flac: Path, tmp_path: Path) -> None:
    data = flac.read_bytes()
    flac.write_bytes(data[: len(data) // 2])
    digest, why = check_file(flac)
    assert digest == "" and why.startswith("cannot be decoded")
    text = tmp_path / "LS_T_0000002.flac"
    text.write_text("utt_id\tsha256\n", encoding="utf-8")
    assert check_file(text)[1].startswith("cannot be decoded")


def test_other_samples_differ_from_their_checksum(flac: Path) -> None:
    digest, why = check_file(flac, "0" * 64)
    assert digest == "" and CHECKSUMS in why


def test_check_files_splits_intact_from_damaged(flac: Path, tmp_path: Path) -> None:
    empty = tmp_path / "LS_T_0000002.flac"
    empty.write_bytes(b"")
    intact, damaged = check_files({"LS_T_0000001": flac, "LS_T_0000002": empty}, {})
    assert intact == {"LS_T_0000001": pcm_digest(flac)}
    assert list(damaged) == ["LS_T_0000002"]
