"""Atomic writes and the protocol/manifest text of a build."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.localspoof.atomic import write_atomic
from spoofscope.localspoof.layout import CSV_COLUMNS, audio_path, manifest_text, protocol_text
from spoofscope.localspoof.plan import Job
from spoofscope.localspoof.rendering import write_flac


def job(utt: str, split: str, attack: str) -> Job:
    key = "bonafide" if attack == "-" else "spoof"
    return Job(utt, split, key, "LS_CARLO", attack, "it", "male", "asterisk-core-sounds-it-wav",
               "/usr/share/asterisk/sounds/it_IT_m_Carlo/vm-press.wav", "human", "{}",
               "Premere, per favore", 5)  # fmt: skip


def test_interrupted_write_leaves_neither_file_nor_temporary(tmp_path: Path) -> None:
    target = tmp_path / "flac" / "LS_T_0000001.flac"

    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"fLaC\x00half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_fail)
    assert list(target.parent.iterdir()) == []


def test_flac_is_16_bit_16k(tmp_path: Path) -> None:
    target = tmp_path / "a.flac"
    write_flac(target, 0.5 * np.sin(np.linspace(0, 100, 16000)).astype(np.float32))
    info = sf.info(target)
    assert (info.samplerate, info.subtype, info.frames) == (16000, "PCM_16", 16000)


def test_protocol_and_manifest_rows() -> None:
    jobs = [
        job("LS_D_0000001", "dev", "-"),
        job("LS_D_0000002", "dev", "L06"),
        job("LS_E_0000001", "eval", "L07"),
    ]
    assert (
        protocol_text(jobs, "dev")
        == "LS_CARLO LS_D_0000001 - - bonafide\nLS_CARLO LS_D_0000002 - L06 spoof\n"
    )
    rows = list(csv.DictReader(io.StringIO(manifest_text(jobs))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert (
        rows[2]["path"] == audio_path(jobs[2]) == "LA/ASVspoof2019_LA_eval/flac/LS_E_0000001.flac"
    )
    assert rows[0]["text"] == "Premere, per favore"


def test_a_job_that_fails_to_render_is_left_out_and_listed(tmp_path: Path, monkeypatch) -> None:
    """One synthesizer failure must not sink a build: the file is left out of the protocols and
    manifest, listed in failures.tsv, and the result carries it (the CLI then exits 1)."""
    from spoofscope.errors import AudioError
    from spoofscope.localspoof import build as build_module
    from spoofscope.localspoof import rendering

    victim: list[str] = []

    def fake_render(job: Job) -> tuple[np.ndarray, None]:
        if not victim and job.key == "spoof":
            victim.append(job.utt_id)
        if job.utt_id in victim:
            raise AudioError(f"festival {job.attack}", "synthesizer wrote unreadable audio")
        return np.full(1600, 0.1, dtype=np.float32), None

    monkeypatch.setattr(rendering, "render_with_span", fake_render)
    monkeypatch.setattr(rendering, "MAX_FAILED_FRACTION", 0.05)
    result = build_module.build(tmp_path, size="tiny", progress=False, run_audit=False)
    assert [u for u, _ in result.failures] == victim
    assert victim[0] not in {j.utt_id for j in result.jobs}
    protocols = "".join(p.read_text() for p in tmp_path.glob("LA/*protocols/*.txt"))
    assert victim[0] not in protocols and len(protocols.splitlines()) == len(result.jobs)
    assert victim[0] not in (tmp_path / "localspoof.csv").read_text()
    assert f"{victim[0]}\tfestival" in (tmp_path / "failures.tsv").read_text()
