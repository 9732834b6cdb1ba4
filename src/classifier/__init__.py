"""classifier: sentence classification of Indonesian news on ASN election neutrality.

``from classifier import Predictor`` is the inference API (imported lazily, so that the CLI and
light modules do not pay for torch, scikit-learn or MLflow at import time).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Predictor", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Predictor":
        from classifier.inference.predictor import Predictor

        return Predictor
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")
