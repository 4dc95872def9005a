"""`spoofscope train` / `evaluate` end to end: bad recipes, a real run, and torchrun with gloo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from spoofscope.evaluation.scorefile import read_scores
from spoofscope.models.base import load_checkpoint
from tests.integration.cli_runner import run_cli
from tests.unit.training.conftest import recipe
from tests.unit.training.tiny_corpus import build_la

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    return build_la(tmp_path_factory.mktemp("la"), seconds=0.25)


@pytest.fixture
def aasist_recipe(tmp_path, tiny_root) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "data": {
                    "corpus": "asvspoof2019-la",
                    "root": str(tiny_root),
                    "crop_samples": 4000,
                    "batch_size": 4,
                    "max_dev_files": 8,
                },
                "model": {"name": "aasist-l"},
                "train": {"epochs": 1, "max_steps": 2, "seed": 1},
                "eval": {"batch_size": 8},
            }
        )
    )
    return path


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.name=aasist-xl", "error: model 'aasist-xl': unknown model; choose one of: aasist"),
        ("data.root=/no/such/corpus", "error: /no/such/corpus: corpus root does not exist"),
        ("optim.lr=-0.01", "error: optim.lr: Input should be greater than 0 (got -0.01)"),
        ("optim.lr=fast", "error: optim.lr: Input should be a valid number"),
        ("train.epoch=3", "error: train.epoch: unknown key; allowed keys here: epochs"),
        ("augment=[{name: rawbost}]", "error: augmentation 'rawbost': unknown augmentation"),
        ("augment=[{name: codec, codecs: [gsm, amr]}]", "error: codec 'amr': unknown codec"),
        ("feature_augment=[{p: 0.5}]", "error: feature_augment[0]: missing 'name'"),
    ],
)
def test_bad_recipe_fails_with_one_line_and_no_output(aasist_recipe, tmp_path, override, message):
    result = run_cli("train", "--config", str(aasist_recipe), "--out", str(tmp_path / "run"),
                     "--set", override)  # fmt: skip
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)
    assert not (tmp_path / "run").exists()  # nothing was started


@pytest.mark.parametrize("override", ["model.name=nope", "augment=[{name: nope}]"])
def test_bad_recipe_does_not_import_torch(aasist_recipe, tmp_path, override):
    code = (
        "import sys; from spoofscope.cli.app import main; "
        f"rc = main(['train', '--config', {str(aasist_recipe)!r}, '--out', 'x', "
        f"'--set', {override!r}]); print(rc, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]


@pytest.mark.slow
def test_train_then_evaluate_through_the_cli(aasist_recipe, tiny_root, tmp_path):
    run = tmp_path / "run"
    result = run_cli("train", "--config", str(aasist_recipe), "--out", str(run), "--quiet",
                     "--json", "--set", "train.log_every=1")  # fmt: skip
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["steps"] == 2 and summary["epochs"] == 1
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["train"]["log_every"] == 1 and saved["model"]["name"] == "aasist-l"
    assert load_checkpoint(run / "best").arch == "aasist-l"
    out = tmp_path / "eval"
    result = run_cli("evaluate", "--model", str(run), "--corpus", "asvspoof2019-la",
                     "--root", str(tiny_root), "--split", "eval", "--out", str(out),
                     "--max-files", "8")  # fmt: skip
    assert result.code == 0, result.err
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= metrics["eer"] <= 1.0 and metrics["n_files"] == 8
    assert (out / "report.html").stat().st_size > 10_000
    assert "EER" in result.out
    # the recipe set no eval.crop: scored as the Detector scores
    assert metrics["data"]["crop"] == "windows"
    # a recipe's eval section gives evaluate its defaults, and options on the line win
    saved["eval"].update(crop="first", max_files=4)
    (run / "config.yaml").write_text(yaml.safe_dump(saved))
    for extra, crop, n_files in (([], "first", 4), (["--crop", "full"], "full", 4)):
        result = run_cli("evaluate", "--model", str(run), "--corpus", "asvspoof2019-la",
                         "--root", str(tiny_root), "--out", str(out), *extra)  # fmt: skip
        assert result.code == 0, result.err
        metrics = json.loads((out / "metrics.json").read_text())
        assert (metrics["data"]["crop"], metrics["n_files"]) == (crop, n_files)


def test_evaluate_with_a_missing_model_is_one_line(tiny_root, tmp_path):
    result = run_cli("evaluate", "--model", str(tmp_path / "nothing"), "--corpus",
                     "asvspoof2019-la", "--root", str(tiny_root), "--out", str(tmp_path / "o"))  # fmt: skip
    assert result.code == 2
    assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "loss",
    [
        "loss.name=cross-entropy",
        # a loss with parameters of its own (the speaker adversary) is averaged over ranks too
        "loss={name: speaker-adversarial, params: {tap: head, hidden: 8}}",
    ],
)
def test_two_gloo_processes_match_single_process_training(tiny_root, tmp_path, loss):
    from spoofscope.training.trainer import Trainer

    cfg = recipe(tiny_root, "train.epochs=2", "train.device=cpu", loss)
    Trainer(cfg, tmp_path / "single", progress=False).fit()
    path = tmp_path / "recipe.yaml"
    path.write_text(cfg.to_yaml())
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [str(torchrun), "--nproc_per_node=2", "--standalone",
         str(REPO / "tests/integration/ddp_train.py"), str(path), str(tmp_path / "ddp")],
        check=True, capture_output=True, timeout=300, env=env, cwd=REPO,
    )  # fmt: skip
    single = load_checkpoint(tmp_path / "single/last").state_dict()
    ddp = load_checkpoint(tmp_path / "ddp/last").state_dict()
    for name, value in single.items():
        torch.testing.assert_close(ddp[name], value, rtol=1e-4, atol=1e-5)
    a = read_scores(tmp_path / "single/dev_scores.tsv").score
    b = read_scores(tmp_path / "ddp/dev_scores.tsv").score
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # Training moved the weights, so the match is not two untouched models.
    from spoofscope.training.build import build_model
    from spoofscope.training.seeding import seed_everything

    seed_everything(cfg.train.seed)
    initial = build_model(cfg).state_dict()
    assert not torch.allclose(initial["body.weight"], single["body.weight"])
