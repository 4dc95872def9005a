"""A build with partial spoofs (L14) says where each one's synthetic stretch lies in its stored
file (``partial_spans.tsv``): that is where the file differs from its bona fide source put through
the same channel, and a resumed build that lost the list makes the same one again."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.localspoof.build import build
from spoofscope.localspoof.layout import MANIFEST, PARTIAL_SPANS
from spoofscope.localspoof.rendering import read_spans, render

pytestmark = pytest.mark.slow

FRAME = 160  # 10 ms at 16 kHz


@pytest.fixture(scope="module")
def partial_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("partial") / "v4"
    result = build(out, size="tiny", attacks=["L01", "L14"], workers=2, seed=3, progress=False,
                   run_audit=False)  # fmt: skip
    return out, result.jobs


def test_every_partial_spoof_has_a_span_inside_its_file(partial_build: tuple[Path, list]) -> None:
    out, _ = partial_build
    rows = list(csv.DictReader((out / MANIFEST).open(encoding="utf-8")))
    partial = {r["utt_id"]: r for r in rows if r["attack"] == "L14"}
    spans = read_spans(out)
    assert partial and set(spans) == set(partial)
    for utt_id, (start, end) in spans.items():
        duration = sf.info(out / partial[utt_id]["path"]).duration
        assert 0.0 <= start < end <= duration + 1e-3, utt_id
        assert end - start <= 1.0 + 0.2  # at most 1 s drawn, each end moved up to 80 ms


def shifted(other: np.ndarray, lag: int, n: int) -> np.ndarray:
    """``other`` delayed by ``lag`` samples (advanced when negative), cut or padded to ``n``."""
    out = np.zeros(n)
    lo, hi = max(0, lag), min(n, lag + len(other))
    out[lo:hi] = other[lo - lag : hi - lag]
    return out


def aligned_to(stored: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``other`` shifted to line up with ``stored``. The channel trims each file's silence by its
    own loudest 20-ms frame, so two renderings of nearly the same audio can start whole frames
    apart: the lag is the multiple of 20 ms (320 samples) that leaves the least difference."""

    def residual(lag: int) -> float:
        b = shifted(other, lag, len(stored))
        gain = np.dot(stored, b) / max(np.dot(b, b), 1e-12)
        return float(np.sum(np.square(stored - gain * b)))

    best = min(range(-10, 11), key=lambda k: residual(320 * k))
    return shifted(other, 320 * best, len(stored))


def test_the_span_is_where_the_file_differs_from_its_source(
    partial_build: tuple[Path, list],
) -> None:
    out, jobs = partial_build
    spans = read_spans(out)
    for job in (j for j in jobs if j.attack == "L14"):
        stored, _ = sf.read(out / f"LA/ASVspoof2019_LA_{job.split}/flac/{job.utt_id}.flac")
        # the source through the same channel, with the same noise floor
        bona = render(dataclasses.replace(job, attack="-", key="bonafide", settings="{}"))
        bona = aligned_to(stored, bona)
        n = len(stored) // FRAME
        start, end = spans[job.utt_id]
        inside = np.zeros(n, dtype=bool)
        # the cross-fades and the channel's filters reach a few ms beyond the span's ends
        inside[max(0, int(start * 100) - 3) : int(end * 100) + 3] = True
        outside = np.repeat(~inside, FRAME)
        # loudness is normalised over each file's own speech: match the gain outside the span
        s, b = stored[: n * FRAME], bona[: n * FRAME]
        gain = np.dot(s[outside], b[outside]) / max(np.dot(b[outside], b[outside]), 1e-12)
        diff = np.square(s - gain * b).reshape(n, FRAME).sum(axis=1)
        assert diff[inside].sum() > 0.9 * diff.sum(), (job.utt_id, start, end)


def test_a_resumed_build_that_lost_the_list_makes_the_same_one(
    partial_build: tuple[Path, list],
) -> None:
    out, _ = partial_build
    before = (out / PARTIAL_SPANS).read_text()
    (out / PARTIAL_SPANS).unlink()
    result = build(out, size="tiny", attacks=["L01", "L14"], workers=2, seed=3, progress=False,
                   run_audit=False)  # fmt: skip
    assert result.rendered == 0  # every file was intact; the spans were made again in memory
    assert (out / PARTIAL_SPANS).read_text() == before


def test_localise_scores_each_listed_partial_spoof_against_its_span(
    partial_build: tuple[Path, list], tmp_path: Path
) -> None:
    import json

    from tests.integration.cli_runner import run_cli

    out, jobs = partial_build
    spans = read_spans(out)
    split = next(j.split for j in jobs if j.attack == "L14")
    listed = {j.utt_id for j in jobs if j.attack == "L14" and j.split == split}
    result = run_cli("corpus", "localise", "--root", str(out), "--split", split,
                     "--window", "0.5", "--hop", "0.25", "--out", str(tmp_path))  # fmt: skip
    assert result.code == 0, result.out + result.err
    assert "most suspicious window on the span" in result.out
    rows = [r.split("\t") for r in (tmp_path / "localisation.tsv").read_text().splitlines()[1:]]
    assert {r[0] for r in rows} == listed
    for utt_id, start, end, *_ in rows:
        assert (float(start), float(end)) == pytest.approx(spans[utt_id], abs=1e-3)
    summary = json.loads((tmp_path / "localisation.json").read_text())
    assert summary["files"] == len(listed) and summary["failed"] == 0
    assert 0.0 < summary["chance_rate"] <= 1.0


def test_localise_says_so_when_a_split_has_no_partial_spoof(
    partial_build: tuple[Path, list],
) -> None:
    from tests.integration.cli_runner import run_cli

    out, _ = partial_build
    result = run_cli("corpus", "localise", "--root", str(out), "--split", "nosuchsplit")
    assert result.code != 0
    assert "nosuchsplit" in result.out + result.err


def test_localise_names_the_split_when_no_partial_spoof_could_be_scored(
    partial_build: tuple[Path, list],
) -> None:
    from spoofscope.errors import AudioError, CorpusError
    from spoofscope.localspoof.localisation import localise

    class Unreadable:
        def score_batch(self, items):
            return [AudioError(str(p), "cannot be decoded") for p in items]

    out, jobs = partial_build
    split = next(j.split for j in jobs if j.attack == "L14")
    with pytest.raises(CorpusError, match="could be scored"):
        localise(Unreadable(), str(out), split)
