"""``spoofscope compare --html``: one self-contained page comparing two systems on the same trials.

The page holds the paired bootstrap of ``EER(A) - EER(B)`` over every trial, the two systems' DET
curves on one pair of probit axes, and per attack the two EERs and the paired interval of their
difference, so a reader sees where one system gains and whether the gain is larger than the
resampling noise (an interval that holds 0 is not a difference the trials can show).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spoofscope.evaluation.attacks import attack_differences
from spoofscope.evaluation.bootstrap import Comparison, Resampling
from spoofscope.evaluation.plots import det_overlay
from spoofscope.evaluation.report import STYLE, _e, _img


def _points(value: float) -> str:
    return f"{100 * value:+.2f}"


def _difference_cells(eer_a: float, eer_b: float, d: Mapping[str, Any], p: float) -> str:
    holds_zero = d["low"] <= 0 <= d["high"]
    verdict = "–" if holds_zero else ("A" if d["estimate"] < 0 else "B")
    style = "" if holds_zero else ' class="good"'
    return (
        f"<td>{100 * eer_a:.2f}%</td><td>{100 * eer_b:.2f}%</td>"
        f"<td{style}>{_points(d['estimate'])}</td>"
        f"<td>[{_points(d['low'])}, {_points(d['high'])}]</td><td>{p:.3f}</td><td>{verdict}</td>"
    )


def render_comparison(
    names: tuple[str, str],
    overall: Comparison,
    per_attack: Sequence[Mapping[str, Any]],
    det_png: Path,
) -> str:
    """The comparison page as an HTML string (the DET figure embedded)."""
    a, b = names
    d = overall.difference
    header = (
        "<tr><th>trials</th><th>EER A</th><th>EER B</th><th>A - B, points</th>"
        f"<th>{100 * d.level:.0f}% interval</th><th>p</th><th>errs less</th></tr>"
    )
    cells = _difference_cells(overall.eer_a, overall.eer_b, d.to_dict(), overall.p_value)
    total = f"<tr><td>all</td>{cells}</tr>"
    rows = "".join(
        f"<tr><td>{_e(r['attack'])} ({r['n_spoof']} spoofs)</td>"
        f"{_difference_cells(r['eer_a'], r['eer_b'], r['difference'], r['p_value'])}</tr>"
        for r in per_attack
    )
    title = f"{a} against {b}"
    return "\n".join(
        [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
            f"<header><h1>{_e(title)}</h1><p>A = {_e(a)} · B = {_e(b)} · paired bootstrap by "
            f"{_e(d.unit)}, {d.n_resamples} resamples</p></header><main>",
            "<section><h2>EER, overall and per attack</h2><p>A negative difference: A errs "
            "less. Per attack, each system's EER is its spoofs of that attack against every bona "
            "fide trial; a difference whose interval holds 0 is not one these trials can show."
            f"</p><table>{header}{total}{rows}</table></section>",
            f'<section><h2>DET curves</h2><div class="figs"><figure>{_img(det_png)}'
            "<figcaption>both systems on the same trials</figcaption></figure></div></section>",
            "</main></body></html>",
        ]
    )


def write_comparison(
    path: str | Path,
    names: tuple[str, str],
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    keys: Sequence[str],
    attacks: Sequence[str],
    overall: Comparison,
    how: Resampling = Resampling(),
) -> Path:
    """Write the comparison page of two systems scored on the same trials (rows aligned).

    Raises:
        MetricError: the trials lack a class.
    """
    path = Path(path)
    per_attack = attack_differences(scores_a, scores_b, keys, attacks, how)
    with tempfile.TemporaryDirectory() as tmp:
        det = det_overlay(
            {f"A {names[0]}": (scores_a, keys), f"B {names[1]}": (scores_b, keys)},
            Path(tmp) / "det.png",
            "DET curves, A and B",
        )
        page = render_comparison(names, overall, per_attack, det)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
