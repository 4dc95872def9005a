"""`spoofscope features --list` and `spoofscope features extract` over a folder corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.cli.app import main
from spoofscope.features.cache import FeatureCache
from tests.unit.features.conftest import SR, speech_like


@pytest.fixture
def folder_corpus(tmp_path: Path) -> Path:
    """``bonafide/`` and ``spoof/`` folders of 16-bit WAVs of different lengths, one damaged file."""
    root = tmp_path / "corpus"
    for key, count in (("bonafide", 3), ("spoof", 3)):
        (root / key).mkdir(parents=True)
        for i in range(count):
            wave = speech_like(0.4 + 0.15 * i, seed=i + (10 if key == "spoof" else 0))
            sf.write(root / key / f"{key}_{i:03d}.wav", wave, SR, subtype="PCM_16")
    (root / "spoof" / "spoof_broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    return root


def test_list_shows_every_frontend_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["features", "--list", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["mfcc"]["n_mfcc"] == 20 and table["lfcc"]["n_filters"] == 20
    assert table["image"]["size"] == [200, 200] or table["image"]["size"] == (200, 200)
    assert set(table) >= {"spectrogram", "stft", "fft", "logmel", "cqt", "cqcc", "ssl"}
    assert main(["features", "--list"]) == 0
    assert "n_mfcc" in capsys.readouterr().out


def test_extract_fills_the_cache_reports_failures_and_reuses_entries(
    folder_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cache"
    args = ["features", "extract", "--frontend", "mfcc", "--corpus", "folder"]
    args += ["--root", str(folder_corpus), "--out", str(out), "--param", "n_mfcc=13"]
    assert main(args) == 1  # the damaged file fails, the others are extracted
    text = capsys.readouterr().out
    assert "6 computed" in text and "1 failed" in text and "files/s" in text
    assert "spoof_broken.wav" in text

    cache = FeatureCache(out)
    assert len(cache.entries()) == 6
    config = {
        **json.loads(next(out.glob("*/config.json")).read_text()),
    }
    assert config["name"] == "mfcc" and config["n_mfcc"] == 13
    first = folder_corpus / "bonafide" / "bonafide_002.wav"
    feats = cache.get(config, first)
    assert feats.shape == (1, 13, 1 + int(0.7 * SR) // 160)
    assert np.isfinite(feats).all()

    assert main(args) == 1
    assert "0 computed, 6 already cached" in capsys.readouterr().out


def test_extract_with_a_bad_parameter_is_a_one_line_error(
    folder_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["features", "extract", "--frontend", "mfcc", "--corpus", "folder"]
    args += ["--root", str(folder_corpus), "--out", str(tmp_path / "c"), "--param", "n_mfc=13"]
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("error: front-end 'mfcc'")
