"""spoofscope: tell real speech from synthetic or converted speech."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from spoofscope.inference.detector import Detector
    from spoofscope.inference.streaming import StreamingDetector

#: public name → the module that defines it
_LAZY = {
    "Detector": "spoofscope.inference.detector",
    "StreamingDetector": "spoofscope.inference.streaming",
}


def __getattr__(name: str) -> Any:
    # Imported lazily: `import spoofscope` must stay cheap for the CLI and for tools that only
    # read the version.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'spoofscope' has no attribute {name!r}")


__all__ = ["Detector", "StreamingDetector", "__version__"]
