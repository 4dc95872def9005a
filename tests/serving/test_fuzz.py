"""Schemathesis against the OpenAPI schema: no 500s, and every answer as the schema describes it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from spoofscope.serving.app import create_app  # noqa: E402
from spoofscope.serving.settings import Settings  # noqa: E402

# a small body limit keeps generated uploads cheap; no rate limit, so a 429 never hides what a
# request would have got. The database lives in a folder made here because the schema has to
# exist when pytest collects the test, before any fixture runs.
DB = Path(tempfile.mkdtemp(prefix="spoofscope-fuzz-")) / "audit.db"
APP = create_app(
    Settings(db_url=f"sqlite:///{DB}", workers=1, rate_per_minute=0, max_upload_bytes=2**16)
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def running() -> Iterator[None]:
    with TestClient(APP):  # the lifespan, once: model and database open for every call
        yield
    shutil.rmtree(DB.parent, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_answers_match_the_schema(case: object) -> None:
    # An upload the schema allows (any bytes) is not always audio, so a schema-valid body may be
    # refused with 400; every other check holds (no 500, documented statuses and bodies).
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
