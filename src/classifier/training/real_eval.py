"""Evaluation on real news that nothing trains on: the real development set and false alarms.

- **Real development set**: the six real on-topic articles of ``shared/corpus/real``, labelled
  twice and adjudicated (labels only, keyed by hash, in ``data/annotations/real_dev``).
  Metrics ``realdev_*`` have the same names as the splits' (``realdev_macro_f1``,
  ``realdev_f1_<label>``, ...).
- **False alarms**: the 586 reserved off-topic CLICK-ID articles. None is about ASN neutrality,
  so every topical label predicted there is a false alarm: ``falsealarm_article_rate`` (share
  of articles with a ``violation_reported`` sentence, i.e. ``has_violation_report``) and
  ``falsealarm_topical_per_1000`` (topical labels per 1,000 sentences).

Both read text from outside the repository; when it is absent the evaluation says so in one
line and is skipped, like an optional corpus in ``prepare``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.data.annotations import check_hashes, read_annotations
from classifier.data.reserved import read_id_file
from classifier.labels import LABEL_IDS
from classifier.text.documents import Document, iter_documents
from classifier.training.metrics import bootstrap_macro_f1, split_metrics

TOPICAL = [LABEL_IDS.index(x) for x in ("violation_reported", "no_violation", "exhortation")]
VIOLATION = LABEL_IDS.index("violation_reported")
Predict = Callable[[list[str]], np.ndarray]  # texts -> 0/1 matrix


@dataclass
class RealNewsConfig:
    """Where the real development set and the false-alarm articles are."""

    enabled: bool = True
    real_dev_articles: Path = Path("../shared/corpus/real/articles.jsonl")
    real_dev_labels: Path = Path("data/annotations/real_dev/gold.jsonl")
    false_alarm_articles: Path = Path("../shared/corpus/clickid/articles.jsonl")
    false_alarm_ids: Path = Path("../shared/corpus/clickid/heldout_ids.txt")


@dataclass
class LabelledSentences:
    """Sentences of the real development set with their gold labels."""

    texts: list[str]
    labels: np.ndarray
    article_ids: list[str]


def load_real_dev(articles: Path, labels: Path) -> LabelledSentences:
    """Split the real articles and attach the adjudicated labels (hash-checked)."""
    gold = read_annotations([labels])
    documents = [d for d in iter_documents([articles]) if any(k[0] == d.id for k in gold)]
    check_hashes(gold.values(), {(d.id, s.index): s.text for d in documents for s in d.sentences})
    texts, rows, ids = [], [], []
    for document in documents:
        for sentence in document.sentences:
            note = gold.get((document.id, sentence.index))
            if note is None:
                continue
            texts.append(sentence.text)
            rows.append([label in note.labels for label in LABEL_IDS])
            ids.append(document.id)
    return LabelledSentences(texts, np.array(rows, dtype=np.int8).reshape(-1, 4), ids)


def load_false_alarm_documents(articles: Path, ids: Path) -> list[Document]:
    """The reserved off-topic articles, cleaned and split like any input to ``predict``."""
    wanted = read_id_file(ids)
    return [d for d in iter_documents([articles]) if d.id in wanted]


def real_dev_metrics(predict: Predict, data: LabelledSentences, seed: int) -> dict[str, float]:
    """``realdev_*`` metrics with an article-grouped bootstrap CI of macro-F1."""
    predicted = predict(data.texts)
    metrics = split_metrics(data.labels, predicted, "realdev")
    # The six real articles hold no no_violation sentence, so that label's F1 is 0 for every
    # model however good it is; macro-F1 over the labels present says more, and the support and
    # prediction counts show what an absent label's 0 means (any prediction is a false alarm).
    present = [k for k in range(len(LABEL_IDS)) if data.labels[:, k].any()]
    metrics["realdev_macro_f1_present"] = float(
        np.mean([metrics[f"realdev_f1_{LABEL_IDS[k]}"] for k in present]) if present else 0.0
    )
    for k, label in enumerate(LABEL_IDS):
        metrics[f"realdev_support_{label}"] = float(data.labels[:, k].sum())
        metrics[f"realdev_predicted_{label}"] = float(predicted[:, k].sum())
    _, low, high = bootstrap_macro_f1(data.labels, predicted, data.article_ids, 1000, seed)
    metrics["realdev_macro_f1_ci_low"], metrics["realdev_macro_f1_ci_high"] = low, high
    return metrics


def false_alarm_metrics(predict: Predict, documents: list[Document]) -> dict[str, float]:
    """Share of off-topic articles flagged, and topical labels per 1,000 sentences."""
    texts = [s.text for d in documents for s in d.sentences]
    predicted = predict(texts)
    flagged, start = 0, 0
    for document in documents:
        end = start + len(document.sentences)
        flagged += int(predicted[start:end, VIOLATION].any())
        start = end
    return {
        "falsealarm_article_rate": flagged / max(len(documents), 1),
        "falsealarm_topical_per_1000": 1000 * predicted[:, TOPICAL].sum() / max(len(texts), 1),
        "falsealarm_articles": float(len(documents)),
    }


def real_news_metrics(
    predict: Predict, config: RealNewsConfig, seed: int, log: Callable[[str], None] = print
) -> dict[str, float]:
    """Both evaluations, each skipped with a one-line note when its files are absent."""
    metrics: dict[str, float] = {}
    if not config.enabled:
        return metrics
    if config.real_dev_articles.exists() and config.real_dev_labels.exists():
        data = load_real_dev(config.real_dev_articles, config.real_dev_labels)
        metrics.update(real_dev_metrics(predict, data, seed))
    else:
        log(f"note: real development set not found ({config.real_dev_articles}); not evaluated")
    if config.false_alarm_articles.exists() and config.false_alarm_ids.exists():
        documents = load_false_alarm_documents(config.false_alarm_articles, config.false_alarm_ids)
        metrics.update(false_alarm_metrics(predict, documents))
    else:
        log(f"note: false-alarm articles not found ({config.false_alarm_ids}); not evaluated")
    return metrics
