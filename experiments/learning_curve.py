"""Learning curve of corpus v2: train on 0%, 25%, 50% and 100% of the new written articles.

    .venv/bin/python experiments/learning_curve.py --kinds tfidf transformer

Everything else in the training split (v1 synthetic, seeds, CLICK-ID gold, silver) stays, and
validation and test stay whole, so the points differ only in how much v2 material the model
saw. v2 articles are dropped whole, in a seeded order, so each fraction contains the smaller
ones. Each point reports test-split macro-F1, real-dev macro-F1 (per label too) and false
alarms on the reserved off-topic articles. Results:
experiments/results/corpus_v2_learning_curve.{md,json} (summarised in corpus_v2.md).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from classifier.config import load_config
from classifier.data.dataset import load_splits
from classifier.labels import LABEL_IDS
from classifier.models import get_model_class
from classifier.models.base import Split
from classifier.tables import markdown_table
from classifier.training.metrics import macro_f1
from classifier.training.real_eval import RealNewsConfig, real_news_metrics
from classifier.training.train import TrainConfig, to_split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
FRACTIONS = (0.0, 0.25, 0.5, 1.0)
V2 = "synthetic_v2"


def point(kind: str, fraction: float, data: dict[str, Split], seed: int) -> dict[str, Any]:
    """Train one kind on the training split with ``fraction`` of the v2 articles."""
    train = data["train"]
    v2_articles = sorted(
        {a for a, s in zip(train.article_ids, train.sources, strict=True) if s == V2}
    )
    random.Random(seed).shuffle(v2_articles)
    kept = set(v2_articles[: round(fraction * len(v2_articles))])
    keep = np.array(
        [s != V2 or a in kept for a, s in zip(train.article_ids, train.sources, strict=True)]
    )
    cfg = load_config(ROOT / "configs" / f"{kind}.yaml", TrainConfig)
    model = get_model_class(kind).from_config(cfg.model.params, seed, kind)
    start = time.perf_counter()
    model.fit(train.take(keep), data["validation"])
    seconds = time.perf_counter() - start
    model.choose_thresholds(
        data["validation"].labels, model.predict_proba(data["validation"].texts)
    )
    test = data["test"]
    result = {
        "kind": kind,
        "fraction": fraction,
        "v2_articles": len(kept),
        "train_sentences": int(keep.sum()),
        "train_seconds": seconds,
        "test_macro_f1": macro_f1(test.labels, model.predict(test.texts)),
    }
    result.update(real_news_metrics(model.predict, RealNewsConfig(), seed, log=lambda _: None))
    print(json.dumps(result), flush=True)
    return result


def markdown(results: list[dict[str, Any]]) -> str:
    """The curve as a markdown table."""
    head = ["kind", "v2 share", "v2 articles", "train sentences", "test macro-F1"]
    head += ["real-dev macro-F1", *(f"real-dev F1 {x}" for x in LABEL_IDS)]
    head += ["off-topic articles flagged", "topical labels / 1,000", "train s"]
    lines = [
        "# Corpus v2 learning curve",
        "",
        "Training on a growing share of the corpus v2 articles (the rest of the training split "
        "unchanged; validation and test whole). Real dev: the six real articles of "
        "`shared/corpus/real` (never trained on). Off-topic: the 586 reserved CLICK-ID articles.",
        "",
    ]
    rows: list[list[str]] = []
    for r in results:
        cells = [r["kind"], f"{r['fraction']:.0%}", str(r["v2_articles"])]
        cells += [str(r["train_sentences"]), f"{r['test_macro_f1']:.3f}"]
        cells += [f"{r.get('realdev_macro_f1', float('nan')):.3f}"]
        cells += [f"{r.get(f'realdev_f1_{x}', float('nan')):.2f}" for x in LABEL_IDS]
        cells += [f"{r.get('falsealarm_article_rate', float('nan')):.1%}"]
        cells += [f"{r.get('falsealarm_topical_per_1000', float('nan')):.1f}"]
        cells += [f"{r['train_seconds']:.0f}"]
        rows.append(cells)
    lines.append(markdown_table(head, rows))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", nargs="+", default=["tfidf"])
    parser.add_argument("--fractions", nargs="+", type=float, default=list(FRACTIONS))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--output", default="corpus_v2_learning_curve")
    args = parser.parse_args()
    splits = load_splits(ROOT / "data" / "processed")
    data = {name: to_split(splits[name]) for name in ("train", "validation", "test")}
    results = [point(k, f, data, args.seed) for k in args.kinds for f in args.fractions]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"{args.output}.md").write_text(markdown(results), "utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
