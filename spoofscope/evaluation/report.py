"""``report.html``: one self-contained page (PNG figures embedded as base64, no external assets).

Top to bottom: the headline figures (EER with its intervals; min t-DCF where the corpus ships ASV
scores, else the ASVspoof 5 minDCF of the CM alone; actDCF and Cllr; files; thresholds), the
per-attack table (name, seen or unseen in training, counts, EER with its bootstrap interval, a
bar), the classification report at the dev-calibrated threshold, a threshold sweep for
similarity scores, the figures, then the recipe and the model card's provenance.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from spoofscope.evaluation.groups import SHORT_SPEECH_SECONDS

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#b8c0d0;font-size:13px}main{padding:20px 32px;max-width:1100px}
.cards{display:flex;gap:14px;flex-wrap:wrap}.card{background:#fff;border-radius:8px;padding:14px 18px;
box-shadow:0 1px 3px #0002;min-width:150px}.card .v{font-size:26px;font-weight:600}
.card .k{font-size:12px;color:#667;text-transform:uppercase;letter-spacing:.04em}
section{background:#fff;border-radius:8px;padding:14px 20px;margin:18px 0;box-shadow:0 1px 3px #0002}
h2{font-size:16px;margin:4px 0 12px}table{border-collapse:collapse;font-size:13px}
td,th{padding:4px 12px;border-bottom:1px solid #e4e6eb;text-align:right}th{background:#f0f2f5}
td:first-child,th:first-child{text-align:left}.bar{display:inline-block;height:10px;background:#d1495b;
border-radius:2px;vertical-align:middle}img{max-width:100%;border:1px solid #e4e6eb;border-radius:4px}
.figs{display:flex;flex-wrap:wrap;gap:16px}.figs figure{margin:0}figcaption{font-size:12px;color:#667}
pre{background:#f0f2f5;padding:10px;border-radius:6px;font-size:12px;overflow:auto}
.good{color:#1b7f3b}.bad{color:#b3261e}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{_e(Path(path).stem)}" src="data:image/png;base64,{data}">'


def _interval(ci: Mapping[str, Any] | None) -> str:
    return "n/a" if not ci else f"{100 * ci['low']:.2f}-{100 * ci['high']:.2f}%"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def cost_cards(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The detection-cost cards: min t-DCF when the corpus ships ASV scores to weigh the CM
    against (ASVspoof 2019), else the CM-alone minDCF of ASVspoof 5; actDCF and Cllr, which
    read the scores as natural log-likelihood ratios, so they judge calibration too."""
    if metrics.get("min_tdcf") is not None:
        first = ("min t-DCF (ASVspoof 2019)", _number(metrics["min_tdcf"]))
    else:
        first = ("minDCF (ASVspoof 5, CM alone)", _number(metrics.get("min_dcf")))
    return [
        first,
        ("actDCF (scores as LLRs)", _number(metrics.get("act_dcf"))),
        ("Cllr, bits", _number(metrics.get("cllr"))),
    ]


def _cards(metrics: Mapping[str, Any]) -> str:
    ci = metrics.get("eer_ci") or {}
    items = [
        ("EER", f"{metrics['eer_percent']:.2f}%"),
        ("EER 95% interval, trials", _interval(ci.get("trial"))),
        ("EER 95% interval, speakers", _interval(ci.get("speaker"))),
        *cost_cards(metrics),
        ("bona fide / spoof", f"{metrics['n_bonafide']} / {metrics['n_spoof']}"),
        ("EER threshold", f"{metrics['threshold']:.4f}"),
        (
            f"{metrics.get('threshold_source', 'eer')} threshold",
            f"{metrics['report_threshold']:.4f}",
        ),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div></div>'
        for k, v in items
    ) + "</div>"  # fmt: skip


def _bar(value: float, worst: float) -> str:
    width = 180 * value / (worst or 1.0)
    return f'<td style="text-align:left"><span class="bar" style="width:{width:.0f}px"></span></td>'


SEEN = {True: "seen", False: "unseen", None: "–"}


def _per_attack(metrics: Mapping[str, Any]) -> str:
    """The per-attack table from ``attacks`` rows, or the bare ``per_attack`` EERs of a metrics
    file written before the rows existed."""
    rows = metrics.get("attacks")
    if not rows:
        rows = [{"attack": a, "eer": v} for a, v in (metrics.get("per_attack") or {}).items()]
    if not rows:
        return ""
    worst = max(r["eer"] for r in rows)
    body = "".join(
        f"<tr><td>{_e(r['attack'])}</td><td>{_e(r.get('name') or '')}</td>"
        f"<td>{SEEN[r.get('seen')]}</td><td>{r.get('n_spoof', '')}</td>"
        f"<td>{_pct(r['eer'])}</td>"
        f"<td>{_interval(r) if 'low' in r else 'n/a'}</td>{_bar(r['eer'], worst)}</tr>"
        for r in rows
    )
    return (
        "<section><h2>EER per attack</h2><p>Each attack's spoofs against every bona fide trial "
        f"({metrics.get('n_bonafide', '?')}); 95% interval by trial bootstrap; seen: the "
        "corpus's train split holds spoofs of it.</p><table><tr><th>attack</th><th>name</th>"
        "<th>training</th><th>spoofs</th><th>EER</th><th>95% interval</th><th></th></tr>"
        f"{body}</table></section>"
    )


def _error_cells(row: Mapping[str, Any]) -> str:
    """The bona fide rejected and spoofs accepted cells of a per-speaker or per-length row."""
    cells = []
    for rate, n in (("bonafide_rejected", "n_bonafide"), ("spoof_accepted", "n_spoof")):
        value = row[rate]
        cells.append("<td>–</td>" if value is None else f"<td>{_pct(value)} of {row[n]}</td>")
    return "".join(cells)


def _per_speaker(per_speaker: Mapping[str, Mapping[str, Any]]) -> str:
    if not per_speaker:
        return ""
    rows = "".join(f"<tr><td>{_e(s)}</td>{_error_cells(v)}</tr>" for s, v in per_speaker.items())
    return (
        "<section><h2>Errors per speaker at the EER threshold</h2><table><tr><th>speaker</th>"
        "<th>bona fide rejected</th><th>spoofs of the voice accepted</th></tr>"
        f"{rows}</table></section>"
    )


def _eer_cell(value: float | None) -> str:
    return f"<td>{'–' if value is None else _pct(value)}</td>"


def _group_table(rows: list[tuple[str, Mapping[str, Any]]], title: str, what: str) -> str:
    """A table of groups that hold both classes (length bands, channels): each group's own EER
    and its errors at the split's EER threshold."""
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{_e(name)}</td>{_eer_cell(r['eer'])}{_error_cells(r)}</tr>" for name, r in rows
    )
    return (
        f"<section><h2>{_e(title)}</h2><table><tr>"
        f"<th>{_e(what)}</th><th>EER within</th><th>bona fide rejected</th>"
        f"<th>spoofs accepted</th></tr>{body}</table></section>"
    )


def _per_duration(
    rows: list[Mapping[str, Any]],
    title: str = "Errors by recording length at the EER threshold",
    what: str = "length",
) -> str:
    """A table of bands (``per_duration`` rows, or their like by seconds of speech)."""
    return _group_table([(r["band"], r) for r in rows], title, what)


def _per_source(per_source: Mapping[str, Mapping[str, Any]]) -> str:
    if not per_source:
        return ""
    body = "".join(
        f"<tr><td>{_e(name)}</td><td>{_pct(r['bonafide_rejected'])} of {r['n_bonafide']}</td>"
        f"{_eer_cell(r['eer_against_all_spoofs'])}</tr>"
        for name, r in per_source.items()
    )
    return (
        "<section><h2>Bona fide sources at the EER threshold</h2><p>The share of each source's "
        "bona fide files rejected at the split's EER threshold, and the EER of its files against "
        "every spoof of the split.</p><table><tr><th>source</th><th>bona fide rejected</th>"
        f"<th>EER against all spoofs</th></tr>{body}</table></section>"
    )


def _per_channel(per_channel: Mapping[str, Mapping[str, Any]]) -> str:
    return _group_table(
        list(per_channel.items()), "Errors per channel at the EER threshold", "channel"
    )


def _classification(metrics: Mapping[str, Any]) -> str:
    report = metrics.get("classification_report") or {}
    rows = []
    for label, values in report.items():
        if isinstance(values, Mapping):
            cells = "".join(
                f"<td>{values.get(k, 0):.4f}</td>" for k in ("precision", "recall", "f1-score")
            )
            rows.append(f"<tr><td>{_e(label)}</td>{cells}<td>{int(values.get('support', 0))}</td></tr>")  # fmt: skip
        else:
            rows.append(f'<tr><td>{_e(label)}</td><td colspan="3">{values:.4f}</td><td></td></tr>')
    source = (
        "the dev-calibrated" if metrics.get("threshold_source") == "dev" else "this split's EER"
    )
    return (
        f"<section><h2>Classification report at {source} threshold "
        f"({metrics['report_threshold']:.4f})</h2><table><tr><th></th><th>precision</th>"
        f"<th>recall</th><th>F1</th><th>support</th></tr>{''.join(rows)}</table></section>"
    )


def _sweep(metrics: Mapping[str, Any]) -> str:
    sweep = metrics.get("threshold_sweep")
    if not sweep:
        return ""
    best = max(sweep, key=lambda r: r["accuracy"])
    columns = ("accuracy", "precision", "recall", "f1", "spoof_recall")
    rows = "".join(
        f"<tr{' class=good' if r is best else ''}><td>{r['threshold']:.1f}</td>"
        + "".join(f"<td>{_pct(r.get(c))}</td>" for c in columns)
        + "</tr>"
        for r in sweep
    )
    return (
        "<section><h2>Threshold sweep on similarity scores</h2><p>Bona fide is the positive "
        "class: a trial is accepted when its similarity is at or above the threshold.</p>"
        "<table><tr><th>threshold</th><th>accuracy</th><th>precision</th><th>recall</th>"
        f"<th>F1</th><th>spoof recall</th></tr>{rows}</table></section>"
    )


def render(
    metrics: Mapping[str, Any],
    plots: Mapping[str, Path],
    card: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    title: str = "",
) -> str:
    """The report page as an HTML string."""
    card = card or {}
    data = metrics.get("data", {})
    model = metrics.get("model", {})
    title = title or f"{model.get('architecture') or model.get('spec', 'model')} on {data.get('corpus', '')} {data.get('split', '')}"  # fmt: skip
    subtitle = (
        f"{metrics.get('n_files', metrics['n_bonafide'] + metrics['n_spoof'])} files · "
        f"model {model.get('spec', '')} · {model.get('parameters') or '?'} parameters"
    )
    figs = "".join(
        f"<figure>{_img(path)}<figcaption>{_e(name)}</figcaption></figure>"
        for name, path in plots.items()
    )
    provenance = {k: card.get(k) for k in ("training", "provenance", "calibration") if card.get(k)}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header><main>",
        _cards(metrics),
        _per_attack(metrics),
        _per_speaker(metrics.get("per_speaker", {})),
        _per_source(metrics.get("per_source", {})),
        _per_channel(metrics.get("per_channel", {})),
        _per_duration(metrics.get("per_duration", [])),
        _per_duration(
            metrics.get("per_speech_duration", []),
            "Errors by seconds of speech at the EER threshold",
            "speech",
        ),
        _per_duration(
            metrics.get("short_speech", []),
            f"Below and above {SHORT_SPEECH_SECONDS:g} s of speech, each with its own EER",
            "speech",
        ),
        _classification(metrics),
        _sweep(metrics),
        f'<section><h2>Figures</h2><div class="figs">{figs}</div></section>',
    ]
    if config:
        parts.append(
            f"<section><h2>Recipe</h2><pre>{_e(yaml.safe_dump(dict(config), sort_keys=False))}"
            "</pre></section>"
        )
    if provenance:
        parts.append(
            f"<section><h2>Model card</h2><pre>{_e(json.dumps(provenance, indent=2))}</pre>"
            "</section>"
        )
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(
    path: str | Path,
    metrics: Mapping[str, Any],
    plots: Mapping[str, Path],
    card: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Path:
    """Write :func:`render`'s page to ``path``; return it."""
    path = Path(path)
    path.write_text(render(metrics, plots, card, config), encoding="utf-8")
    return path
