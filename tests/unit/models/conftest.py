"""Shared fixtures of the model tests: the reference folder with the official AASIST files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_dir() -> Path:
    """``<repo>/../shared`` (override with ``SPOOFSCOPE_SHARED``)."""
    override = os.environ.get("SPOOFSCOPE_SHARED")
    return Path(override) if override else Path(__file__).resolve().parents[3].parent / "shared"


@pytest.fixture(scope="session")
def aasist_reference() -> Path:
    path = shared_dir() / "reference" / "aasist"
    if not (path / "outputs.json").is_file():
        pytest.fail(
            f"AASIST reference files not found at {path}; set SPOOFSCOPE_SHARED to the shared folder"
        )
    return path
