"""The dataset card written next to the prepared splits (``data/processed/README.md``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

from classifier.data.dataset import SPLITS, PreparedData
from classifier.labels import LABEL_IDS, LABELS_BY_ID, OTHER
from classifier.tables import markdown_table


def render_card(prepared: PreparedData, extra_sections: dict[str, str] | None = None) -> str:
    """Markdown card: counts per label/split/source, co-occurrence, synthetic share."""
    rows = prepared.rows
    all_rows = [row for split in SPLITS for row in rows[split]]
    names = [*LABEL_IDS, OTHER]

    def label_counts(items: list[dict[str, Any]]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for row in items:
            counts.update(row["labels"] or [OTHER])
        return counts

    split_counts = {split: label_counts(rows[split]) for split in SPLITS}
    total_counts = label_counts(all_rows)
    sources = sorted({row["source"] for row in all_rows})
    source_counts = {s: label_counts([r for r in all_rows if r["source"] == s]) for s in sources}
    synthetic = sum(row["synthetic"] for row in all_rows)
    articles = {split: len({row["article_id"] for row in rows[split]}) for split in SPLITS}

    parts = [
        "# Dataset card: ASN-neutrality sentences",
        "",
        "Built by `classifier prepare` from the sources in `configs/data.yaml`. Splits are "
        "grouped by article (no article is in two splits) and stratified on label and source "
        f"counts with seed {prepared.config.seed}. Labels are multi-label; `other` is the "
        "empty set. Columns: `id`, `article_id`, `sentence_index`, `start`, `end`, `text`, "
        "`labels`, `source`, `synthetic`, `annotator`.",
        "",
        f"Sentences: **{len(all_rows)}**; synthetic share: "
        f"**{synthetic / max(len(all_rows), 1):.1%}** ({synthetic} sentences).",
    ]
    if prepared.skipped_sources:
        parts.append(
            f"Sources skipped because their path was absent: {', '.join(prepared.skipped_sources)}."
        )
    parts += [
        "",
        "## Sentences per label and split",
        "",
        markdown_table(
            ["label", "display", *SPLITS, "total"],
            [
                [
                    n,
                    LABELS_BY_ID[n].name_id if n in LABELS_BY_ID else "lainnya",
                    *(split_counts[s][n] for s in SPLITS),
                    total_counts[n],
                ]
                for n in names
            ]
            + [
                ["sentences", "", *(len(rows[s]) for s in SPLITS), len(all_rows)],
                ["articles", "", *(articles[s] for s in SPLITS), sum(articles.values())],
            ],
        ),
        "",
        "## Sentences per source and label",
        "",
        markdown_table(
            ["source", *names, "sentences", "articles"],
            [
                [
                    s,
                    *(source_counts[s][n] for n in names),
                    sum(1 for r in all_rows if r["source"] == s),
                    len({r["article_id"] for r in all_rows if r["source"] == s}),
                ]
                for s in sources
            ],
        ),
        "",
        "## Gold and silver",
        "",
        _gold_silver(all_rows, names, label_counts),
        "",
        "## Written sentences per family (corpus v2)",
        "",
        _families(all_rows, names, label_counts),
        "",
        "## Label co-occurrence (sentences carrying both)",
        "",
        _cooccurrence(all_rows),
    ]
    for title, body in (extra_sections or {}).items():
        parts += ["", f"## {title}", "", body]
    return "\n".join(parts) + "\n"


def _gold_silver(all_rows: list[dict[str, Any]], names: list[str], label_counts: Any) -> str:
    """Gold (human/written) vs silver (rule-labelled) sentences per label."""
    gold = label_counts([r for r in all_rows if not r.get("silver")])
    silver = label_counts([r for r in all_rows if r.get("silver")])
    n_gold = sum(1 for r in all_rows if not r.get("silver"))
    return markdown_table(
        ["", *names, "sentences"],
        [
            ["gold", *(gold[n] for n in names), n_gold],
            ["silver", *(silver[n] for n in names), len(all_rows) - n_gold],
        ],
    )


def _families(all_rows: list[dict[str, Any]], names: list[str], label_counts: Any) -> str:
    """Sentences per family tag with their labels, and written articles per outlet style."""
    tagged = [r for r in all_rows if r.get("family")]
    families = sorted({r["family"] for r in tagged})
    table = markdown_table(
        ["family", *names, "sentences"],
        [
            [
                f,
                *(label_counts([r for r in tagged if r["family"] == f])[n] for n in names),
                sum(1 for r in tagged if r["family"] == f),
            ]
            for f in families
        ],
    )
    # Written v2 articles are named syn2-<style>-<number>.
    styles: Counter[str] = Counter()
    sentences: Counter[str] = Counter()
    for article in {r["article_id"] for r in tagged}:
        styles[article.removeprefix("syn2-").rsplit("-", 1)[0]] += 1
    for row in tagged:
        sentences[row["article_id"].removeprefix("syn2-").rsplit("-", 1)[0]] += 1
    style_table = markdown_table(
        ["style", "articles", "sentences"], [[s, styles[s], sentences[s]] for s in sorted(styles)]
    )
    return table + "\n\n" + style_table


def _cooccurrence(all_rows: list[dict[str, Any]]) -> str:
    pairs: Counter[tuple[str, str]] = Counter()
    for row in all_rows:
        for a, b in combinations(sorted(row["labels"], key=LABEL_IDS.index), 2):
            pairs[(a, b)] += 1
        for label in row["labels"]:
            pairs[(label, label)] += 1
    return markdown_table(
        ["", *LABEL_IDS],
        [
            [a, *(pairs[tuple(sorted((a, b), key=LABEL_IDS.index))] for b in LABEL_IDS)]
            for a in LABEL_IDS
        ],
    )


def quality_sections(prepared: PreparedData, agreement_dir: Path | None) -> dict[str, str]:
    """Near-duplicate count over the built corpus and, if recorded, the kappa table."""
    from classifier.data.quality import kappa_markdown, kappa_table, near_duplicates

    rows = [row for split in SPLITS for row in prepared.rows[split]]
    pairs = near_duplicates([row["text"] for row in rows])
    shown = "; ".join(
        f"{rows[p.first]['id']} ~ {rows[p.second]['id']} ({p.similarity:.2f})" for p in pairs[:10]
    )
    sections = {
        "Near-duplicates": f"Sentence pairs with token Jaccard > 0.8: **{len(pairs)}**"
        + (f" (first ones: {shown})" if pairs else "")
        + ".\n\n"
        + _duplicates_by_source(rows, pairs)
    }
    records = []
    if agreement_dir is not None and agreement_dir.exists():
        for file in sorted(agreement_dir.glob("*.jsonl")):
            records += [json.loads(line) for line in file.read_text("utf-8").splitlines() if line]
    if records:
        disagreements = sum(r["labels_first"] != r["labels_second"] for r in records)
        sections["Inter-annotator agreement"] = (
            f"A blind second pass relabelled {len(records)} sentences stratified by source and "
            "label, without seeing the first labels. Cohen's kappa per label (n/a: neither "
            f"pass used the label in that group). {disagreements} sentences differed; they were "
            "resolved by the guideline (`docs/annotation_guideline.md`, *Conventions from "
            "adjudication*).\n\n" + kappa_markdown(kappa_table(records))
        )
        by_family = [r for r in records if r.get("family")]
        if by_family:
            sections["Inter-annotator agreement"] += (
                "\n\nCorpus v2 sentences by the family they were written for:\n\n"
                + kappa_markdown(kappa_table(by_family, group_by="family"))
            )
    return sections


def _duplicates_by_source(rows: list[dict[str, Any]], pairs: list[Any]) -> str:
    """Per source: sentences in a near-duplicate pair within the source, and exact sentences
    found in more than one article."""
    in_pair: Counter[str] = Counter()
    for pair in pairs:
        first, second = rows[pair.first], rows[pair.second]
        if first["source"] == second["source"]:
            in_pair[first["source"]] += 2
    articles: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        key = (row["source"], " ".join(row["text"].casefold().split()))
        articles.setdefault(key, set()).add(row["article_id"])
    shared: Counter[str] = Counter(src for (src, _), ids in articles.items() if len(ids) > 1)
    sizes = Counter(row["source"] for row in rows)
    return markdown_table(
        ["source", "sentences", "in a near-duplicate pair", "share", "texts in 2+ articles"],
        [
            [src, sizes[src], in_pair[src], f"{in_pair[src] / sizes[src]:.1%}", shared[src]]
            for src in sorted(sizes)
        ],
    )


def prepare_with_card(
    config: Path, overrides: list[str], log: Callable[[str], None] = print
) -> tuple[PreparedData, Path]:
    """``classifier prepare``: build the splits from a data config, write them with their
    dataset card (quality sections included); return the result and the output directory."""
    from classifier.config import load_config
    from classifier.data.dataset import DataConfig, prepare, write_prepared

    data_config = load_config(config, DataConfig, overrides)
    prepared = prepare(data_config, log=log)
    extra = quality_sections(prepared, data_config.agreement_dir)
    return prepared, write_prepared(prepared, render_card(prepared, extra))
