"""Fixtures shared by every test area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The project's ``shared/`` folder: $SPOOFSCOPE_SHARED, else ``../shared`` beside the checkout."""
    return Path(os.environ.get("SPOOFSCOPE_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``shared/reference``: official weights, outputs and metric values (see its README)."""
    path = shared_dir() / "reference"
    if not path.is_dir():
        pytest.fail(
            f"reference data not found at {path}; set SPOOFSCOPE_SHARED to the shared/ folder"
        )
    return path
