"""The glibc malloc settings spoofscope runs its CPU work under, and whether a process has them.

glibc serves every block above its *mmap threshold* (128 KiB at start, adapted up to 32 MiB) with
a mapping of its own and unmaps it on ``free``. A training step of an LCNN allocates and frees
activations and gradients of tens of MiB each, so without other settings the kernel maps,
zero-fills and unmaps them afresh at every step. Measured on two cores: the LFCC member's run on
LocalSpoof v2 spent 648 of 2,259 CPU seconds in the kernel and took 249 M minor page faults.
Raising the mmap threshold to 1 GiB and the trim threshold to 4 GiB keeps freed blocks in the heap
for the next step to reuse; the cost is a resident size that stays near its peak instead of
shrinking between steps. ``benchmarks/allocator.py`` measures what it buys.

glibc reads these settings from ``GLIBC_TUNABLES`` when a process starts. ``mallopt`` at run time
takes the same values but left most of the faults in place when measured (why was not traced),
so the console script re-executes itself once with the variable set (:mod:`spoofscope.cli.launch`). A library user gets them by starting Python with the
variable from :func:`with_tunables`; ``SPOOFSCOPE_SYSTEM_MALLOC=1`` keeps the system's defaults.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping

#: glibc tunable → value (bytes)
TUNABLES: dict[str, int] = {
    "glibc.malloc.mmap_threshold": 1 << 30,
    "glibc.malloc.trim_threshold": 1 << 32,
}
#: set (to anything but empty or 0) to run under the system's malloc settings
OPT_OUT = "SPOOFSCOPE_SYSTEM_MALLOC"


def _parse(tunables: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in tunables.split(":") if item)
    return {name: value for name, _, value in pairs}


def opted_out(env: Mapping[str, str]) -> bool:
    """Whether ``env`` asks for the system's malloc settings."""
    return env.get(OPT_OUT, "") not in ("", "0")


def with_tunables(env: Mapping[str, str]) -> dict[str, str] | None:
    """``env`` with :data:`TUNABLES` added to ``GLIBC_TUNABLES``, or None when nothing changes.

    None also when ``env`` opts out. Tunables already named in ``env`` keep their values, so a
    user's own ``GLIBC_TUNABLES`` always wins.
    """
    if opted_out(env):
        return None
    current = env.get("GLIBC_TUNABLES", "")
    named = _parse(current)
    missing = [f"{name}={value}" for name, value in TUNABLES.items() if name not in named]
    if not missing:
        return None
    out = dict(env)
    out["GLIBC_TUNABLES"] = ":".join([current, *missing] if current else missing)
    return out


def runs_on_glibc() -> bool:
    """Whether this Python is linked against glibc (the only C library that reads the tunables)."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def describe(env: Mapping[str, str] | None = None) -> str:
    """One line for ``spoofscope info``: which malloc settings this process started under."""
    env = os.environ if env is None else env
    if not runs_on_glibc():
        return "system malloc (not glibc)"
    named = _parse(env.get("GLIBC_TUNABLES", ""))
    ours = [name for name in TUNABLES if name in named]
    if not ours:
        why = f"{OPT_OUT} is set" if opted_out(env) else "GLIBC_TUNABLES does not set them"
        return f"glibc malloc, system thresholds ({why})"
    shown = ", ".join(f"{name.rsplit('.', 1)[1]} {named[name]}" for name in ours)
    return f"glibc malloc, {shown}"


if __name__ == "__main__":  # `make test` starts pytest under the value this prints
    print((with_tunables(os.environ) or os.environ).get("GLIBC_TUNABLES", ""))
