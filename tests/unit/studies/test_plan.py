"""Variants per mode, run naming, the plan, and what a restarted study reuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spoofscope.errors import ConfigError
from spoofscope.studies import runs as study_runs
from spoofscope.studies.plan import plan_lines, run_dir, study_seeds, write_identity
from spoofscope.studies.variants import (
    GreedyState,
    Selection,
    fixed_variants,
    frontend_variants,
    locate_selection,
    parse_coefficients,
    parse_groups,
)

SIAMESE = {"model": {"name": "siamese-cnn", "params": {"frontend": "mfcc",
                                                       "frontend_params": {"n_mfcc": 13}}}}  # fmt: skip
IMAGE = {"model": {"name": "paper-cnn", "params": {"frontend": "image",
                                                   "frontend_params": {"source": "mfcc"}}}}  # fmt: skip
THIRTEEN = tuple(range(1, 14))


def test_coefficient_and_group_lists():
    assert parse_coefficients("1-13") == THIRTEEN
    assert parse_coefficients("2-4, 9") == (2, 3, 4, 9)
    assert parse_groups("1;2-5;6-9;10-13", THIRTEEN) == [(1,), (2, 3, 4, 5), (6, 7, 8, 9),
                                                        (10, 11, 12, 13)]  # fmt: skip
    for bad, why in (("0-3", "c1 and up"), ("5-2", "c1 and up"), ("1,x", "N or N-M"),
                     ("1,1", "twice")):  # fmt: skip
        with pytest.raises(ConfigError, match=why):
            parse_coefficients(bad)
    with pytest.raises(ConfigError, match="two groups"):
        parse_groups("1-3;3-5", THIRTEEN)
    with pytest.raises(ConfigError, match=r"\[14\] are not in"):
        parse_groups("13-14", THIRTEEN)


def test_the_selection_is_found_where_the_recipe_keeps_its_mfccs():
    assert locate_selection(SIAMESE, "mfcc", THIRTEEN).key == "model.params.frontend_params"
    image = locate_selection(IMAGE, "mfcc", THIRTEEN)
    assert image.key == "model.params.frontend_params.source_params"
    with pytest.raises(ConfigError, match="c14 asked, the mfcc front-end has 13"):
        locate_selection(SIAMESE, "mfcc", tuple(range(1, 15)))
    with pytest.raises(ConfigError, match="reads 'mfcc', not 'lfcc'"):
        locate_selection(SIAMESE, "lfcc", THIRTEEN)


def test_lofo_is_the_baseline_and_one_run_per_left_out_coefficient():
    variants = fixed_variants(Selection("model.params.frontend_params", THIRTEEN), "lofo")
    assert [v.name for v in variants[:3]] == ["all", "drop-01", "drop-02"]
    assert len(variants) == 14 and variants[0].baseline and not variants[1].baseline
    assert variants[4].kept == tuple(c for c in THIRTEEN if c != 4)
    assert variants[4].label == "-c4"
    # keep + clear drop, merged into the recipe's front-end parameters
    assert variants[4].overrides == (
        "model.params.frontend_params={keep: [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13], drop: null}",
    )


def test_keep_one_and_groups_in_both_directions():
    selection = Selection("k", THIRTEEN)
    keep_one = fixed_variants(selection, "keep-one")
    assert [v.name for v in keep_one[:3]] == ["all", "keep-01", "keep-02"]
    assert keep_one[12].kept == (12,) and keep_one[12].label == "c12"
    groups = parse_groups("1;2-5;6-9;10-13", THIRTEEN)
    dropped = fixed_variants(selection, "groups", groups, "drop")
    assert [v.name for v in dropped] == ["all", "drop-01", "drop-02-03-04-05", "drop-06-07-08-09",
                                         "drop-10-11-12-13"]  # fmt: skip
    kept = fixed_variants(selection, "groups", groups, "keep")
    assert [v.kept for v in kept[1:]] == [(1,), (2, 3, 4, 5), (6, 7, 8, 9), (10, 11, 12, 13)]
    with pytest.raises(ConfigError, match="needs --groups"):
        fixed_variants(selection, "groups")
    with pytest.raises(ConfigError, match="drop, keep"):
        fixed_variants(selection, "groups", groups, "both")


def test_greedy_forward_adds_the_best_coefficient_by_dev_eer_until_the_size():
    selection = Selection("k", (1, 2, 3, 4))
    state = GreedyState("forward", (1, 2, 3, 4), size=2)
    first = state.candidates(selection)
    assert [v.name for v in first] == ["keep-01", "keep-02", "keep-03", "keep-04"]  # fmt: skip
    state.advance({"keep-01": 0.3, "keep-02": 0.2, "keep-03": 0.4, "keep-04": 0.25}, selection)
    assert state.chosen == [2] and not state.done
    second = state.candidates(selection)
    assert [v.kept for v in second] == [(1, 2), (2, 3), (2, 4)]
    state.advance({v.name: eer for v, eer in zip(second, [0.2, 0.1, 0.15], strict=True)}, selection)
    assert state.chosen == [2, 3] and state.done and state.stop_reason == "size 2 reached"
    assert [r["dev_eer"] for r in state.rounds] == [0.2, 0.1]


def test_greedy_backward_stops_before_the_target_is_exceeded():
    selection = Selection("k", (1, 2, 3))
    state = GreedyState("backward", (1, 2, 3), target_eer=0.2)
    first = state.candidates(selection)
    assert [v.name for v in first] == ["drop-01", "drop-02", "drop-03"]
    state.advance({"drop-01": 0.15, "drop-02": 0.3, "drop-03": 0.12}, selection)
    assert state.chosen == [1, 2] and not state.done
    state.advance({"keep-02": 0.25, "keep-01": 0.22}, selection)
    assert state.done and state.chosen == [1, 2] and "above 0.2" in state.stop_reason


def test_frontend_variants_render_through_the_image_or_replace_the_frontend():
    image = frontend_variants(IMAGE, ["spectrogram", "mfcc", "lfcc"])
    assert image[0].name == "mfcc" and image[0].baseline  # the recipe's own first
    assert image[1].overrides == ("model.params.frontend_params.source=spectrogram",
                                  "model.params.frontend_params.source_params!={}")  # fmt: skip
    direct = frontend_variants(SIAMESE, ["lfcc", "cqcc"])
    assert direct[0].name == "lfcc" and direct[0].overrides[0] == "model.params.frontend=lfcc"
    with pytest.raises(ConfigError, match="unknown \\['mfc'\\]"):
        frontend_variants(IMAGE, ["mfc"])


def test_seeds_and_run_names_are_deterministic(tmp_path):
    assert study_seeds(1234, 3) == [1234, 1235, 1236]
    assert run_dir(tmp_path, "drop-04", 1235) == tmp_path / "runs" / "drop-04" / "seed-1235"
    with pytest.raises(ConfigError, match="at least 1"):
        study_seeds(1, 0)


def _finished(path: Path, roles=("eval", "dev")) -> None:
    (path / study_runs.STUDY_FILES).mkdir(parents=True)
    (path / study_runs.DONE_MARKER).write_text("{}")
    for role in roles:
        (path / study_runs.STUDY_FILES / f"{role}.json").write_text(json.dumps({"eer": 0.1}))


def test_run_states_come_from_the_completion_marker_and_the_checkpoint(tmp_path):
    roles = ("eval", "dev")
    assert study_runs.run_state(tmp_path / "none", roles) == "new"
    (tmp_path / "cut" / "last").mkdir(parents=True)
    assert study_runs.run_state(tmp_path / "cut", roles) == "resume"
    _finished(tmp_path / "done")
    assert study_runs.run_state(tmp_path / "done", roles) == "done"
    # trained but the study's train split not scored yet: scored, not retrained
    assert study_runs.run_state(tmp_path / "done", ("eval", "dev", "train")) == "score"


def test_a_finished_run_is_read_back_and_never_retrained(tmp_path, monkeypatch, tiny_la_recipe):
    import spoofscope.training.trainer as trainer

    class NoTraining:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(trainer, "Trainer", NoTraining)
    _finished(tmp_path / "run")
    task = study_runs.RunTask(str(tiny_la_recipe), ("train.seed=7",), str(tmp_path / "run"))
    out = study_runs.train_and_score(task)
    assert out["state"] == "done" and out["figures"]["eval"] == {"eer": 0.1}


def test_the_plan_says_what_is_reused(tmp_path, tiny_la_recipe):
    from spoofscope.studies.plan import plan

    selection = Selection("model.params.frontend_params.source_params", (1, 2))
    variants = fixed_variants(selection, "lofo")
    _finished(run_dir(tmp_path, "all", 7))
    planned = plan(str(tiny_la_recipe), (), variants, [7, 8], tmp_path)
    assert [(r.variant.name, r.seed, r.state) for r in planned][:2] == [("all", 7, "done"),
                                                                        ("all", 8, "new")]  # fmt: skip
    lines = plan_lines(planned)
    assert "seed 7: done, seed 8: new" in lines[0]
    assert lines[-1] == "3 variant(s) × seeds = 6 run(s): 1 done and reused, 5 to train or finish"
    assert planned[2].task.overrides[-1] == "train.seed=7"
    with pytest.raises(ConfigError, match=r"optim\.lr"):  # every run's recipe checked up front
        plan(str(tiny_la_recipe), ("optim.lr=-1",), variants, [7], tmp_path)


def test_a_directory_of_another_study_is_refused(tmp_path):
    write_identity(tmp_path, {"kind": "ablation", "recipe": "a.yaml", "overrides": []})
    write_identity(
        tmp_path, {"kind": "ablation", "recipe": "a.yaml", "overrides": [], "seeds": [1]}
    )
    with pytest.raises(ConfigError, match="its recipe differ"):
        write_identity(tmp_path, {"kind": "ablation", "recipe": "b.yaml", "overrides": []})


def test_a_greedy_round_that_loses_a_run_stops_in_one_line(tmp_path, monkeypatch, tiny_la_recipe):
    import spoofscope.studies.study as study
    from spoofscope.errors import AudioError, SpoofscopeError

    def one_run_fails(runs, engine, on_done=None):
        lost = next(r for r in runs if r.variant.name == "keep-02")
        why = AudioError("LA_T_1000003.flac", "truncated FLAC frame\nin block 12")
        return {}, [(lost, why)]

    monkeypatch.setattr(study, "execute", one_run_fails)
    spec = study.Ablation(
        str(tiny_la_recipe), tmp_path, coefficients="1-3", mode="greedy-forward", seeds=1, size=2
    )
    with pytest.raises(SpoofscopeError) as caught:
        study.run_ablation(spec)
    message = str(caught.value)
    assert "\n" not in message and "keep-02/seed-7" in message
    assert "greedy round 1 stopped: LA_T_1000003.flac: truncated FLAC frame;" in message
    assert "same command retries" in message
    assert not (tmp_path / "analysis.json").exists()  # no selection reported on a partial round


def test_a_compact_study_that_loses_a_run_stops_in_one_line(tmp_path, monkeypatch, tiny_la_recipe):
    import json

    import spoofscope.studies.study as study
    from spoofscope.errors import SpoofscopeError

    cfg = study._resolved(str(tiny_la_recipe), ())
    key = locate_selection(cfg.model_dump(mode="json"), "mfcc", (1, 2, 3)).key
    write_identity(tmp_path, {
        "kind": "ablation", "recipe": str(tiny_la_recipe), "overrides": [], "features": "mfcc",
        "frontends": None, "coefficients": [1, 2, 3], "selection_key": key,
        "mode": "lofo", "seeds": [7],
    })  # fmt: skip
    (tmp_path / study.ANALYSIS_FILE).write_text(json.dumps({"ranking": [2, 1, 3]}))

    def top_one_fails(runs, engine, on_done=None):
        lost = next(r for r in runs if r.variant.name == "keep-02")
        return {}, [(lost, RuntimeError("Output size is too small"))]

    monkeypatch.setattr(study, "execute", top_one_fails)
    with pytest.raises(SpoofscopeError) as caught:
        study.run_compact(tmp_path, [3, 1])
    message = str(caught.value)
    assert "\n" not in message and "keep-02/seed-7" in message
    assert "compact stopped: Output size is too small;" in message
    assert not (tmp_path / study.COMPACT_FILE).exists()  # no trade-off curve with a point missing
