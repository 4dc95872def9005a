"""The data card keeps a build's audit across a re-run that renders nothing and skips the audit."""

from __future__ import annotations

from pathlib import Path

from spoofscope.localspoof.card import AUDIT_NOT_RUN, previous_audit, write_card
from tests.unit.localspoof.test_build_files import job

PARAMS = {"size": "tiny", "seed": 0, "attacks": ["L01", "L06"], "seen": ["L01", "L06"]}
JOBS = [job("LS_D_0000001", "dev", "-"), job("LS_D_0000002", "dev", "L06")]


class Report:
    """Stands in for an audit report: what the card reads of one is its Markdown."""

    def markdown(self) -> str:
        return "| measure | EER % |\n|---|---|\n| duration | 41.2 |\n\nPassed (gate 30%)."


def test_a_rerun_that_renders_nothing_keeps_the_audit_the_card_holds(tmp_path: Path) -> None:
    path = write_card(tmp_path, JOBS, Report(), PARAMS)
    first = path.read_text()
    assert "| duration | 41.2 |" in first
    assert previous_audit(path) == Report().markdown()
    write_card(tmp_path, JOBS, None, PARAMS, unchanged=True)
    assert path.read_text() == first


def test_an_audit_goes_stale_once_a_file_is_rendered(tmp_path: Path) -> None:
    path = write_card(tmp_path, JOBS, Report(), PARAMS)
    write_card(tmp_path, JOBS, None, PARAMS, unchanged=False)
    assert "| duration |" not in path.read_text() and AUDIT_NOT_RUN in path.read_text()
    assert previous_audit(path) is None
    # and with nothing to keep, an unchanged re-run says so too
    write_card(tmp_path, JOBS, None, PARAMS, unchanged=True)
    assert path.read_text().rstrip().endswith(AUDIT_NOT_RUN)
