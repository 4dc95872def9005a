"""``evaluate`` reports its progress file by file, for the bar the CLI draws (files/s, ETA)."""

from __future__ import annotations

import pytest

from spoofscope.evaluation.evaluate import EvalOptions, counted, load_split, score_manifest
from spoofscope.inference.resolve import load_model
from tests.fixtures.scoring import tiny_checkpoint
from tests.unit.training.tiny_corpus import build_la


def test_counted_reports_each_batch_once_it_is_scored():
    seen = []
    batches = counted([(["w1", "w2"], [0, 1]), (["w3"], [1])], 3, lambda d, t: seen.append((d, t)))
    first = next(batches)
    assert first[1] == [0, 1] and seen == [(0, 3)], "nothing is counted before it is scored"
    assert list(batches) == [(["w3"], [1])]
    assert seen == [(0, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("crop", ["windows", "first"])
def test_score_manifest_counts_every_file_bad_ones_included(tmp_path, crop):
    root = build_la(tmp_path / "la", seconds=0.25)
    manifest, _ = load_split("asvspoof2019-la", root, "eval")
    bad = manifest[0].path
    with open(bad, "w") as fh:
        fh.write("not audio\n")
    model, card = load_model(tiny_checkpoint(tmp_path / "ck"))
    seen = []
    opts = EvalOptions(crop=crop, batch_size=3)
    scores, failures = score_manifest(model, card, manifest, opts, lambda d, t: seen.append(d))
    n = len(manifest)
    assert seen[0] == 0 and seen[-1] == n and seen == sorted(seen) and len(seen) > 2
    assert len(scores) + len(failures) == n and [f.path for f in failures] == [bad]
