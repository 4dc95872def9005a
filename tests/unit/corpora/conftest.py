"""Fixtures of the corpora tests: layout-faithful tiny corpora from tests/fixtures/corpora.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.corpora import Expected, build_asvspoof2019


@pytest.fixture(scope="module")
def la2019(tmp_path_factory: pytest.TempPathFactory) -> Expected:
    """A clean ASVspoof 2019 LA tree (train/dev/eval, ASV files), shared by a test module."""
    root: Path = tmp_path_factory.mktemp("la2019")
    return build_asvspoof2019(root, "LA")
