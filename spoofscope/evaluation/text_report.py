"""Plain-text rendering of a :class:`~spoofscope.evaluation.metrics.MetricsSummary`."""

from __future__ import annotations

from spoofscope.evaluation.metrics import MetricsSummary


def _report_table(report: dict) -> str:
    """The per-class table in the layout of scikit-learn's classification report."""
    rows = [f"{'':>14}{'precision':>10}{'recall':>10}{'f1-score':>10}{'support':>10}", ""]
    for name in ("bonafide", "spoof"):
        r = report[name]
        rows.append(
            f"{name:>14}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1-score']:>10.4f}"
            f"{int(r['support']):>10d}"
        )
    total = int(report["macro avg"]["support"])
    rows += ["", f"{'accuracy':>14}{'':>10}{'':>10}{report['accuracy']:>10.4f}{total:>10d}"]
    for name in ("macro avg", "weighted avg"):
        r = report[name]
        rows.append(
            f"{name:>14}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1-score']:>10.4f}"
            f"{int(r['support']):>10d}"
        )
    return "\n".join(rows)


def render(summary: MetricsSummary, title: str = "") -> str:
    """Human-readable report: EER, t-DCF, minDCF, actDCF, Cllr, per-attack EER and the
    classification report."""
    lines = [title] if title else []
    lines.append(f"trials        {summary.n_bonafide} bona fide, {summary.n_spoof} spoof")
    lines.append(f"EER           {summary.eer_percent:.4f} %  (threshold {summary.threshold:.6g})")
    if summary.min_tdcf is not None:
        lines.append(f"min t-DCF     {summary.min_tdcf:.6f}  (ASVspoof 2019 cost model)")
        lines.append(f"min t-DCF'21  {summary.min_tdcf_2021:.6f}  (ASVspoof 2021 revised)")
    if summary.min_dcf is not None:
        lines.append(f"minDCF        {summary.min_dcf:.6f}  (ASVspoof 5, CM alone)")
    if summary.act_dcf is not None:
        lines.append(f"actDCF        {summary.act_dcf:.6f}  (scores read as LLRs)")
    if summary.cllr is not None:
        lines.append(f"Cllr          {summary.cllr:.6f}  bits")
    if summary.per_attack:
        lines.append("")
        lines.append("per-attack EER (all bona fide vs that attack)")
        for attack, eer in summary.per_attack.items():
            lines.append(f"  {attack:<10} {eer * 100:8.4f} %")
    lines.append("")
    lines.append(f"classification report at threshold {summary.report_threshold:.6g}")
    lines.append(_report_table(summary.report))
    return "\n".join(lines)
