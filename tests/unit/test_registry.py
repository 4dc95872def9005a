"""The registry helper every pluggable component uses."""

from __future__ import annotations

import pytest

from spoofscope.errors import UnknownNameError
from spoofscope.registry import Registry, declared_names


def test_register_get_and_list():
    reg: Registry = Registry("widget")

    @reg.register("b-widget")
    class B: ...

    @reg.register("a-widget")
    class A: ...

    assert reg.get("a-widget") is A and reg.get("b-widget") is B
    assert reg.names() == ["a-widget", "b-widget"]
    assert "a-widget" in reg and "c-widget" not in reg
    assert [name for name, _ in reg.items()] == ["a-widget", "b-widget"]


def test_unknown_name_lists_the_allowed_ones():
    reg: Registry = Registry("widget")
    reg.register("only")(object)
    with pytest.raises(UnknownNameError) as info:
        reg.get("other")
    assert str(info.value) == "widget 'other': unknown widget; choose one of: only"


def test_a_name_cannot_be_taken_twice():
    reg: Registry = Registry("widget")
    reg.register("x")(int)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("x")(float)


@pytest.mark.parametrize("package", ["spoofscope.models", "spoofscope.losses", "spoofscope.corpora",
                                     "spoofscope.features"])  # fmt: skip
def test_static_names_equal_the_imported_registry(package):
    """declared_names() (no import, used by config validation) must agree with the live registry."""
    import importlib

    module = importlib.import_module(package)
    registry = next(v for v in vars(module).values() if isinstance(v, Registry))
    static = registry.declared_names()
    live = set(registry.names())
    runtime_only = {n for n in live if n.startswith("tiny-")}  # registered by training tests
    assert live - runtime_only == static
    assert registry.known_names() == static | live
    assert static  # every package registers something


@pytest.mark.parametrize(
    ("module", "owner"),
    [
        ("spoofscope.audio.augment", "AUGMENTATIONS"),
        ("spoofscope.audio.augment", "FEATURE_AUGMENTATIONS"),
        ("spoofscope.audio.channel", "CODECS"),
    ],
)
def test_names_read_from_one_module_equal_its_registry(module, owner):
    """Recipes' augmentation and codec names are checked from the source (config validation
    must not import torch); the source reading must agree with the registries themselves."""
    import importlib

    registry = getattr(importlib.import_module(module), owner)
    assert declared_names(module, owner) == set(registry.names())


def test_unknown_module_declares_nothing():
    assert declared_names("spoofscope.no_such_module") == frozenset()


@pytest.fixture
def widget_package(tmp_path, monkeypatch):
    """Makes a package ``name`` laid out as spoofscope's component packages are: the registry in
    ``__init__``, one module per entry, each slow to import (as a model module importing torch
    is), and one module that lists the registry while discovery imports it. Yields the maker;
    the packages are forgotten by ``sys.modules`` afterwards."""
    import importlib
    import sys

    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(name: str, modules: int, broken: int | None = None) -> Registry:
        pkg = tmp_path / name
        pkg.mkdir()
        (pkg / "__init__.py").write_text(
            "from spoofscope.registry import Registry\n\nWIDGETS = Registry('widget', __name__)\n"
        )
        for i in range(modules):
            (pkg / f"widget{i}.py").write_text(
                "raise ImportError('needs an optional extra')\n"
                if i == broken
                else "import time\n\nfrom . import WIDGETS\n\ntime.sleep(0.02)\n\n\n"
                f"@WIDGETS.register('w{i}')\nclass Widget{i}: ...\n"
            )
        # sorts after widget<N> ('_' > '9'), so discovery imports it last
        (pkg / "widget_listing.py").write_text("from . import WIDGETS\n\nSEEN = WIDGETS.names()\n")
        made.append(name)
        return importlib.import_module(name).WIDGETS

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in made]:
        del sys.modules[module]


def test_a_fresh_registry_hammered_from_8_threads_finds_every_entry(widget_package):
    """Eight threads looking up at once in a registry nobody has used (the service's workers
    loading their models): each waits for discovery instead of reading it half done (before
    the lock, seven of the eight got "unknown widget; choose one of: none registered")."""
    import sys
    import threading

    reg = widget_package("spoofscope_test_widgets", modules=8)
    start = threading.Barrier(8)
    found: list[object] = []

    def look_up() -> None:
        start.wait()
        try:
            found.append((reg.get("w7").__name__, tuple(reg.names())))
        except Exception as exc:  # any failure of a lookup is what is counted
            found.append(exc)

    threads = [threading.Thread(target=look_up) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a lookup deadlocked"
    names = tuple(f"w{i}" for i in range(8))
    assert found == [("Widget7", names)] * 8
    # the module that listed the registry during discovery re-entered the lock (no deadlock)
    # and saw every entry registered before it
    seen = sys.modules["spoofscope_test_widgets.widget_listing"].SEEN
    assert seen == list(names)


def test_a_failed_discovery_raises_again_rather_than_leaving_entries_out(widget_package):
    reg = widget_package("spoofscope_test_broken_widgets", modules=2, broken=1)
    for _ in range(2):
        with pytest.raises(ImportError, match="optional extra"):
            reg.get("w0")
