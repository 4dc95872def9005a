"""The crop policies of ``spoofscope evaluate --crop`` and a recipe's ``eval.crop``.

Kept apart from :mod:`spoofscope.evaluation.scoring` (which needs torch) so that recipe
validation, which must stay torch-free, reads the same list the scorer implements.
"""

from __future__ import annotations

from typing import Literal, get_args

#: ``windows``: crop-length windows end to end (the last aligned to the end), averaged, as the
#: Detector scores; ``first`` / ``centre``: one crop-length window; ``full``: the whole utterance in one pass
EvalCrop = Literal["windows", "first", "centre", "full"]
CROPS: tuple[str, ...] = get_args(EvalCrop)
