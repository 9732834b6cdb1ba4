"""``classifier report``: one self-contained HTML page over batch predictions, for analysts.

Reads the sentence rows of ``classifier predict`` (articles mode; JSONL, CSV or Parquet), the
per-article summaries when given (else they are computed from the rows, as predict does), and
the ``OUTPUT.meta.json`` sidecar predict writes (model, version, thresholds). Renders a Jinja2
template with autoescaping, so article text can never inject markup; the page has inline CSS,
JS and SVG only and makes no network request.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.errors import InputError
from classifier.inference.predictor import summarize
from classifier.io_utils import atomic_path, check_writable_target
from classifier.labels import LABEL_IDS

UNCERTAIN_MARGIN = 0.1  # a score this close to its threshold marks the sentence "uncertain"
COLOURS = {
    "violation_reported": "#f4a3a3",
    "no_violation": "#a8d8b0",
    "exhortation": "#f6d48a",
    "legal_citation": "#a9c8f0",
}
SENTENCE_COLUMNS = ("article_id", "sentence_index", "text", "labels", "scores")


@dataclass
class ReportData:
    """Everything the template shows."""

    title: str
    meta: dict[str, Any]
    articles: list[dict[str, Any]]
    label_counts: dict[str, int]
    instruments: list[tuple[str, int]]
    thresholds: dict[str, float] = field(default_factory=dict)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Prediction or summary rows from JSONL, CSV or Parquet (as ``predict`` writes them)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).to_dict("records")
    if suffix == ".csv":
        return [_from_csv(row) for row in _csv_rows(path)]
    if suffix in (".jsonl", ".ndjson"):
        from classifier.text.ingest import iter_jsonl_records

        return [record for _, record in iter_jsonl_records(path)]
    raise InputError(f"{path}: expected .jsonl, .csv or .parquet")


def _csv_rows(path: Path) -> list[dict[str, Any]]:
    from classifier.text.ingest import iter_csv_records

    return [row for _, row in iter_csv_records(path)]


def _from_csv(row: dict[str, Any]) -> dict[str, Any]:
    """Undo predict's CSV flattening: ``labels`` joined by ';', one ``score_<label>`` each."""
    out = {k: v for k, v in row.items() if not k.startswith("score_")}
    if isinstance(out.get("labels"), str):
        out["labels"] = [x for x in out["labels"].split(";") if x]
    if any(k.startswith("score_") for k in row):
        out["scores"] = {label: float(row[f"score_{label}"]) for label in LABEL_IDS}
    for key in ("sentence_index", "start", "end"):
        if key in out and out[key] not in (None, ""):
            out[key] = int(out[key])
    return out


def build_report(
    predictions: Path, summary: Path | None = None, title: str | None = None
) -> ReportData:
    """Group the sentence rows by article and join summaries, checking both files agree."""
    rows = read_rows(predictions)
    if not rows:
        raise InputError(f"{predictions}: contains no predictions")
    missing = [c for c in SENTENCE_COLUMNS if c not in rows[0]]
    if missing:
        raise InputError(
            f"{predictions}: not article-mode predictions (no {', '.join(missing)}); "
            "run predict with --input-type articles"
        )
    by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        row["labels"] = list(row["labels"])
        row["scores"] = {label: float(row["scores"][label]) for label in LABEL_IDS}
        by_article[str(row["article_id"])].append(row)
    summaries = {a: summarize(a, s) for a, s in by_article.items()}
    if summary is not None:
        given = {str(r["article_id"]): r for r in read_rows(summary)}
        if not given:
            raise InputError(f"{summary}: contains no summaries")
        if set(given) != set(by_article):
            extra = sorted(set(given) ^ set(by_article))[:3]
            raise InputError(
                f"{summary}: articles do not match {predictions} (e.g. {', '.join(extra)})"
            )
        summaries = given
    meta = _read_meta(predictions)
    thresholds = {k: float(v) for k, v in (meta.get("thresholds") or {}).items()}
    articles = [
        _article(article_id, sorted(sentences, key=lambda s: s["sentence_index"]),
                 summaries[article_id], thresholds)
        for article_id, sentences in by_article.items()
    ]  # fmt: skip
    label_counts = {label: sum(a["counts"][label] for a in articles) for label in LABEL_IDS}
    instruments = Counter(i for a in articles for i in a["instruments"]).most_common()
    return ReportData(
        title or f"Predictions: {predictions.name}",
        meta,
        articles,
        label_counts,
        instruments,
        thresholds,
    )


def _read_meta(predictions: Path) -> dict[str, Any]:
    path = predictions.with_name(predictions.name + ".meta.json")
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg})") from None


def _article(
    article_id: str,
    sentences: list[dict[str, Any]],
    summary: dict[str, Any],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    shown = []
    for s in sentences:
        margins = [abs(s["scores"][k] - thresholds.get(k, 0.5)) for k in LABEL_IDS]
        shown.append({
            "text": s["text"],
            "labels": s["labels"],
            "scores": s["scores"],
            "uncertain": min(margins) < UNCERTAIN_MARGIN,
            "hover": "; ".join(
                f"{k} {s['scores'][k]:.2f} (threshold {thresholds.get(k, 0.5):.2f})"
                for k in LABEL_IDS
            ),
        })  # fmt: skip
    instruments = summary.get("legal_instruments") or []
    if isinstance(instruments, str):  # CSV summaries join lists with ';'
        instruments = [x for x in instruments.split(";") if x]
    return {
        "id": article_id,
        "counts": {label: sum(label in s["labels"] for s in sentences) for label in LABEL_IDS},
        "has_violation_report": str(summary.get("has_violation_report")) in ("True", "true"),
        "instruments": list(instruments),
        "sentences": shown,
    }


def render_report(data: ReportData) -> str:
    """The page as one HTML string."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("classifier.inference", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    # The chart shows the 40 articles with the most labelled sentences, scaled to the first.
    chart = sorted(data.articles, key=lambda a: -sum(a["counts"].values()))[:40]
    most = max((sum(a["counts"].values()) for a in chart), default=1) or 1
    return template.render(
        data=data,
        labels=LABEL_IDS,
        colours=COLOURS,
        chart=chart,
        most=most,
        margin=UNCERTAIN_MARGIN,
        sentence_total=sum(len(a["sentences"]) for a in data.articles),
    )


def write_report(
    predictions: Path,
    output: Path,
    summary: Path | None = None,
    title: str | None = None,
    overwrite: bool = False,
) -> ReportData:
    """``classifier report``: build, render and write the page atomically."""
    check_writable_target(output, overwrite)
    if output.resolve() in {predictions.resolve(), *([summary.resolve()] if summary else [])}:
        raise InputError(f"{output}: --output is also an input; write elsewhere")
    data = build_report(predictions, summary, title)
    html = render_report(data)
    with atomic_path(output) as tmp:
        tmp.write_text(html, "utf-8")
    return data
