"""Shortcut audit: EERs of single measures, language, the combination, and the gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.errors import CorpusError
from spoofscope.localspoof import audit as audit_mod
from spoofscope.localspoof.audit import audit, language_scores, measure, single_eer

SR = 16000


def test_constant_measure_scores_fifty_percent() -> None:
    labels = np.array([True] * 20 + [False] * 20)
    assert single_eer(np.full(40, 0.2), labels) == pytest.approx(0.5, abs=0.1)


def test_direction_does_not_matter() -> None:
    labels = np.array([True] * 10 + [False] * 10)
    values = np.r_[np.arange(10), np.arange(10) + 100.0]
    assert single_eer(values, labels) == 0.0
    assert single_eer(-values, labels) == 0.0


def test_language_score_is_the_bona_fide_share() -> None:
    labels = np.array([True, True, False, False, True])
    got = language_scores(["en", "en", "en", "cs", "cs"], labels)
    assert np.allclose(got, [2 / 3, 2 / 3, 2 / 3, 0.5, 0.5])


def test_measure_reads_level_silence_and_pitch() -> None:
    t = np.arange(SR) / SR
    x = np.concatenate([np.zeros(SR // 2), 0.1 * np.sin(2 * np.pi * 200 * t), np.zeros(SR // 4)])
    m = measure(x.astype(np.float32), SR)
    assert m["duration_s"] == pytest.approx(1.75)
    assert m["lead_silence_s"] == pytest.approx(0.5, abs=0.02)
    assert m["trail_silence_s"] == pytest.approx(0.25, abs=0.02)
    assert m["peak_dbfs"] == pytest.approx(-20.0, abs=0.1)
    assert m["f0_median_hz"] == pytest.approx(200.0, rel=0.03)
    assert m["above_3k4_db"] < -40


def _write_set(folder: Path, n: int, spoof_gain: float) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    paths, keys = [], []
    t = np.arange(SR) / SR
    for i in range(2 * n):
        key = "bonafide" if i < n else "spoof"
        f0 = rng.uniform(100, 220)
        x = 0.1 * np.sin(2 * np.pi * f0 * t) + 0.001 * rng.standard_normal(SR)
        if key == "spoof":
            x *= spoof_gain
        path = folder / f"LS_T_{i:07d}.flac"
        sf.write(path, x, SR, subtype="PCM_16")
        paths.append(str(path))
        keys.append(key)
    return paths, keys


def test_a_level_shortcut_fails_the_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_mod, "MIN_FILES_TO_GATE", 10)
    paths, keys = _write_set(tmp_path, 12, spoof_gain=3.0)
    report = audit(paths, keys, ["en"] * len(paths))
    assert report.single["rms_dbfs"] == 0.0
    assert report.combined < 0.2
    assert any("rms_dbfs" in f for f in report.failures)
    with pytest.raises(CorpusError, match="rms_dbfs"):
        report.raise_if_failed()
    assert "SHORTCUT" in report.markdown()


def test_a_small_corpus_is_reported_not_gated(tmp_path: Path) -> None:
    paths, keys = _write_set(tmp_path, 6, spoof_gain=3.0)
    report = audit(paths, keys, ["en"] * len(paths))
    assert not report.gated and report.passed
    assert "reported, not enforced" in report.markdown()


def test_a_shortcut_each_split_hides_in_the_pool_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # train's spoofs are louder than its bona fide files and dev's quieter: pooled, the level
    # says nothing (bona fide sits between the two), yet within either split it gives them away.
    monkeypatch.setattr(audit_mod, "MIN_FILES_TO_GATE", 10)
    (tmp_path / "train").mkdir()
    (tmp_path / "dev").mkdir()
    train_paths, train_keys = _write_set(tmp_path / "train", 12, spoof_gain=3.0)
    dev_paths, dev_keys = _write_set(tmp_path / "dev", 12, spoof_gain=1 / 3)
    paths, keys = train_paths + dev_paths, train_keys + dev_keys
    splits = ["train"] * len(train_paths) + ["dev"] * len(dev_paths)
    report = audit(paths, keys, ["en"] * len(paths), splits=splits)
    assert report.single["rms_dbfs"] >= 0.3
    assert list(report.splits) == ["train", "dev"]
    assert report.splits["train"].single["rms_dbfs"] == 0.0
    assert report.splits["dev"].single["rms_dbfs"] == 0.0
    assert any(f.startswith("train: rms_dbfs") for f in report.failures)
    assert any(f.startswith("dev: rms_dbfs") for f in report.failures)
    assert "### Split dev" in report.markdown()
    with pytest.raises(CorpusError, match="dev: rms_dbfs"):
        report.raise_if_failed()


def test_a_single_split_is_not_reported_twice(tmp_path: Path) -> None:
    paths, keys = _write_set(tmp_path, 6, spoof_gain=1.0)
    report = audit(paths, keys, ["en"] * len(paths), splits=["train"] * len(paths))
    assert report.splits == {}
    assert report.to_dict()["splits"] == {} and report.to_dict()["passed"] is True
