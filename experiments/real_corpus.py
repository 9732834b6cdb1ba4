"""Predict the six real, unlabelled articles of ../shared/corpus/real and score the result.

    .venv/bin/python experiments/real_corpus.py --model models:/asn-neutrality-tfidf@candidate \
        --model models:/asn-neutrality-transformer@candidate [...]

The labels in data/annotations/real_dev/gold.jsonl are the real development set's adjudicated
labels (labels only, keyed by article id, sentence index and hash, no text). They are for
evaluation only: `prepare` reserves these articles (configs/data.yaml, `reserved`), so no
source may train on them or on any sentence they contain. Two of the six articles
(clickid-276a3ba01582, clickid-2086cac1a927) also appear in the CLICK-ID corpus; before corpus
v2 three of their sentences were in the training data, so the table also reports the four
articles the project never saw.

Writes experiments/results/real_corpus.{md,json}: per model, micro/macro-F1 and per-label
precision/recall against the blind labels, the per-article summaries (label counts, legal
instruments cited) and every sentence the model and the annotator disagree on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score

from classifier import Predictor
from classifier.data.annotations import sentence_hash
from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table
from classifier.text.ingest import read_articles
from classifier.training.metrics import macro_f1

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real" / "articles.jsonl"
GOLD = ROOT / "data" / "annotations" / "real_dev" / "gold.jsonl"
RESULTS = ROOT / "experiments" / "results"
SEEN = {"clickid-276a3ba01582", "clickid-2086cac1a927"}  # also in the CLICK-ID training data


def load_gold(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """(article_id, sentence_index) -> the blind pass's row (labels, sentence_hash)."""
    gold = {}
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        gold[(row["article_id"], row["sentence_index"])] = row
    return gold


def scores_table(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Micro/macro-F1 and per-label precision/recall/F1 of predicted against gold labels."""
    gold = np.array([[label in r["gold"] for label in LABEL_IDS] for r in rows], dtype=int)
    pred = np.array([[label in r["labels"] for label in LABEL_IDS] for r in rows], dtype=int)
    table = {
        "sentences": len(rows),
        "macro_f1": macro_f1(gold, pred),
        "micro_f1": float(f1_score(gold, pred, average="micro", zero_division=0)),
    }
    for k, label in enumerate(LABEL_IDS):
        table[f"gold_{label}"] = int(gold[:, k].sum())
        table[f"predicted_{label}"] = int(pred[:, k].sum())
        table[f"precision_{label}"] = float(
            precision_score(gold[:, k], pred[:, k], zero_division=0)
        )
        table[f"recall_{label}"] = float(recall_score(gold[:, k], pred[:, k], zero_division=0))
    return table


def evaluate(uri: str, gold: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    """Predict the corpus with one model and compare it with the blind labels."""
    predictor = Predictor.load(uri)
    rows, summaries = [], []
    for article in predictor.predict_articles(read_articles([CORPUS])):
        # No article text is written: several of these articles carry no licence to copy.
        summaries.append(
            {
                "article_id": article.article_id,
                **{k: v for k, v in article.summary.items() if not k.startswith("top_")},
            }
        )
        for sentence in article.sentences:
            key = (sentence["article_id"], sentence["sentence_index"])
            if key not in gold or gold[key]["sentence_hash"] != sentence_hash(sentence["text"]):
                # Cleaning or splitting changed since the labels were made: re-key them first.
                raise SystemExit(f"error: blind labels do not match sentence {key}")
            rows.append({**sentence, "gold": gold[key]["labels"]})
    unseen = [r for r in rows if r["article_id"] not in SEEN]
    disagreements = [
        {k: r[k] for k in ("article_id", "sentence_index", "labels", "gold")}
        for r in rows
        if sorted(r["labels"]) != sorted(r["gold"])
    ]
    return {
        "model": uri,
        "all": scores_table(rows),
        "unseen": scores_table(unseen),
        "summaries": summaries,
        "disagreements": disagreements,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    """The results as a markdown report."""
    head = ["model", "articles", "sentences", "macro-F1", "micro-F1"]
    head += [f"{label} P/R (pred/gold)" for label in LABEL_IDS]
    lines = [
        "# Real, unlabelled articles (../shared/corpus/real)",
        "",
        "Labels: the real development set (data/annotations/real_dev/gold.jsonl).",
        "`unseen`: the four articles without any sentence in the training data.",
        "",
    ]
    rows: list[list[str]] = []
    for result in results:
        for part in ("all", "unseen"):
            t = result[part]
            cells = [result["model"], part, str(t["sentences"])]
            cells += [f"{t['macro_f1']:.3f}", f"{t['micro_f1']:.3f}"]
            cells += [
                f"{t[f'precision_{x}']:.2f}/{t[f'recall_{x}']:.2f} "
                f"({t[f'predicted_{x}']}/{t[f'gold_{x}']})"
                for x in LABEL_IDS
            ]
            rows.append(cells)
    lines.append(markdown_table(head, rows))
    for result in results:
        lines += ["", f"## {result['model']}", "", "Per article:", ""]
        for s in result["summaries"]:
            counts = ", ".join(f"{x} {s[f'count_{x}']}" for x in LABEL_IDS if s[f"count_{x}"])
            laws = ", ".join(s["legal_instruments"]) or "none"
            lines.append(f"- `{s['article_id']}`: {counts or 'no labels'}; instruments: {laws}")
        lines += ["", f"Disagreements with the blind labels ({len(result['disagreements'])}):", ""]
        for d in result["disagreements"]:
            lines.append(
                f"- `{d['article_id']}`#{d['sentence_index']} model {d['labels']} vs gold "
                f"{d['gold']}"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, help="a model URI (repeat)")
    args = parser.parse_args()
    gold = load_gold(GOLD)
    results = [evaluate(uri, gold) for uri in args.model]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "real_corpus.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (RESULTS / "real_corpus.md").write_text(markdown(results), "utf-8")
    print(markdown(results).split("\n## ")[0])


if __name__ == "__main__":
    main()
