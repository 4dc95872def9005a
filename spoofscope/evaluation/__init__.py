"""Metrics, score files, plots and reports."""
