"""Corpus quality: inter-annotator agreement (Cohen's kappa per label) and near-duplicates."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import cohen_kappa_score

from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> frozenset[str]:
    """Lower-cased word tokens of a sentence."""
    return frozenset(_TOKEN.findall(text.casefold()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Token Jaccard similarity."""
    return len(a & b) / len(a | b) if a or b else 1.0


@dataclass(frozen=True)
class NearDuplicate:
    """Two corpus sentences whose token Jaccard exceeds the limit."""

    first: int
    second: int
    similarity: float


def near_duplicates(texts: Sequence[str], limit: float = 0.8) -> list[NearDuplicate]:
    """All pairs with token Jaccard > ``limit``, found exactly with prefix filtering.

    With tokens ordered by corpus frequency (rarest first), two sets with Jaccard >= t share
    at least one of the first ``|A| - ceil(t * |A|) + 1`` tokens of each, so only those
    prefixes are indexed; a length filter (|A| / |B| >= t) prunes the rest.
    """
    sets = [tokens(t) for t in texts]
    frequency: dict[str, int] = {}
    for s in sets:
        for token in s:
            frequency[token] = frequency.get(token, 0) + 1
    ordered = [sorted(s, key=lambda token: (frequency[token], token)) for s in sets]
    index: dict[str, list[int]] = {}
    found = []
    for i, s in enumerate(ordered):
        if not s:
            continue
        prefix = s[: len(s) - math.ceil(limit * len(s)) + 1]
        candidates = {j for token in prefix for j in index.get(token, ())}
        for j in candidates:
            a, b = sets[i], sets[j]
            if min(len(a), len(b)) < limit * max(len(a), len(b)):
                continue
            similarity = jaccard(a, b)
            if similarity > limit:
                found.append(NearDuplicate(j, i, similarity))
        for token in prefix:
            index.setdefault(token, []).append(i)
    return sorted(found, key=lambda d: (-d.similarity, d.first, d.second))


def kappa_table(rows: Sequence[dict[str, Any]], group_by: str = "source") -> list[dict[str, Any]]:
    """Cohen's kappa per label, overall and per ``group_by`` value, from rows with
    ``labels_first``, ``labels_second`` and that key."""
    groups = {"all": list(rows)}
    for value in sorted({r[group_by] for r in rows}):
        groups[value] = [r for r in rows if r[group_by] == value]
    table = []
    for group, members in groups.items():
        for label in LABEL_IDS:
            first = [int(label in r["labels_first"]) for r in members]
            second = [int(label in r["labels_second"]) for r in members]
            agree = sum(a == b for a, b in zip(first, second, strict=True))
            if len(set(first) | set(second)) > 1:
                kappa = float(cohen_kappa_score(first, second))
            else:
                kappa = float("nan")  # kappa is undefined when neither pass uses the label
            table.append(
                {
                    "group": group,
                    "label": label,
                    "n": len(members),
                    "kappa": kappa,
                    "agreement": agree / max(len(members), 1),
                    "positives_first": sum(first),
                    "positives_second": sum(second),
                }
            )
    return table


def kappa_markdown(table: list[dict[str, Any]]) -> str:
    """The kappa table as markdown (one row per group, one column per label)."""
    groups = list(dict.fromkeys(row["group"] for row in table))
    header = ["group", "n", *(f"kappa {label}" for label in LABEL_IDS)]
    body: list[list[object]] = []
    for group in groups:
        rows = {row["label"]: row for row in table if row["group"] == group}
        cells = [
            (
                "n/a"
                if rows[label]["kappa"] != rows[label]["kappa"]
                else f"{rows[label]['kappa']:.3f}"
            )
            for label in LABEL_IDS
        ]
        body.append([group, rows[LABEL_IDS[0]]["n"], *cells])
    return markdown_table(header, body)
