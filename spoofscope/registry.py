"""One registry helper for every pluggable component (front-ends, models, corpora, losses, attacks).

A name used in YAML or on the command line resolves through a :class:`Registry`. Registries discover
their members lazily: the first lookup imports every module of the registry's package, so adding a
component is one new module with one decorator and no edit to core code. Discovery is safe from
several threads at once (the service's workers each load a model): see :meth:`Registry._load`.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.util import find_spec
from pathlib import Path
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
        # Re-entrant: discovery imports modules that register into this registry, and one of
        # them may look a name up while it loads (in the thread that holds the lock).
        self._lock = threading.RLock()
        self._discovering = False

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers an object under ``name``; a second use of a name is an error."""

        def decorate(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = obj
            return obj

        return decorate

    def _load(self) -> None:
        """Import every module of the package once, before any lookup reads the entries.

        Two threads looking up at once used to race: the first marked the registry loaded before
        importing, and the second read it still empty ("unknown model; none registered"). Now a
        lookup waits on the lock until discovery has finished, and the registry is marked loaded
        only after every import succeeded (a failed import raises again on the next lookup
        instead of leaving a registry silently missing entries). A lookup made from inside
        discovery, by a module being imported, sees the entries registered so far, as before.
        ``register`` takes no lock: a thread importing one of the package's modules directly
        holds that module's import lock, and waiting on this lock there could deadlock.
        """
        if self._loaded:
            return
        with self._lock:
            if self._loaded or self._discovering:
                return
            self._discovering = True
            try:
                pkg = importlib.import_module(self.package)  # type: ignore[arg-type]
                for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{self.package}."):
                    importlib.import_module(info.name)
                self._loaded = True
            finally:
                self._discovering = False

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

    def declared_names(self) -> frozenset[str]:
        """Names registered in the package's source, found without importing any module.

        See :func:`declared_names`. Config validation uses this so that a bad name fails before
        torch is imported. Entries registered at run time (outside the package) are not
        included; :meth:`known_names` adds them.
        """
        return declared_names(self.package) if self.package else frozenset()

    def known_names(self) -> frozenset[str]:
        """Names declared in the package source plus any registered so far, without importing."""
        return self.declared_names() | frozenset(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries


@cache
def declared_names(module: str, owner: str | None = None) -> frozenset[str]:
    """Names registered in the source of ``module`` (a package: every module below it), read
    without importing it, so that a recipe's names are checked before torch loads.

    A registration is a decorator call named ``register`` or ``register_<something>`` whose
    first argument is a string literal (``@MODELS.register("lcnn")``,
    ``@register_model("aasist")``). ``owner`` keeps only the decorators of that module-level
    name (``@AUGMENTATIONS.register(...)``), for a module that holds several registries.
    """
    spec = find_spec(module)
    if spec is None:
        return frozenset()
    if spec.submodule_search_locations:
        sources = [
            source
            for folder in spec.submodule_search_locations
            for source in sorted(Path(folder).rglob("*.py"))
        ]
    else:
        sources = [Path(spec.origin)] if spec.origin else []
    return frozenset(name for source in sources for name in _registrations(source, owner))


def _registrations(source: Path, owner: str | None = None) -> Iterable[str]:
    """String names passed to ``register*(...)`` decorators (of ``owner`` only, when given) in
    one source file."""
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef | ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and deco.args):
                continue
            func = deco.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if owner is not None and not (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == owner
            ):
                continue
            first = deco.args[0]
            if (fname == "register" or fname.startswith("register_")) and (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                yield first.value
