"""The shipped default on LocalSpoof's eval split: real voices pass, Piper is caught, silence and
a tone get no-speech (the README's "Check a file" shows these lines)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import soundfile as sf

from tests.fixtures.localspoof import tiny_corpus
from tests.integration.cli_runner import run_cli


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[str]]:
    """Verdicts of ``spoofscope detect --json`` on the tiny build's eval bona fide and Piper files."""
    root = tiny_corpus()
    with open(root / "localspoof.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "eval"]
    groups = {
        "bonafide": [r for r in rows if r["key"] == "bonafide"],
        "piper": [r for r in rows if r["synthesizer"] == "piper"],
    }
    out = {}
    for name, group in groups.items():
        res = run_cli("detect", "--json", *[str(root / r["path"]) for r in group])
        assert res.code == 0
        out[name] = [d["verdict"] for d in json.loads(res.out)["results"]]
    return out


def test_piper_speech_is_spoof(verdicts):
    assert verdicts["piper"] and set(verdicts["piper"]) == {"spoof"}


def test_real_voices_are_bonafide(verdicts):
    bona = verdicts["bonafide"]
    assert "spoof" not in bona and bona.count("bonafide") >= 0.9 * len(bona)


def test_silence_and_a_tone_are_no_speech(tmp_path):
    t = np.arange(2 * 16000) / 16000
    sf.write(tmp_path / "silence.wav", np.zeros_like(t), 16000)
    sf.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 300 * t), 16000)
    res = run_cli("detect", str(tmp_path / "silence.wav"), str(tmp_path / "tone.wav"))
    assert res.code == 0
    assert [line.split()[0] for line in res.out.splitlines()[:2]] == ["no-speech", "no-speech"]


def test_the_onnx_backend_gives_the_same_verdicts():
    root = tiny_corpus()
    with open(root / "localspoof.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "eval"][:6]
    paths = [str(root / r["path"]) for r in rows]
    runs = {b: run_cli("detect", "--json", "--backend", b, *paths) for b in ("torch", "onnx")}
    assert {r.code for r in runs.values()} == {0}
    results = {b: json.loads(r.out)["results"] for b, r in runs.items()}
    assert [d["verdict"] for d in results["onnx"]] == [d["verdict"] for d in results["torch"]]
    for t, o in zip(results["torch"], results["onnx"], strict=True):
        assert o["score"] == pytest.approx(t["score"], rel=1e-3, abs=1e-3)


def test_an_unknown_backend_is_one_line():
    res = run_cli("detect", "--backend", "tflite", "x.wav")
    assert res.code != 0
    assert "tflite" in res.err and len(res.err.strip().splitlines()) == 1
