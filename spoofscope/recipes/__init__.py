"""Training recipes shipped inside the package, found by the name each one gives itself.

Every YAML file below this folder, one per system and corpus (``asvspoof2019-la/aasist.yaml``), is
a recipe whose ``name:`` is what ``spoofscope train --config NAME`` and ``spoofscope recipes show
NAME`` take. ``profiles/`` holds the partial recipes they ``extends:`` (a corpus and its sizes),
which are not recipes of their own. The files are package data (pyproject's package-data), so a
user who installed the wheel trains them without a checkout.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from spoofscope.errors import ConfigError

#: the folder of partial recipes, listed by no one
PROFILES = "profiles"


def recipes_dir() -> Path:
    """The folder the packaged recipes sit in (inside the installed package)."""
    return Path(str(resources.files(__name__)))


@cache
def packaged_recipes() -> dict[str, Path]:
    """Every packaged recipe, name → file, sorted by name.

    Raises:
        ConfigError: a packaged file is not a mapping, has no ``name:``, or two share a name.
    """
    root = recipes_dir()
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.yaml")):
        if path.relative_to(root).parts[0] == PROFILES:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = data.get("name") if isinstance(data, dict) else None
        if not name:
            raise ConfigError(path, "a packaged recipe must give its name (name: ...)")
        if name in found:
            raise ConfigError(path, f"recipe name '{name}' is also taken by {found[name]}")
        found[str(name)] = path
    return dict(sorted(found.items()))


def find_recipe(name: str) -> Path:
    """The file of packaged recipe ``name``.

    Raises:
        ConfigError: no packaged recipe has that name; the message names the closest ones (a
            path that ends like a packaged file, e.g. an old ``configs/asvspoof2019-la/aasist.yaml``,
            suggests that file's name first).
    """
    recipes = packaged_recipes()
    if name in recipes:
        return recipes[name]
    root = recipes_dir()
    given = Path(name).with_suffix("")
    tail = "/".join(given.parts[-2:])
    moved = [
        n
        for n, path in recipes.items()
        if path.relative_to(root).with_suffix("").as_posix() == tail
    ]
    close = difflib.get_close_matches(given.name, recipes, n=4, cutoff=0.5)
    close += difflib.get_close_matches(name, recipes, n=4, cutoff=0.5)
    matches = list(dict.fromkeys(moved + close))[:4]
    hint = f"close matches: {', '.join(matches)}" if matches else "none is close"
    raise ConfigError(
        name, f"no such recipe file or packaged recipe ({hint}; `spoofscope recipes list`)"
    )
