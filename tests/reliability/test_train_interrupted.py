"""Training killed at any write point of a checkpoint resumes to the uninterrupted run.

A kill is injected (an exception no handler catches, raised from
:func:`spoofscope.training.checkpointing.write_point`) at each point where a checkpoint is half
written, rather than timed with a signal, so every point is hit exactly.
"""

from __future__ import annotations

import json

import pytest
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.models.base import WEIGHTS_FILE, load_checkpoint
from spoofscope.training import checkpointing as ckpt
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe
from tests.unit.training.tiny_corpus import build_la

EPOCHS = "train.epochs=3"
#: per-epoch timings differ between any two runs; everything else must not
TIMINGS = {"train_seconds", "data_wait_seconds", "dev_seconds"}


class Killed(BaseException):
    """What a kill -9 is to the trainer: nothing catches it, nothing after it runs."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.25)


def _log(run):
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in TIMINGS} for line in lines]


def _weights(run):
    return load_checkpoint(run / "last").state_dict()


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    run = tmp_path_factory.mktemp("whole") / "run"
    points: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ckpt, "write_point", points.append)
        Trainer(recipe(corpus, EPOCHS), run, progress=False).fit()
    return run, points


def _killed_at(corpus, run, k, monkeypatch):
    calls = iter(range(10_000))

    def point(_name):
        if next(calls) == k:
            raise Killed

    monkeypatch.setattr(ckpt, "write_point", point)
    with pytest.raises(Killed):
        Trainer(recipe(corpus, EPOCHS), run, progress=False).fit()
    monkeypatch.undo()


def test_every_write_point_of_the_later_checkpoints_resumes_bit_for_bit(
    corpus, uninterrupted, tmp_path, monkeypatch
):
    whole, points = uninterrupted
    first_last = points.index("swapped", points.index("weights written"))  # last/ exists from here
    targets = range(first_last + 1, len(points))
    assert len(targets) >= 10  # best/ and last/ of epochs 2 and 3, every step of each commit
    reference, log = _weights(whole), _log(whole)
    for k in targets:
        run = tmp_path / f"k{k}"
        _killed_at(corpus, run, k, monkeypatch)
        Trainer(recipe(corpus, EPOCHS), run, progress=False).fit(resume=True)
        got = _weights(run)
        assert all(torch.equal(got[name], reference[name]) for name in reference), points[k]
        assert _log(run) == log, f"metrics.jsonl after a kill at {points[k]} (point {k})"
        assert (run / "dev_scores.tsv").read_text() == (whole / "dev_scores.tsv").read_text()


def test_a_damaged_last_checkpoint_falls_back_to_the_previous_with_a_warning(
    corpus, uninterrupted, tmp_path
):
    whole, _ = uninterrupted
    run = tmp_path / "run"
    Trainer(recipe(corpus, "train.epochs=2"), run, progress=False).fit()
    weights = run / "last" / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # truncated
    with pytest.warns(RuntimeWarning, match="damaged"):
        Trainer(recipe(corpus, EPOCHS), run, console=None, progress=False).fit(resume=True)
    reference = _weights(whole)
    assert all(torch.equal(_weights(run)[n], reference[n]) for n in reference)
    assert _log(run) == _log(whole)


def test_no_good_copy_left_is_a_typed_error(corpus, tmp_path):
    run = tmp_path / "run"
    Trainer(recipe(corpus, "train.epochs=1"), run, progress=False).fit()
    (run / "last" / WEIGHTS_FILE).write_bytes(b"")
    with pytest.raises(CheckpointError, match="SHA-256 differs") as err:
        Trainer(recipe(corpus, EPOCHS), run, progress=False).fit(resume=True)
    assert "\n" not in str(err.value)


def test_training_into_an_existing_run_is_refused_unless_told(corpus, tmp_path):
    run = tmp_path / "run"
    Trainer(recipe(corpus, "train.epochs=2"), run, progress=False).fit()
    before = (run / "metrics.jsonl").read_text()
    (run / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="--resume continues it, --overwrite replaces it"):
        Trainer(recipe(corpus, "train.epochs=1"), run, progress=False).fit()
    assert (run / "metrics.jsonl").read_text() == before  # nothing lost
    Trainer(recipe(corpus, "train.epochs=1"), run, progress=False).fit(overwrite=True)
    assert len(_log(run)) < len(before.splitlines())
    assert (run / "notes.txt").read_text() == "mine"  # only the run's own files are replaced
