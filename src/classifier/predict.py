"""``classifier predict``: stream articles or sentences through a model into JSONL/CSV/Parquet.

Outputs are written to temporary files and renamed only when everything succeeded, so an error
or Ctrl-C never leaves a partial file, and an existing output is never replaced without
``overwrite``.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from classifier.errors import InputError
from classifier.ingest import detect_format, iter_records
from classifier.io_utils import atomic_path, check_writable_target
from classifier.labels import LABEL_IDS
from classifier.predictor import Predictor

FORMATS = ("jsonl", "csv", "parquet")


@dataclass
class PredictOptions:
    """Options of one prediction job."""

    model: str
    inputs: list[Path]
    output: Path
    format: str | None = None
    input_type: str = "articles"
    batch_size: int = 64
    summary: Path | None = None
    overwrite: bool = False
    quantize: bool = False
    threads: int | None = None
    parity_data: Path = Path("data/processed/validation.parquet")
    chunk_sentences: int = 2048

    def __post_init__(self) -> None:
        self.format = self.format or self.output.suffix.lower().lstrip(".")
        if self.format not in FORMATS:
            raise InputError(f"{self.output}: output format must be one of {', '.join(FORMATS)}")
        if self.input_type not in {"articles", "sentences"}:
            raise InputError(
                f"--input-type must be 'articles' or 'sentences', not {self.input_type!r}"
            )
        if self.summary is not None and self.input_type == "sentences":
            raise InputError("--summary needs --input-type articles")
        if self.batch_size < 1:
            raise InputError("--batch-size must be at least 1")


class RowWriter:
    """Writes prediction rows incrementally as JSONL, CSV or Parquet."""

    def __init__(self, path: Path, fmt: str, columns: list[str]) -> None:
        self.path, self.fmt, self.columns = path, fmt, columns
        self.count = 0
        self._handle: Any = None
        self._writer: Any = None

    def __enter__(self) -> RowWriter:
        if self.fmt != "parquet":
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            if self.fmt == "csv":
                self._writer = csv.DictWriter(self._handle, fieldnames=self._csv_columns())
                self._writer.writeheader()
        return self

    def _csv_columns(self) -> list[str]:
        columns = [c for c in self.columns if c != "scores"]
        return columns + (
            [f"score_{label}" for label in LABEL_IDS] if "scores" in self.columns else []
        )

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append rows (dicts with the writer's columns)."""
        if not rows:
            return
        self.count += len(rows)
        if self.fmt == "jsonl":
            self._handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        elif self.fmt == "csv":
            for row in rows:
                flat = {key: value for key, value in row.items() if key != "scores"}
                for key, value in flat.items():
                    if isinstance(value, list):
                        flat[key] = ";".join(map(str, value))
                for label, score in row.get("scores", {}).items():
                    flat[f"score_{label}"] = round(score, 6)
                self._writer.writerow(flat)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist([{c: r.get(c) for c in self.columns} for r in rows])
            if self._writer is None:
                self._writer = pq.ParquetWriter(str(self.path), table.schema)
            self._writer.write_table(table.cast(self._writer.schema))

    def __exit__(self, *exc: object) -> None:
        if self.fmt == "parquet":
            if self._writer is None:  # no rows: still write a valid empty file
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.table({c: [] for c in self.columns}), str(self.path))
            else:
                self._writer.close()
        elif self._handle is not None:
            self._handle.close()


def read_sentence_rows(paths: list[Path]) -> Iterator[dict[str, Any]]:
    """Rows with ``text`` (and optional ``id``) from JSONL or CSV, already split."""
    for path in paths:
        if path.is_dir() or (path.exists() and detect_format(path) == "txt"):
            raise InputError(
                f"{path}: --input-type sentences reads JSONL or CSV with a 'text' column"
            )
        count = 0
        for origin, record in iter_records(path, ("text",), " (the model's input schema)"):
            if not isinstance(record.get("text"), str):
                raise InputError(f"{origin}: row has no string 'text' (the model's input schema)")
            count += 1
            yield {"id": str(record.get("id", f"{path.stem}-{count}")), "text": record["text"]}
        if count == 0:
            raise InputError(f"{path}: contains no sentences")


def _parity_texts(options: PredictOptions) -> list[str] | None:
    if not options.quantize:
        return None
    if not options.parity_data.exists():
        raise InputError(f"--quantize: parity data {options.parity_data} not found (run prepare)")
    import pandas as pd

    return pd.read_parquet(options.parity_data, columns=["text"])["text"].tolist()


def run_predict(options: PredictOptions) -> dict[str, Any]:
    """Run one prediction job; return counts and throughput."""
    for target in [options.output, *([options.summary] if options.summary else [])]:
        check_writable_target(target, options.overwrite)
    for path in options.inputs:  # fail on a missing input before loading a model
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
    predictor = Predictor.load(
        options.model, options.batch_size, options.threads, options.quantize, _parity_texts(options)
    )
    sentence_mode = options.input_type == "sentences"
    columns = (
        ["id", "text", "labels", "scores"]
        if sentence_mode
        else ["article_id", "sentence_index", "start", "end", "text", "labels", "scores"]
    )
    articles = 0
    start = time.perf_counter()
    with ExitStack() as stack:
        out = stack.enter_context(atomic_path(options.output))
        writer = stack.enter_context(RowWriter(out, options.format, columns))
        summary_writer = None
        if options.summary is not None:
            summary_path = stack.enter_context(atomic_path(options.summary))
            summary_fmt = options.summary.suffix.lower().lstrip(".")
            summary_fmt = summary_fmt if summary_fmt in FORMATS else "jsonl"
            summary_writer = stack.enter_context(
                RowWriter(summary_path, summary_fmt, SUMMARY_COLUMNS)
            )
        bar = stack.enter_context(
            tqdm(unit="sent", desc="predict", mininterval=1.0, smoothing=0.1, disable=None)
        )
        if sentence_mode:
            batch: list[dict[str, Any]] = []
            for row in read_sentence_rows(options.inputs):
                batch.append(row)
                if len(batch) >= options.chunk_sentences:
                    _write_sentences(predictor, batch, writer, bar)
                    batch = []
            _write_sentences(predictor, batch, writer, bar)
        else:
            for prediction in predictor.predict_articles(options.inputs, options.chunk_sentences):
                writer.write(prediction.sentences)
                if summary_writer is not None:
                    summary_writer.write([prediction.summary])
                articles += 1
                bar.update(len(prediction.sentences))
    seconds = time.perf_counter() - start
    return {
        "sentences": writer.count,
        "articles": articles,
        "seconds": seconds,
        "sentences_per_second": writer.count / max(seconds, 1e-9),
        "quantization_agreement": predictor.quantization_agreement,
    }


def _write_sentences(
    predictor: Predictor, batch: list[dict[str, Any]], writer: RowWriter, bar: Any
) -> None:
    if not batch:
        return
    results = predictor.predict_sentences([row["text"] for row in batch])
    writer.write([{"id": row["id"], **result} for row, result in zip(batch, results, strict=True)])
    bar.update(len(batch))


SUMMARY_COLUMNS = [
    "article_id",
    "sentences",
    *(f"count_{label}" for label in LABEL_IDS),
    "has_violation_report",
    "legal_instruments",
    *(name for label in LABEL_IDS for name in (f"top_{label}", f"top_{label}_score")),
]
