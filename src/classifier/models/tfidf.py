"""TF-IDF baseline: word 1-2-grams plus char_wb 2-5-grams into one-vs-rest logistic regression."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.config import require_at_least, require_positive
from classifier.models import register
from classifier.models.base import EpochLogger, SentenceModel, Split

WEIGHTS_FILE = "tfidf_pipeline.pkl"


@dataclass
class TfidfParams:
    """Hyper-parameters of the TF-IDF + logistic-regression pipeline."""

    word_ngram_max: int = 2
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    min_df: int = 1
    max_features: int | None = 300_000
    sublinear_tf: bool = True
    C: float = 4.0
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    tune_thresholds: bool = True

    def __post_init__(self) -> None:
        # Checked at config load, so a bad value is a one-line error, not a traceback from
        # scikit-learn after the data has been read.
        require_positive(C=self.C)
        require_at_least(
            1,
            word_ngram_max=self.word_ngram_max,
            char_ngram_min=self.char_ngram_min,
            min_df=self.min_df,
            max_features=self.max_features,
            max_iter=self.max_iter,
        )
        if self.char_ngram_max < self.char_ngram_min:
            raise ValueError("char_ngram_max must be >= char_ngram_min")
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be balanced or null, not {self.class_weight!r}")


@register("tfidf")
class TfidfModel(SentenceModel):
    """One-vs-rest logistic regression with class weights over word and char TF-IDF."""

    Params = TfidfParams

    def _build(self) -> Pipeline:
        p: TfidfParams = self.params
        features = FeatureUnion(
            [
                (
                    "word",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=(1, p.word_ngram_max),
                        min_df=p.min_df,
                        max_features=p.max_features,
                        sublinear_tf=p.sublinear_tf,
                        lowercase=True,
                    ),
                ),
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(p.char_ngram_min, p.char_ngram_max),
                        min_df=p.min_df,
                        max_features=p.max_features,
                        sublinear_tf=p.sublinear_tf,
                        lowercase=True,
                    ),
                ),
            ]
        )
        classifier = OneVsRestClassifier(
            LogisticRegression(
                C=p.C,
                class_weight=p.class_weight,
                max_iter=p.max_iter,
                solver="liblinear",
                random_state=self.seed,
            )
        )
        return Pipeline([("features", features), ("classifier", classifier)])

    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        """Fit the pipeline once; log the same epoch metrics as iterative models (epoch 0)."""
        self.pipeline = self._build().fit(train.texts, train.labels)
        self._transforms = None
        self.log_single_epoch(log_epoch, train, validation)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Per-label probabilities from the one-vs-rest classifiers.

        Features come from compiled transforms equal to the fitted vectorizers' (see
        :mod:`classifier.models._tfidf_fast`), about 10x faster than scikit-learn's, when the
        optional ``fast`` extra (numba) is installed; otherwise from scikit-learn itself.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.thresholds)), dtype=np.float32)
        if getattr(self, "_transforms", None) is None:
            union = self.pipeline.named_steps["features"]
            self._transforms = [_transform_of(vec) for _, vec in union.transformer_list]
        features = sp.hstack([transform(texts) for transform in self._transforms], format="csr")
        scores = self.pipeline.named_steps["classifier"].predict_proba(features)
        return np.asarray(scores, dtype=np.float32)

    def _save_weights(self, directory: Path) -> None:
        with (directory / WEIGHTS_FILE).open("wb") as handle:
            pickle.dump(self.pipeline, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def _load_weights(self, directory: Path) -> None:
        # Only the project's own saved models are loaded here (pickle trusts its input).
        with (directory / WEIGHTS_FILE).open("rb") as handle:
            self.pipeline = pickle.load(handle)


def _transform_of(vectorizer: TfidfVectorizer) -> Callable[[list[str]], sp.csr_matrix]:
    """The compiled transform when numba is installed, else scikit-learn's own (same values)."""
    try:
        from classifier.models._tfidf_fast import fast_transform
    except ImportError:  # numba is the optional "fast" extra
        return vectorizer.transform
    return fast_transform(vectorizer)
