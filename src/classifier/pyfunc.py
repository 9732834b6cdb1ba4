"""One MLflow pyfunc for every model kind: input column ``text``; output one score per label
plus ``labels``."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from classifier.labels import LABEL_IDS, from_multi_hot

MODEL_ARTIFACT = "model_dir"


def scores_to_frame(scores: np.ndarray, thresholds: np.ndarray) -> pd.DataFrame:
    """The pyfunc output frame: a float column per label and the ``labels`` list column."""
    frame = pd.DataFrame(scores.astype(np.float64), columns=list(LABEL_IDS))
    frame["labels"] = [from_multi_hot(row >= thresholds) for row in scores]
    return frame


class SentenceClassifierPyfunc(mlflow.pyfunc.PythonModel):
    """Wraps a saved :class:`~classifier.models.base.SentenceModel` directory."""

    def load_context(self, context: Any) -> None:
        """Load the saved model from the logged artifact directory."""
        from classifier.models.base import load_model

        self.model = load_model(context.artifacts[MODEL_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Score the ``text`` column."""
        if isinstance(model_input, pd.Series):
            model_input = model_input.to_frame("text")
        if not isinstance(model_input, pd.DataFrame) or "text" not in model_input.columns:
            raise _bad_input("input must have a string column 'text'")
        texts = model_input["text"].tolist()
        bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
        if bad:
            shown = ", ".join(map(str, bad[:5])) + (", ..." if len(bad) > 5 else "")
            raise _bad_input(
                f"'text' must be a string in every row; {len(bad)} row(s) are not "
                f"(null, a number, ...): row {shown}"
            )
        return scores_to_frame(self.model.predict_proba(texts), self.model.thresholds)


def _bad_input(message: str) -> Exception:
    """An MlflowException, which ``mlflow models serve`` returns as an HTTP 400 with this one
    line; any other exception gets a stack trace in the response body."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

    return MlflowException(message, error_code=INVALID_PARAMETER_VALUE)
