"""Compare snorkel's LabelModel with the project's majority vote over the labelling functions.

Both aggregate the same votes (``classifier.data.weak.LABELING_FUNCTIONS``). The LabelModel is
fitted without labels on every sentence of the corpora (one binary model per label), then both are
scored on the gold sentences of ``data/processed``. Needs the ``weak`` extra:
``.venv/bin/pip install -e '.[weak]'``. Writes experiments/results/weak_supervision.{md,json}.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_score, recall_score

from classifier.data.weak import (
    ABSTAIN,
    LABELING_FUNCTIONS,
    NEGATIVE,
    POSITIVE,
    apply_functions,
    majority_vote,
)
from classifier.labels import LABEL_IDS, to_multi_hot
from classifier.tables import markdown_table
from classifier.text.documents import iter_documents
from classifier.training.metrics import macro_f1

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CORPORA = [
    ROOT / "data/raw/seeds",
    ROOT / "data/raw/synthetic",
    ROOT.parent / "shared/corpus/clickid/articles.jsonl",
]


def snorkel_predict(train_votes: np.ndarray, gold_votes: np.ndarray, seed: int = 13) -> np.ndarray:
    """One binary LabelModel per label over that label's functions; abstain counts as absent."""
    from snorkel.labeling.model import LabelModel

    predicted = np.zeros((len(gold_votes), len(LABEL_IDS)), dtype=np.int8)
    for k, label in enumerate(LABEL_IDS):
        columns = [j for j, f in enumerate(LABELING_FUNCTIONS) if f.label == label]
        # snorkel wants -1 abstain, 0/1 classes: the same encoding as classifier.data.weak.
        assert (ABSTAIN, NEGATIVE, POSITIVE) == (-1, 0, 1)
        model = LabelModel(cardinality=2, verbose=False)
        model.fit(train_votes[:, columns], n_epochs=500, lr=0.01, seed=seed, log_freq=1000)
        out = model.predict(gold_votes[:, columns], tie_break_policy="abstain")
        predicted[:, k] = out == 1
    return predicted


def scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    row = {"macro_f1": macro_f1(gold, predicted)}
    for k, label in enumerate(LABEL_IDS):
        row[f"f1_{label}"] = float(f1_score(gold[:, k], predicted[:, k], zero_division=0))
        row[f"precision_{label}"] = float(
            precision_score(gold[:, k], predicted[:, k], zero_division=0)
        )
        row[f"recall_{label}"] = float(recall_score(gold[:, k], predicted[:, k], zero_division=0))
    return row


def main() -> None:
    gold_df = pd.concat(
        [
            pd.read_parquet(ROOT / f"data/processed/{s}.parquet")
            for s in ("train", "validation", "test")
        ]
    )
    gold = np.array([to_multi_hot(list(labels)) for labels in gold_df["labels"]])
    pool = [
        s.text
        for path in CORPORA
        if path.exists()
        for d in iter_documents([path])
        for s in d.sentences
    ]
    start = time.perf_counter()
    pool_votes = apply_functions(pool)
    gold_votes = apply_functions(gold_df["text"].tolist())
    vote_seconds = time.perf_counter() - start
    methods = {
        "majority_vote": majority_vote(gold_votes),
        "snorkel_label_model": snorkel_predict(pool_votes, gold_votes),
    }
    results: dict[str, dict[str, dict[str, float]]] = {}
    sources = gold_df["source"].to_numpy()
    for name, predicted in methods.items():
        results[name] = {"all": scores(gold, predicted)}
        for source in sorted(set(sources)):
            mask = sources == source
            results[name][source] = scores(gold[mask], predicted[mask])
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {
        "gold_sentences": len(gold_df),
        "unlabelled_pool_sentences": len(pool),
        "vote_seconds": vote_seconds,
    }
    (RESULTS / "weak_supervision.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2), "utf-8"
    )
    lines = [
        "# Weak supervision: snorkel LabelModel vs majority vote",
        "",
        f"Same {len(LABELING_FUNCTIONS)} labelling functions; LabelModel fitted without labels on "
        f"{len(pool):,} corpus sentences; both scored on {len(gold_df):,} gold sentences "
        "(all splits of data/processed). Macro-F1 averages the labels present in the gold set or "
        "the predictions of each group. Written by experiments/weak_supervision.py.",
        "",
        markdown_table(
            ["method", "group", "macro-F1", *(f"F1 {label}" for label in LABEL_IDS)],
            [
                [
                    name,
                    group,
                    f"{row['macro_f1']:.3f}",
                    *(f"{row[f'f1_{label}']:.3f}" for label in LABEL_IDS),
                ]
                for name, groups in results.items()
                for group, row in groups.items()
            ],
        ),
    ]
    (RESULTS / "weak_supervision.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
