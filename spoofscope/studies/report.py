"""A study's outputs: ``results.csv`` (one line per variant) and ``report.html``.

The page is self-contained — figures are PNGs drawn by matplotlib (Agg) and inlined as
``data:`` URIs, no script and no stylesheet from elsewhere — so it opens from a CI artefact
or a mail attachment as it opened where it was made.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from spoofscope.studies.stats import CORRECTIONS, FIGURES, Analysis, Row

RESULTS_FILE = "results.csv"
REPORT_FILE = "report.html"
#: extra per-row entries (``Row.extra``) written as columns when a study has them
EXTRA_COLUMNS = (
    "occlusion_delta_eer",
    "permutation_delta_eer",
    "permutation_std",
    "train_accuracy",
    "test_accuracy",
    "train_test_gap",
    "bonafide_precision",
    "bonafide_recall",
    "spoof_precision",
    "spoof_recall",
)


def _num(value: Any) -> str:
    return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


def write_results_csv(path: Path, analysis: Analysis) -> Path:
    """One line per variant, ranked (baseline first): means and standard deviations over seeds,
    ΔEER with its interval, the p-values and the call, and any extra columns."""
    extras = [c for c in EXTRA_COLUMNS if any(c in r.extra for r in analysis.rows)]
    header = ["rank", "variant", "label", "baseline", "n_seeds"]
    header += [f"{f}_{s}" for f in FIGURES for s in ("mean", "std")]
    header += [
        "dev_eer_mean",
        "delta_eer",
        "ci_low",
        "ci_high",
        "p_bootstrap",
        "p_seeds",
        "test",
        f"p_{analysis.correction}",
        "significant",
        "per_seed_delta",
        *extras,
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for r in ranked(analysis.rows):
            out.writerow(
                [_num(r.rank), r.variant, r.label, r.baseline, len(r.seeds)]
                + [_num(d.get(f)) for f in FIGURES for d in (r.mean, r.std)]
                + [
                    _num(v)
                    for v in (r.dev_eer, r.delta_eer, r.ci_low, r.ci_high, r.p_bootstrap, r.p_seeds)
                ]
                + [r.test, _num(r.p_adjusted), r.significant if r.delta_eer is not None else ""]
                + [" ".join(f"{d:.6g}" for d in r.per_seed_delta)]
                + [_num(r.extra.get(c)) for c in extras]
            )
    return path


def ranked(rows: Sequence[Row]) -> list[Row]:
    """Baseline first, then by rank."""
    return sorted(rows, key=lambda r: (not r.baseline, r.rank or 0))


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def delta_chart(analysis: Analysis) -> str | None:
    """Bar chart of ΔEER (points) per variant with its bootstrap interval and per-seed dots."""
    rows = [r for r in ranked(analysis.rows) if r.delta_eer is not None]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(rows) + 2), 3.6))
    x = range(len(rows))
    deltas = [100 * r.delta_eer for r in rows]
    low = [100 * (r.delta_eer - r.ci_low) for r in rows]
    high = [100 * (r.ci_high - r.delta_eer) for r in rows]
    colours = ["#c0392b" if r.significant else "#95a5a6" for r in rows]
    ax.bar(x, deltas, color=colours, yerr=[low, high], capsize=3, ecolor="#2c3e50")
    for i, r in enumerate(rows):
        ax.plot(
            [i] * len(r.per_seed_delta),
            [100 * d for d in r.per_seed_delta],
            "o",
            color="#2c3e50",
            markersize=3,
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(list(x), [r.label for r in rows], rotation=45, ha="right")
    ax.set_ylabel("ΔEER vs baseline (points)")
    ax.set_title(f"{int(100 * analysis.level)}% bootstrap interval; dots: seeds; red: significant")
    return _png(fig)


def intervention_chart(analysis: Analysis) -> str | None:
    """Retrained ΔEER beside the baseline's occlusion and permutation ΔEER, per variant."""
    rows = [r for r in ranked(analysis.rows) if "occlusion_delta_eer" in r.extra]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.7 * len(rows) + 2), 3.6))
    width = 0.27
    for k, (key, name) in enumerate(
        (
            ("retrained", "retrained"),
            ("occlusion_delta_eer", "occlusion"),
            ("permutation_delta_eer", "permutation"),
        )
    ):
        values = [100 * (r.delta_eer if key == "retrained" else r.extra[key]) for r in rows]
        ax.bar([i + (k - 1) * width for i in range(len(rows))], values, width, label=name)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [r.label for r in rows], rotation=45, ha="right")
    ax.set_ylabel("ΔEER (points)")
    ax.legend()
    return _png(fig)


def tradeoff_chart(points: Sequence[Mapping[str, Any]]) -> str | None:
    """EER (mean over seeds) against single-thread forward time, one point per k."""
    if not points:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for p in points:
        ax.errorbar(
            p["median_ms"],
            100 * p["eer_mean"],
            yerr=100 * p["eer_std"],
            xerr=[[p["median_ms"] - p["q1_ms"]], [p["q3_ms"] - p["median_ms"]]],
            fmt="o",
            capsize=3,
        )
        ax.annotate(
            f"k={p['k']}",
            (p["median_ms"], 100 * p["eer_mean"]),
            textcoords="offset points",
            xytext=(5, 5),
        )
    ax.set_xlabel("forward, 4-s input, batch 1, 1 thread (ms, median and IQR)")
    ax.set_ylabel("eval EER (%)")
    return _png(fig)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


def results_table(analysis: Analysis) -> str:
    """The ranked table as HTML (EERs and Δ in points)."""
    rows = []
    for r in ranked(analysis.rows):
        ci = "" if r.ci_low is None else f"[{100 * r.ci_low:+.2f}, {100 * r.ci_high:+.2f}]"
        rows.append(
            [
                "base" if r.baseline else r.rank,
                r.label,
                len(r.seeds),
                f"{_pct(r.mean.get('eer'))} ± {_pct(r.std.get('eer'))}",
                f"{_pct(r.mean.get('accuracy'))} ± {_pct(r.std.get('accuracy'))}",
                _pct(r.mean.get("precision")),
                _pct(r.mean.get("recall")),
                _pct(r.mean.get("f1")),
                "" if r.delta_eer is None else f"{100 * r.delta_eer:+.2f}",
                ci,
                _num(r.p_seeds),
                _num(r.p_adjusted),
                "yes" if r.significant else ("no" if r.delta_eer is not None else ""),
            ]
        )
    headers = [
        "rank",
        "variant",
        "seeds",
        "EER %",
        "accuracy %",
        "precision %",
        "recall %",
        "F1 %",
        "ΔEER",
        "interval",
        "p (seeds)",
        f"p {analysis.correction}",
        "significant",
    ]
    return _table(headers, rows)


def write_report(
    out_dir: Path,
    title: str,
    analysis: Analysis,
    facts: Mapping[str, Any],
    sections: Sequence[tuple[str, str]] = (),
    compact: Sequence[Mapping[str, Any]] = (),
) -> Path:
    """Write ``results.csv`` and ``report.html`` into ``out_dir``; return the page's path.

    ``facts``: what the study was (recipe, mode, seeds ...), shown as a list; ``sections``:
    extra (heading, HTML) blocks; ``compact``: the compact models' trade-off points.
    """
    write_results_csv(out_dir / RESULTS_FILE, analysis)
    correction = CORRECTIONS[analysis.correction][1]
    stability = analysis.rank_stability
    method = (
        f"<p>Differences are eval EER of a variant minus the baseline's, per shared seed. "
        f"Interval: paired bootstrap over {analysis.n_trials} utterances "
        f"({analysis.n_resamples} resamples, {int(100 * analysis.level)}%). Seed test: "
        f"{html.escape(analysis.test)} (see each row), corrected by {correction} at alpha "
        f"{analysis.alpha:g}.</p>"
    )
    if stability:
        method += (
            f"<p>Rank stability across seeds: mean Kendall tau {stability['mean_tau']:.3f} "
            f"(min {stability['min_tau']:.3f}, {stability['pairs']} seed pairs).</p>"
        )
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        "<ul>"
        + "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(str(v))}</li>"
            for k, v in facts.items()
        )
        + "</ul>",
        "<h2>Conclusion</h2>" + "".join(f"<p>{html.escape(s)}</p>" for s in analysis.statement),
        "<h2>Results</h2>" + method + results_table(analysis),
    ]
    for heading, chart in (
        ("ΔEER against the baseline", delta_chart(analysis)),
        ("Occlusion and permutation against retraining", intervention_chart(analysis)),
        ("Compact models: EER against speed", tradeoff_chart(compact)),
    ):
        if chart is not None:
            parts.append(
                f"<h2>{html.escape(heading)}</h2><img alt='{html.escape(heading)}' src='{chart}'>"
            )
    parts += [f"<h2>{html.escape(h)}</h2>{body}" for h, body in sections]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}img{max-width:100%}"
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
    path = out_dir / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return path


def table_html(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain HTML table for an extra section."""
    return _table(headers, rows)
