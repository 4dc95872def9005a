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
