"""Inference: the Predictor API and the streaming `classifier predict` command."""
