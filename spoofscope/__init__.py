"""spoofscope: tell real speech from synthetic or converted speech."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from spoofscope.inference.detector import Detector


def __getattr__(name: str) -> Any:
    # Imported lazily: `import spoofscope` must stay cheap for the CLI and for tools that only
    # read the version.
    if name == "Detector":
        from spoofscope.inference.detector import Detector

        return Detector
    raise AttributeError(f"module 'spoofscope' has no attribute {name!r}")


__all__ = ["Detector", "__version__"]
