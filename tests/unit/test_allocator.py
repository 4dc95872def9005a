"""The malloc settings the CLI starts under: added to GLIBC_TUNABLES without overriding a user's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from spoofscope.allocator import OPT_OUT, TUNABLES, describe, runs_on_glibc, with_tunables

OURS = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296"


def test_an_environment_without_tunables_gets_both():
    env = with_tunables({"PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin", "GLIBC_TUNABLES": OURS}


def test_other_tunables_are_kept_and_a_users_threshold_wins():
    env = with_tunables(
        {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536"}
    )
    assert env is not None
    assert env["GLIBC_TUNABLES"] == (
        "glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=65536"
        ":glibc.malloc.trim_threshold=4294967296"
    )


def test_an_environment_that_has_them_needs_no_change():
    """What keeps the re-executed launcher from executing itself again."""
    env = with_tunables({})
    assert env is not None and with_tunables(env) is None


@pytest.mark.parametrize("value, changed", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_the_opt_out(value, changed):
    assert (with_tunables({OPT_OUT: value}) is not None) is changed


@pytest.mark.skipif(not runs_on_glibc(), reason="describes glibc settings")
def test_describe_names_what_the_process_started_under():
    assert describe({"GLIBC_TUNABLES": OURS}) == (
        "glibc malloc, mmap_threshold 1073741824, trim_threshold 4294967296"
    )
    assert "SPOOFSCOPE_SYSTEM_MALLOC is set" in describe({OPT_OUT: "1"})
    assert "does not set them" in describe({})


def test_the_values_are_what_the_benchmark_measured():
    assert TUNABLES == {"glibc.malloc.mmap_threshold": 2**30, "glibc.malloc.trim_threshold": 2**32}


def test_the_module_prints_the_value_make_test_starts_pytest_with():
    env = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", OPT_OUT)}
    run = subprocess.run(
        [sys.executable, "-m", "spoofscope.allocator"], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0 and run.stdout.strip() == OURS
