"""``classifier label``: silver labels for unlabelled articles and a per-function report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifier.data.annotations import read_annotations, sentence_hash
from classifier.data.weak import (
    ABSTAIN,
    LABELING_FUNCTIONS,
    LabelingFunction,
    apply_functions,
    majority_vote,
)
from classifier.io_utils import atomic_path, check_writable_target
from classifier.labels import LABEL_IDS, from_multi_hot, to_multi_hot
from classifier.tables import markdown_table
from classifier.text.documents import iter_documents, sentence_row


def function_report(
    votes: np.ndarray,
    gold: np.ndarray | None = None,
    functions: Sequence[LabelingFunction] = LABELING_FUNCTIONS,
) -> list[dict[str, Any]]:
    """Coverage, overlap, conflicts and (where gold is given) accuracy of each function.

    Overlap and conflict are measured against the other functions voting on the same label:
    overlap is the share of sentences where this one and another both vote; conflict, where
    another votes the opposite way. Accuracy is over the gold rows where the function votes.
    """
    rows = []
    n = max(votes.shape[0], 1)
    for j, function in enumerate(functions):
        mine = votes[:, j] != ABSTAIN
        peers = [k for k, f in enumerate(functions) if f.label == function.label and k != j]
        peer_votes = votes[:, peers] if peers else np.full((votes.shape[0], 0), ABSTAIN)
        others_vote = (peer_votes != ABSTAIN).any(axis=1)
        opposite = ((peer_votes != ABSTAIN) & (peer_votes != votes[:, [j]])).any(axis=1)
        row: dict[str, Any] = {
            "function": function.name,
            "label": function.label,
            "vote": "positive" if function.vote == 1 else "negative",
            "coverage": float(mine.sum() / n),
            "overlap": float((mine & others_vote).sum() / n),
            "conflicts": float((mine & opposite).sum() / n),
        }
        if gold is not None:
            k = LABEL_IDS.index(function.label)
            voted = mine[: len(gold)]
            correct = (votes[: len(gold), j][voted] == gold[voted, k]).sum()
            row["gold_votes"] = int(voted.sum())
            row["accuracy"] = float(correct / voted.sum()) if voted.sum() else None
        rows.append(row)
    return rows


def report_markdown(rows: list[dict[str, Any]], title: str) -> str:
    """The per-function report as a markdown table."""
    header = [
        "function",
        "label",
        "vote",
        "coverage",
        "overlap",
        "conflicts",
        "gold votes",
        "accuracy",
    ]
    table = markdown_table(
        header,
        [
            [
                r["function"],
                r["label"],
                r["vote"],
                f"{r['coverage']:.3f}",
                f"{r['overlap']:.3f}",
                f"{r['conflicts']:.3f}",
                r.get("gold_votes", ""),
                "" if r.get("accuracy") is None else f"{r['accuracy']:.3f}",
            ]
            for r in rows
        ],
    )
    return f"# {title}\n\n{table}\n"


def label_articles(
    inputs: list[Path],
    output: Path,
    report: Path,
    gold_paths: list[Path] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write silver labels for every sentence of ``inputs`` and the per-function report.

    When gold annotations are given, the report's accuracy column is measured on the
    sentences they cover (matched by article id, index and hash).
    """
    check_writable_target(output, overwrite)
    check_writable_target(report, overwrite)
    gold = read_annotations(gold_paths) if gold_paths else {}
    rows: list[dict[str, Any]] = []
    gold_rows: list[list[int]] = []
    gold_order: list[int] = []
    for document in iter_documents(inputs):
        for s in document.sentences:
            key = (document.id, s.index)
            digest = sentence_hash(s.text)
            if key in gold and gold[key].sentence_hash == digest:
                gold_order.append(len(rows))
                gold_rows.append(to_multi_hot(gold[key].labels))
            rows.append(sentence_row(document.id, s, ("sentence_hash", "text")))
    votes = apply_functions([r["text"] for r in rows])
    silver = majority_vote(votes)
    # Gold rows first, so the report can index them as a prefix.
    order = gold_order + [i for i in range(len(rows)) if i not in set(gold_order)]
    table = function_report(votes[order], np.array(gold_rows) if gold_rows else None)
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for row, vector, vote_row in zip(rows, silver, votes, strict=True):
            row["labels"] = from_multi_hot(vector)
            row["votes"] = {
                f.name: int(v)
                for f, v in zip(LABELING_FUNCTIONS, vote_row, strict=True)
                if v != ABSTAIN
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with atomic_path(report) as tmp:
        if report.suffix.lower() == ".json":
            tmp.write_text(json.dumps(table, indent=2), encoding="utf-8")
        else:
            tmp.write_text(report_markdown(table, "Labelling-function report"), encoding="utf-8")
    return {"sentences": len(rows), "gold_sentences": len(gold_rows)}
