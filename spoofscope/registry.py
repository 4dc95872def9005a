"""One registry helper for every pluggable component (front-ends, models, corpora, losses, attacks).

A name used in YAML or on the command line resolves through a :class:`Registry`. Registries discover
their members lazily: the first lookup imports every module of the registry's package, so adding a
component is one new module with one decorator and no edit to core code.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from spoofscope.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → object map filled by a decorator.

    Args:
        kind: what the entries are, used in error messages ("front-end", "model", ...).
        package: dotted name of the package whose modules register entries; imported on first use.
    """

    def __init__(self, kind: str, package: str | None = None) -> None:
        self.kind = kind
        self.package = package
        self._entries: dict[str, T] = {}
        self._loaded = package is None

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers an object under ``name``; a second use of a name is an error."""

        def decorate(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = obj
            return obj

        return decorate

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        pkg = importlib.import_module(self.package)  # type: ignore[arg-type]
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{self.package}."):
            importlib.import_module(info.name)

    def get(self, name: str) -> T:
        """Return the entry for ``name``; raise UnknownNameError listing the allowed names."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self.names()) from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        self._load()
        return sorted(self._entries)

    def items(self) -> Iterator[tuple[str, T]]:
        """(name, entry) pairs, sorted by name."""
        for name in self.names():
            yield name, self._entries[name]

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries
