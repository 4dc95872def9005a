"""Scoring recordings with a trained model: the Detector API, model resolution, windows."""
