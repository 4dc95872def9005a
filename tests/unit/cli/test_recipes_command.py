"""Recipes shipped in the package: `spoofscope recipes list / show`, `train --config NAME`, the wheel."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest
import yaml

from spoofscope.errors import ConfigError
from spoofscope.recipes import PROFILES, find_recipe, packaged_recipes, recipes_dir
from spoofscope.training.config import load_config
from tests.integration.cli_runner import run_cli

REPO = Path(__file__).resolve().parents[3]
PACKAGED = packaged_recipes()


def test_list_shows_every_packaged_recipe_with_its_corpus_and_model():
    result = run_cli("recipes", "list")
    assert result.code == 0
    rows = {line.split()[0]: line.split() for line in result.out.splitlines()}
    assert set(rows) == set(PACKAGED)
    assert rows["aasist-19la"][1:3] == ["asvspoof2019-la", "aasist"]
    assert rows["siamese-cosine-decro-zh"][1:3] == ["decro", "siamese-cosine"]
    assert rows["paper-cnn-wav2vec-asvspoof2017"][1:3] == ["asvspoof2017", "paper-cnn"]


def test_list_describes_each_recipe_in_its_own_words():
    rows = {row["name"]: row for row in json.loads(run_cli("recipes", "list", "--json").out)}
    assert all(row["description"] for row in rows.values())
    # a CPU variant states no description: its first comment line speaks for it, not its parent's
    assert rows["aasist-localspoof"]["description"].startswith("aasist sized for LocalSpoof on CPU")
    assert rows["aasist-19la"]["description"] == (
        "AASIST, official training settings, ASVspoof 2019 LA."
    )


def test_show_prints_the_resolved_recipe_with_overrides():
    result = run_cli("recipes", "show", "modified-cnn-asvspoof2017", "--set", "optim.lr=3e-4")
    assert result.code == 0
    shown = yaml.safe_load(result.out)
    assert shown["name"] == "modified-cnn-asvspoof2017"
    assert shown["data"]["corpus"] == "asvspoof2017"  # from the profile it extends
    assert shown["model"]["params"]["frontend_params"] == {"source": "mfcc", "size": [200, 200]}
    assert shown["train"]["max_steps"] == 240  # from the ASVspoof 2019 LA recipe it extends
    assert shown["optim"]["lr"] == 3e-4


def test_train_resolves_a_packaged_recipe_by_name(tmp_path):
    # the corpus root is checked after the name resolves and before torch or any data is touched
    nowhere = tmp_path / "ASVspoof2019"
    result = run_cli("train", "--config", "aasist-19la", "--out", str(tmp_path / "run"),
                     "--set", f"data.root={nowhere}")  # fmt: skip
    assert result.code == 2
    assert result.err.strip() == f"error: {nowhere}: corpus root does not exist (data.root)"


@pytest.mark.parametrize(
    ("given", "close"),
    [
        ("aasist-19LA", ["aasist-19la"]),
        # a path from before the recipes moved into the package names the moved file first
        ("configs/asvspoof2019-la/siamese-cosine.yaml", ["siamese-cosine-19la"]),
        ("siamese-cosine-decro", ["siamese-cosine-decro-zh", "siamese-cosine-decro-en"]),
    ],
)
def test_an_unknown_name_fails_in_one_line_with_close_matches(given, close, tmp_path):
    result = run_cli("train", "--config", given, "--out", str(tmp_path / "run"))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {given}: no such recipe file or packaged recipe")
    assert f"close matches: {', '.join(close)}" in lines[0]
    with pytest.raises(ConfigError, match="none is close"):
        find_recipe("xyzzy")


@pytest.mark.parametrize("name", sorted(PACKAGED), ids=str)
def test_every_packaged_recipe_validates(name, tmp_path):
    cfg = load_config(name, [f"data.root={tmp_path}"])
    assert cfg.name == name
    assert cfg.description or PACKAGED[name].read_text().startswith("#")


def test_a_file_path_still_wins_over_a_name(tmp_path):
    local = tmp_path / "aasist-19la"
    local.write_text(yaml.safe_dump({"data": {"corpus": "asvspoof2019-la", "root": str(tmp_path)},
                                     "model": {"name": "rawnet2"}}))  # fmt: skip
    assert load_config(local).model.name == "rawnet2"


def test_the_wheel_carries_every_packaged_recipe_and_profile():
    """setuptools packs what pyproject's package-data globs match under spoofscope/; every YAML
    file of the recipes folder must be among them, and importlib.resources must reach it."""
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["spoofscope"]
    package = REPO / "spoofscope"
    packed = {path for pattern in globs for path in package.glob(pattern)}
    shipped = set((package / "recipes").rglob("*.yaml"))
    assert shipped and shipped <= packed
    found = {
        Path(str(entry))
        for folder in resources.files("spoofscope.recipes").iterdir()
        if folder.is_dir()
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }
    assert found == shipped
    assert recipes_dir() == package / "recipes"
    profiles = {p for p in shipped if p.parent.name == PROFILES}
    assert {p.name for p in profiles} >= {"localspoof-cpu.yaml", "asvspoof2017.yaml"}
    assert set(PACKAGED.values()) == shipped - profiles
