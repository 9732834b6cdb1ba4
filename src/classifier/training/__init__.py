"""Training: one MLflow run per model, evaluation, plots, tracking and promotion."""
