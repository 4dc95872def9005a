"""`spoofscope study`: the three commands share their engine and statistics options, hand the
library typed choices, refuse bad statistics before anything trains, and compact takes --seeds."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from spoofscope.cli.study import SHARED
from spoofscope.studies.plan import EngineChoice
from spoofscope.studies.study import Statistics
from tests.integration.cli_runner import run_cli

COMMANDS = ("ablation", "compact", "features")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_study_command_takes_every_shared_option(command):
    result = run_cli("study", command, "--help")
    assert result.code == 0
    flags = [o.option.param_decls[0] for o in SHARED]
    assert len(flags) == 9 and all(flag in result.out for flag in flags)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What each command hands the library; no run trains."""
    import spoofscope.studies.study as study

    got: dict[str, object] = {}

    def keep(name: str):
        def fake(*args, **kwargs):
            got.update(name=name, args=args, kwargs=kwargs)
            analysis = SimpleNamespace(statement=["no variant differs from the baseline"])
            return study.StudyResult(analysis, Path("report.html"), [], {"points": []})

        return fake

    for name in ("run_ablation", "run_compact", "run_features"):
        monkeypatch.setattr(study, name, keep(name))
    return got


def test_shared_options_reach_the_library_as_typed_choices(captured, tmp_path):
    result = run_cli(
        "study", "features", "--out", str(tmp_path), "--frontends", "mfcc,lfcc",
        "--workers", "2", "--threads", "1", "--correction", "bh", "--alpha", "0.1",
        "--resamples", "200",
    )  # fmt: skip
    assert result.code == 0, result.err
    spec, engine, statistics, _ = captured["args"]
    assert spec.frontends == ("mfcc", "lfcc") and spec.seeds == 3
    assert engine == EngineChoice("local", workers=2, threads=1)
    assert statistics == Statistics(alpha=0.1, correction="bh", resamples=200)
    assert "report: report.html" in result.err


def test_compact_takes_its_own_seeds(captured, tmp_path):
    assert run_cli("study", "compact", "--from", str(tmp_path), "--k", "5,3").code == 0
    assert captured["args"][1] == [5, 3] and captured["args"][6] is None  # the ablation's seeds
    run_cli("study", "compact", "--from", str(tmp_path), "--seeds", "5", "--engine", "ray")
    assert captured["args"][6] == 5 and captured["args"][2].name == "ray"


@pytest.mark.parametrize(
    ("flag", "value", "line"),
    [
        ("--correction", "bonferroni", "error: --correction: 'bonferroni' is not one of holm, bh"),
        ("--test", "mann-whitney", "error: --test: 'mann-whitney' is not one of t, wilcoxon"),
        ("--alpha", "1.5", "error: --alpha: must be in (0, 1), got 1.5"),
    ],
)
def test_bad_statistics_fail_in_one_line_before_the_study_starts(
    captured, tmp_path, flag, value, line
):
    result = run_cli("study", "ablation", "--config", "x.yaml", "--out", str(tmp_path), flag, value)
    assert result.code == 2 and result.err.splitlines() == [line]
    assert not captured  # the library was never called
