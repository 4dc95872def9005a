"""Engines run a function over tasks in worker processes and hand back every outcome.

What the score command and the study runner rely on: every task comes back once with its index;
workers run the thread count they were given and their initializer once; an error raised in a
worker arrives as the same spoofscope error, whether from a task or from the initializer.
"""

from __future__ import annotations

import importlib.util

import pytest

from spoofscope import errors
from spoofscope.audio.io import load
from spoofscope.engines import Resources, get_engine
from spoofscope.engines.worker import worker_count
from spoofscope.inference.resolve import checkpoint_dir
from tests.unit.engines.probes import inspect, remember


def _outcomes(engine, fn, tasks, **kwargs) -> dict:
    pairs = list(engine.map_unordered(fn, tasks, **kwargs))
    indices = [i for i, _ in pairs]
    assert sorted(indices) == list(range(len(tasks))), "each task comes back exactly once"
    return dict(pairs)


@pytest.fixture(scope="module")
def engine():
    """One worker of two threads, prepared with a model name (a pool start costs seconds)."""
    with get_engine("local", workers=1, threads_per_worker=2, initializer=remember,
                    initargs=("aasist-19la",)) as started:  # fmt: skip
        yield started


@pytest.fixture(scope="module")
def two_thread_run(engine) -> dict:
    return _outcomes(engine, inspect, list(range(7)))


def test_every_task_comes_back_with_its_index(two_thread_run):
    assert [two_thread_run[i]["task"] for i in range(7)] == list(range(7))


def test_a_worker_runs_the_threads_it_was_given(two_thread_run):
    assert {(r["torch_threads"], r["omp"]) for r in two_thread_run.values()} == {(2, "2")}


def test_the_initializer_runs_once_per_worker(two_thread_run):
    assert {(r["init_calls"], r["init_arg"]) for r in two_thread_run.values()} == {
        (1, "aasist-19la")
    }
    assert len({r["pid"] for r in two_thread_run.values()}) == 1


def test_errors_of_a_task_arrive_as_the_same_class(engine, tmp_path):
    missing = tmp_path / "LA_E_1000147.flac"
    text = tmp_path / "LA_E_1000148.flac"
    text.write_text("not audio\n")
    out = _outcomes(engine, load, [str(missing), str(text)])
    assert isinstance(out[0], errors.AudioNotFoundError) and str(missing) in str(out[0])
    assert isinstance(out[1], errors.NotAudioError) and out[1].what == str(text)


def test_a_run_stopped_early_leaves_the_engine_usable(engine):
    first = next(iter(engine.map_unordered(inspect, range(50))))
    assert first[0] == 0
    assert _outcomes(engine, inspect, [0, 1])[1]["task"] == 1


def test_an_initializer_error_is_the_outcome_of_every_task():
    engine = get_engine("local", workers=1, initializer=checkpoint_dir, initargs=("no-such-model",))
    with engine:
        out = _outcomes(engine, inspect, [0, 1, 2])
    assert engine._pool is None
    assert all(isinstance(o, errors.CheckpointError) for o in out.values())
    assert out[0].what == "no-such-model"


def test_workers_fill_the_cores_at_the_thread_count():
    assert worker_count(None, 1, cores=16) == 16
    assert worker_count(None, 4, cores=16) == 4
    assert worker_count(None, 4, cores=2) == 1
    assert worker_count(3, 4, cores=16) == 3


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "slurm"}, errors.UnknownNameError),
        ({"name": "local", "workers": 0}, errors.ConfigError),
        ({"name": "local", "threads_per_worker": 0}, errors.ConfigError),
        ({"name": "local", "address": "10.0.0.5:6379"}, errors.ConfigError),
    ],
)
def test_bad_engine_settings_are_config_errors(kwargs, error):
    with pytest.raises(error):
        get_engine(**kwargs)


def test_a_negative_resource_request_is_refused():
    with pytest.raises(errors.ConfigError, match="resources"):
        Resources(cpus=-1)


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_gives_what_the_local_pool_gives(tmp_path):
    import ray

    missing = str(tmp_path / "LA_E_1000147.flac")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        with get_engine("ray", workers=2, initializer=remember, initargs=("x",)) as engine:
            out = _outcomes(engine, inspect, list(range(5)), resources=Resources(cpus=1))
            failed = _outcomes(engine, load, [missing])
        assert {(r["torch_threads"], r["init_calls"], r["init_arg"]) for r in out.values()} == {
            (1, 1, "x")
        }
        assert isinstance(failed[0], errors.AudioNotFoundError) and failed[0].what == missing
        with get_engine("ray", initializer=checkpoint_dir, initargs=("no-such-model",)) as engine:
            init_failed = _outcomes(engine, inspect, [0])
        assert isinstance(init_failed[0], errors.CheckpointError)
        assert ray.is_initialized(), "an instance the caller started is left running"
    finally:
        ray.shutdown()
