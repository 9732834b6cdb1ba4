"""The compiled TF-IDF transforms give scikit-learn's matrices exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.models._tfidf_fast import fast_transform

WORDS = [
    "ASN",
    "netral",
    "Bawaslu",
    "kampanye",
    "UU",
    "20/2023",
    "Pasal",
    "280",
    "ayat",
    "(2)",
    "pelanggaran",
    "tidak",
    "ada",
    "Kab.",
    "Rp2.400",
    "café",
    "naïve",
    "x_y",
    "a",
    "é",
    "😀",
    "\u200b",
    "—",
    "“kutip”",
    "İstanbul",
    "ß",
    "Ⅻ",
    "١٢٣",
    "DKI",
    "e-KTP",
]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    seps = [" ", "  ", "\t", "\n", " \u00a0"]
    texts = ["", " ", "a", "ab", "A b C", "___", "x1 1x 11"]
    for _ in range(n):
        k = rng.randint(1, 25)
        texts.append("".join(rng.choice(WORDS) + rng.choice(seps) for _ in range(k)).strip())
    return texts


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "sublinear_tf": False},
        {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True},
        {"analyzer": "word", "ngram_range": (1, 3), "sublinear_tf": False, "lowercase": False},
        {"analyzer": "word", "ngram_range": (2, 2), "sublinear_tf": True},
    ],
)
def test_fast_transform_equals_sklearn(settings: dict) -> None:
    vectorizer = TfidfVectorizer(**settings).fit(_texts(1, 300))
    transform = fast_transform(vectorizer)
    assert transform is not vectorizer.transform  # the compiled path is used
    unseen = _texts(2, 300)
    expected = vectorizer.transform(unseen)
    got = transform(unseen)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-12
    assert (got != 0).sum() == expected.nnz


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_rows_without_known_ngrams_at_the_end(analyzer: str) -> None:
    # A batch that ends with sentences sharing no n-gram with the vocabulary once crashed the
    # l2 norm (np.add.reduceat indexed past the end).
    vectorizer = TfidfVectorizer(analyzer=analyzer).fit(["ASN netral", "Bawaslu kampanye"])
    texts = ["ASN netral", "qqq", "", "zzz"]
    got = fast_transform(vectorizer)(texts)
    expected = vectorizer.transform(texts)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-12


def test_unsupported_settings_fall_back_to_sklearn() -> None:
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 3)).fit(["abc def"])
    assert fast_transform(vectorizer) == vectorizer.transform
    stop = TfidfVectorizer(stop_words=["dan"]).fit(["ASN dan Bawaslu"])
    assert fast_transform(stop) == stop.transform


def test_model_scores_match_the_sklearn_pipeline(prepared) -> None:
    import datasets

    from classifier.models.tfidf import TfidfModel, TfidfParams
    from classifier.training.train import to_split

    splits = datasets.load_dataset(
        "parquet", data_files={s: str(prepared / f"{s}.parquet") for s in ("train", "validation")}
    )
    model = TfidfModel(TfidfParams(), seed=1)
    model.fit(to_split(splits["train"]), to_split(splits["validation"]))
    texts = _texts(3, 50)
    np.testing.assert_allclose(
        model.predict_proba(texts), model.pipeline.predict_proba(texts), atol=1e-6
    )


def test_without_numba_tfidf_falls_back_to_sklearn(
    prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """numba is the optional ``fast`` extra: without it, the same scores from scikit-learn."""
    import sys

    import datasets

    from classifier.models.tfidf import TfidfModel, TfidfParams
    from classifier.training.train import to_split

    splits = datasets.load_dataset(
        "parquet", data_files={s: str(prepared / f"{s}.parquet") for s in ("train", "validation")}
    )
    model = TfidfModel(TfidfParams(), seed=1)
    model.fit(to_split(splits["train"]), to_split(splits["validation"]))
    texts = splits["validation"]["text"][:50]
    fast = model.predict_proba(texts)
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    monkeypatch.delitem(sys.modules, "classifier.models._tfidf_fast")
    model._transforms = None
    slow = model.predict_proba(texts)
    assert all(t.__self__.__class__.__name__ == "TfidfVectorizer" for t in model._transforms)
    assert abs(fast - slow).max() < 1e-6
