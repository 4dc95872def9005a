"""Constructor arguments that build a model without the local files a recipe names.

The SSL models need a local encoder directory; ``tiny-random`` names the test-only stand-in (a
32-wide, 2-layer wav2vec 2.0 with fixed weights). Tests, benchmarks and ``spoofscope models
show ARCH`` build every registered architecture with these, never with real weights.
"""

from __future__ import annotations

from typing import Any

#: architecture → keyword arguments that replace a required local file with its stand-in
STAND_INS: dict[str, dict[str, Any]] = {
    "ssl-aasist": {"ssl_path": "tiny-random"},
    "ssl-linear": {"ssl_path": "tiny-random"},
}


def stand_in_params(arch: str) -> dict[str, Any]:
    """The stand-in arguments of ``arch`` (``{}`` for a model that needs no local file)."""
    return dict(STAND_INS.get(arch, {}))
