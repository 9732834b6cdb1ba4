"""Inference API: ``Predictor.load(uri)``, ``.predict_sentences()``, ``.predict_articles()``.

A URI is ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/RUN_ID/model``, a local MLflow
model directory, or a directory written by ``SentenceModel.save``.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.models._precision import (
    PARITY_MINIMUM,
    FastPathCheck,
    check_fast_path,
    label_agreement,
    precision_to_load,
    requested_precision,
)
from classifier.models.base import META_FILE, SentenceModel, load_model
from classifier.runtime import set_threads
from classifier.text.documents import Document, iter_documents, process_article, sentence_row
from classifier.text.ingest import RawArticle
from classifier.text.legal import extract_instruments


def load_sentence_model(uri: str) -> SentenceModel:
    """Resolve any supported model URI to a loaded :class:`SentenceModel`."""
    path = Path(uri).expanduser()
    if path.exists():
        if (path / META_FILE).exists():
            return load_model(path)
        if not (path / "MLmodel").exists():
            raise ConfigError(
                f"model {uri}: directory is neither an MLflow model nor a saved model"
            )
    elif "://" not in uri and not uri.startswith(("models:/", "runs:/")):
        raise ConfigError(f"model {uri}: no such directory, and not a models:/ or runs:/ URI")
    import mlflow
    from mlflow.exceptions import MlflowException

    from classifier.training.tracking import configure_mlflow, raise_if_unreachable

    configure_mlflow()
    try:
        pyfunc = mlflow.pyfunc.load_model(uri)
    except (MlflowException, OSError) as exc:
        raise_if_unreachable(exc)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        # Naming the store tells a user who ran from elsewhere which registry was searched.
        store = mlflow.get_tracking_uri() if uri.startswith("models:/") else None
        where = f"; tracking store {store}" if store else ""
        raise ConfigError(f"model {uri}: cannot be loaded ({reason}{where})") from None
    wrapped = pyfunc.unwrap_python_model()
    model = getattr(wrapped, "model", None)
    if not isinstance(model, SentenceModel):
        raise ConfigError(f"model {uri}: not a classifier model")
    return model


@dataclass
class ArticlePrediction:
    """Sentence predictions of one article and its summary."""

    article_id: str
    sentences: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


# The label list of every bit code (bit k set: LABEL_IDS[k] predicted), decoded once.
_LABEL_SETS = [
    [label for k, label in enumerate(LABEL_IDS) if code >> k & 1]
    for code in range(1 << len(LABEL_IDS))
]


class Predictor:
    """Scores sentences with a trained model; thresholds come from training."""

    def __init__(self, model: SentenceModel, uri: str = "", batch_size: int = 64) -> None:
        self.model = model
        self.uri = uri
        self.batch_size = batch_size
        self.quantization_agreement: float | None = None
        self.fresh_check: FastPathCheck | None = None
        if hasattr(model, "params") and hasattr(model.params, "eval_batch_size"):
            model.params.eval_batch_size = batch_size

    @classmethod
    def load(
        cls,
        uri: str,
        batch_size: int = 64,
        threads: int | None = None,
        quantize: bool = False,
        parity_texts: Sequence[str] | None = None,
        precision: str = "auto",
    ) -> Predictor:
        """Load a model in ``precision``: ``auto`` (the fast path when the model's training-time
        parity check passed and this machine runs it natively), ``fp32``, or ``bf16`` (checked
        against fp32 on ``parity_texts`` unless training already did). ``quantize``: int8
        dynamic quantisation, refused below 99% label agreement."""
        if quantize and precision == "bf16":
            raise ConfigError("--quantize and --precision bf16 exclude each other")
        set_threads(threads)
        # A forced bf16 loads in fp32 first: its parity check needs the fp32 labels.
        with requested_precision("fp32" if quantize or precision == "bf16" else precision):
            predictor = cls(load_sentence_model(uri), uri, batch_size)
        if precision == "bf16":
            predictor.force_precision("bf16", parity_texts)
        if quantize:
            predictor.quantize(parity_texts)
        return predictor

    @property
    def fast_path(self) -> FastPathCheck | None:
        """The parity check behind the model's precision (from training, or from this load)."""
        return self.fresh_check or FastPathCheck.from_dict(self.model.fast_path)

    def force_precision(self, precision: str, parity_texts: Sequence[str] | None) -> None:
        """Switch an fp32 model to ``precision``, if a parity check passes (or passed)."""
        if self.model.fast_precision() != precision:
            raise ConfigError(
                f"--precision {precision}: not available for this {self.model.kind} model on "
                "this machine (needs a transformer, and a CPU with AMX or AVX512-BF16 or a GPU "
                "with bf16)"
            )
        # What ``auto`` would pick: ``precision`` only when training's check passed for it.
        if precision_to_load(self.model, "auto") != precision:
            if not parity_texts:
                raise ConfigError(
                    f"--precision {precision}: the model has no passing parity check, and the "
                    "parity sentences (the validation split) are missing: run prepare"
                )
            found = check_fast_path(self.model, parity_texts)
            assert found is not None  # fast_precision() matched above
            self.fresh_check, fast = found
            if not self.fresh_check.passed:
                raise ConfigError(f"--precision {precision}: {self.fresh_check.describe()}")
            self.model = fast
            return
        self.model = self.model.to_precision(precision, in_place=True)

    @property
    def thresholds(self) -> np.ndarray:
        """Per-label decision thresholds."""
        return self.model.thresholds

    def quantize(self, parity_texts: Sequence[str] | None) -> float:
        """Dynamic int8 quantisation of the Linear layers, refused below 99% label agreement."""
        if not hasattr(self.model, "model") or self.model.kind != "transformer":
            raise ConfigError("--quantize applies to transformer models only")
        if not parity_texts:
            raise ConfigError("--quantize needs parity sentences (the validation split)")
        import torch

        before = self.model.predict(parity_texts)
        fp32 = self.model.model
        self.model.model = torch.ao.quantization.quantize_dynamic(
            fp32, {torch.nn.Linear}, dtype=torch.qint8
        )
        after = self.model.predict(parity_texts)
        agreement = label_agreement(before, after)
        self.quantization_agreement = agreement
        if agreement < PARITY_MINIMUM:
            self.model.model = fp32
            raise ConfigError(
                f"--quantize: label agreement with fp32 is {agreement:.2%} on "
                f"{len(parity_texts)} validation sentences, below {PARITY_MINIMUM:.0%}"
            )
        return agreement

    def predict_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Scores, shape (len(texts), labels)."""
        return self.model.predict_proba(list(texts))

    def predict_sentences(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """``[{"text", "labels", "scores": {label: score}}]`` for already-split sentences."""
        with _gc_paused():
            return self._predict_rows(texts)

    def _predict_rows(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        scores = self.predict_scores(texts)
        # Building these rows in Python costs as much as TF-IDF scoring itself, so each row's
        # labels are looked up by bit code and the floats converted in one call.
        hot = (scores >= self.thresholds).astype(np.int64)
        codes = (hot << np.arange(len(LABEL_IDS))).sum(axis=1).tolist()
        return [
            {
                "text": text,
                "labels": list(_LABEL_SETS[code]),
                "scores": dict(zip(LABEL_IDS, row, strict=True)),
            }
            for text, code, row in zip(texts, codes, scores.tolist(), strict=True)
        ]

    def predict_documents(self, documents: Sequence[Document]) -> list[ArticlePrediction]:
        """Score all sentences of several documents in one pass (better batches)."""
        texts = [s.text for d in documents for s in d.sentences]
        rows = self.predict_sentences(texts) if texts else []
        out, position = [], 0
        for document in documents:
            sentences = []
            for s in document.sentences:
                row = rows[position]
                position += 1
                sentences.append(sentence_row(document.id, s, ("start", "end"), **row))
            out.append(ArticlePrediction(document.id, sentences, summarize(document.id, sentences)))
        return out

    def predict_articles(
        self, articles: Iterable[RawArticle | Document | str | Path], chunk_sentences: int = 2048
    ) -> Iterator[ArticlePrediction]:
        """Clean, split and score articles, streaming in chunks of about ``chunk_sentences``.

        Accepts raw articles, documents, plain article texts, or paths (files, directories).
        """
        chunk: list[Document] = []
        size = 0
        for document in _documents(articles):
            chunk.append(document)
            size += len(document.sentences)
            if size >= chunk_sentences:
                yield from self.predict_documents(chunk)
                chunk, size = [], 0
        if chunk:
            yield from self.predict_documents(chunk)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic GC for one batch.

    Tokenising and building rows allocate millions of small containers and no cycles; the
    collector's passes over them cost 20-40% of TF-IDF prediction time (measured in
    experiments/bench_predict.py). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _documents(items: Iterable[RawArticle | Document | str | Path]) -> Iterator[Document]:
    for number, item in enumerate(items):
        if isinstance(item, Document):
            yield item
        elif isinstance(item, RawArticle):
            yield process_article(item)
        elif isinstance(item, Path):
            yield from iter_documents([item])
        elif isinstance(item, str):
            yield process_article(RawArticle(id=f"article-{number}", text=item, origin="text"))
        else:
            raise TypeError(f"cannot predict on {type(item).__name__}")


def summarize(article_id: str, sentences: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-article counts, violation flag, cited instruments and top sentence per label."""
    counts = {label: sum(label in s["labels"] for s in sentences) for label in LABEL_IDS}
    instruments: list[str] = []
    for s in sentences:
        if "legal_citation" in s["labels"]:
            instruments += extract_instruments(s["text"])
    summary: dict[str, Any] = {
        "article_id": article_id,
        "sentences": len(sentences),
        **{f"count_{label}": n for label, n in counts.items()},
        "has_violation_report": counts["violation_reported"] > 0,
        "legal_instruments": list(dict.fromkeys(instruments)),
    }
    for label in LABEL_IDS:
        labelled = [s for s in sentences if label in s["labels"]]
        best = max(labelled, key=lambda s: s["scores"][label], default=None)
        summary[f"top_{label}"] = best["text"] if best else None
        summary[f"top_{label}_score"] = round(best["scores"][label], 4) if best else None
    return summary
