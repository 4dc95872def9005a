"""A recipe with bytes that are not UTF-8 is a typed error naming the file and line."""

from __future__ import annotations

import pytest

from spoofscope.errors import TextDecodeError
from spoofscope.training.config import load_config


def test_a_latin1_recipe_fails_with_its_line(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(
        "name: r\n# entra\xeene sur la parole\ndata: {corpus: folder}\n".encode("latin-1")
    )
    with pytest.raises(TextDecodeError) as err:
        load_config(recipe, need_root=False)
    assert err.value.line == 2 and "\n" not in str(err.value)


def test_a_bom_at_the_start_of_a_recipe_is_dropped(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(
        b"\xef\xbb\xbfname: mine\ndata: {corpus: folder, root: x}\nmodel: {name: lcnn}\n"
    )
    assert load_config(recipe, need_root=False).name == "mine"
