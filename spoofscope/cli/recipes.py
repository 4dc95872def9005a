"""`spoofscope recipes`: list the training recipes shipped in the package and show one resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from spoofscope.cli.common import console, print_json

recipes_app = typer.Typer(
    help="Training recipes shipped with spoofscope (train one with `train --config NAME`).",
    no_args_is_help=True,
)


def describe(name: str, path: Path) -> dict[str, str]:
    """One listing row of a packaged recipe: name, description, corpus, model and file.

    The description is the file's own ``description:``, else its first comment line: a variant
    that only extends another recipe would otherwise inherit that recipe's words.

    Raises:
        ConfigError: the recipe or a file it extends cannot be read.
    """
    import yaml

    from spoofscope.training.config import read_yaml

    text = path.read_text(encoding="utf-8")
    own = yaml.safe_load(text) or {}
    comment = next((line for line in text.splitlines() if line.startswith("#")), "")
    resolved = read_yaml(path)
    return {
        "name": name,
        "description": str(own.get("description") or comment.lstrip("# ").strip()),
        "corpus": str(resolved.get("data", {}).get("corpus", "")),
        "model": str(resolved.get("model", {}).get("name", "")),
        "file": str(path),
    }


@recipes_app.command("list")
def list_recipes(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
) -> None:
    """List the packaged recipes: name, corpus, model and a one-line description."""
    from spoofscope.recipes import packaged_recipes

    rows = [describe(name, path) for name, path in packaged_recipes().items()]
    if as_json:
        print_json(rows)
        return
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        console.print(
            f"{row['name']:<{width}}  {row['corpus']:<15} {row['model']:<17} {row['description']}",
            markup=False,
        )


@recipes_app.command("show")
def show(
    name: str = typer.Argument(..., help="A packaged recipe's name, or a recipe file."),
    overrides: list[str] = typer.Option(
        [], "--set", help="Override a value as `train --set` does; repeatable."
    ),
) -> None:
    """Print the recipe as training would run it: extends merged, --set applied, defaults filled."""
    from spoofscope.training.config import apply_overrides, read_yaml, validate

    data: dict[str, Any] = apply_overrides(read_yaml(name), overrides)
    # need_root=False: showing a recipe must not need its corpus on this machine
    console.print(validate(data, need_root=False).to_yaml(), end="", markup=False)


def attach(app: typer.Typer) -> None:
    app.add_typer(recipes_app, name="recipes")
