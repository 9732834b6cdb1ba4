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

from classifier.config import PROJECT_ROOT
from classifier.errors import InputError, RecordError
from classifier.inference.predictor import Predictor
from classifier.io_utils import atomic_path, check_writable_target
from classifier.labels import LABEL_IDS
from classifier.models._precision import PRECISIONS
from classifier.text.documents import iter_documents
from classifier.text.ingest import Reject, detect_format, iter_records

FORMATS = ("jsonl", "csv", "parquet")
ON_ERROR = ("fail", "skip")


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
    precision: str = "auto"  # auto (fast path if its parity check passed), fp32 or bf16
    threads: int | None = None
    # The project's own split, wherever the command runs from (not ./data/processed).
    parity_data: Path = PROJECT_ROOT / "data" / "processed" / "validation.parquet"
    chunk_sentences: int = 2048
    on_error: str = "fail"  # "skip": set bad records aside in ``rejects`` and go on
    rejects: Path | None = None  # default: OUTPUT with ".rejects.jsonl" appended

    def __post_init__(self) -> None:
        if self.output.is_dir():
            raise InputError(f"{self.output}: is a directory; --output takes a file path")
        self.format = self.format or self.output.suffix.lower().lstrip(".")
        if self.format not in FORMATS:
            raise InputError(f"{self.output}: output format must be one of {', '.join(FORMATS)}")
        if self.input_type not in {"articles", "sentences"}:
            raise InputError(
                f"--input-type must be 'articles' or 'sentences', not {self.input_type!r}"
            )
        if self.summary is not None and self.input_type == "sentences":
            raise InputError("--summary needs --input-type articles")
        if self.precision not in PRECISIONS:
            raise InputError(
                f"--precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}"
            )
        if self.batch_size < 1:
            raise InputError("--batch-size must be at least 1")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"--threads must be at least 1, not {self.threads}")
        if self.on_error not in ON_ERROR:
            raise InputError(f"--on-error must be 'fail' or 'skip', not {self.on_error!r}")
        if self.on_error == "skip" and self.rejects is None:
            self.rejects = self.output.with_name(self.output.name + ".rejects.jsonl")
        self._check_distinct_paths()

    @property
    def meta(self) -> Path:
        """The sidecar naming the model, its version and thresholds (read by ``report``)."""
        return self.output.with_name(self.output.name + ".meta.json")

    def outputs(self) -> list[Path]:
        """Every file this job writes."""
        return [p for p in (self.output, self.summary, self.rejects, self.meta) if p is not None]

    def _check_distinct_paths(self) -> None:
        """Two outputs on one path would lose one silently; an output on an input would
        replace the data being read."""
        named = {"--output": self.output, "--summary": self.summary, "--rejects": self.rejects}
        seen: dict[Path, str] = {}
        for option, path in named.items():
            if path is None:
                continue
            key = path.resolve()
            if key in seen:
                raise InputError(f"{path}: {option} and {seen[key]} name the same file")
            if any(key == i.resolve() for i in self.inputs):
                raise InputError(f"{path}: {option} is also an input; write elsewhere")
            seen[key] = option


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


def read_sentence_rows(
    paths: list[Path], on_reject: Reject | None = None
) -> Iterator[dict[str, Any]]:
    """Rows with ``text`` (and optional ``id``) from JSONL or CSV, already split.

    Ids must be unique across all inputs, as in articles mode. A bad row raises its
    :class:`RecordError`, or is passed to ``on_reject`` and skipped.
    """
    seen: dict[str, str] = {}
    for path in paths:
        if path.is_dir() or (path.exists() and detect_format(path) == "txt"):
            raise InputError(
                f"{path}: --input-type sentences reads JSONL or CSV with a 'text' column"
            )
        count = 0
        for origin, record in iter_records(path, ("text",), " (the model's input schema)"):
            count += 1
            row_id = str(record.get("id", f"{path.stem}-{count}"))
            text = record.get("text")
            error = None
            if not isinstance(text, str):
                what = "no 'text'" if text is None else f"a {type(text).__name__} 'text'"
                error = RecordError(origin, f"row has {what}; 'text' must be a string")
            elif row_id in seen:
                error = RecordError(
                    origin, f"duplicate sentence id {row_id!r} (first seen at {seen[row_id]})"
                )
            if error is not None:
                if on_reject is None:
                    raise error
                on_reject(error)
                continue
            seen[row_id] = origin
            yield {"id": row_id, "text": text}
        if count == 0:
            raise InputError(f"{path}: contains no sentences")


def _parity_texts(options: PredictOptions) -> list[str] | None:
    """The validation sentences that --quantize and a forced bf16 are checked on."""
    if not (options.quantize or options.precision == "bf16"):
        return None
    if not options.parity_data.exists():
        if options.precision == "bf16":
            return None  # needed only if training left no passing check; the Predictor says so
        raise InputError(f"--quantize: parity data {options.parity_data} not found (run prepare)")
    import pandas as pd

    return pd.read_parquet(options.parity_data, columns=["text"])["text"].tolist()


def run_predict(options: PredictOptions) -> dict[str, Any]:
    """Run one prediction job; return counts and throughput."""
    for target in options.outputs():
        check_writable_target(target, options.overwrite)
    for path in options.inputs:  # fail on a missing input before loading a model
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
    predictor = Predictor.load(
        options.model,
        batch_size=options.batch_size,
        threads=options.threads,
        quantize=options.quantize,
        parity_texts=_parity_texts(options),
        precision=options.precision,
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
        rejects = None
        if options.rejects is not None:
            rejects_path = stack.enter_context(atomic_path(options.rejects))
            rejects = stack.enter_context(RowWriter(rejects_path, "jsonl", ["origin", "error"]))
        summary_writer = None
        if options.summary is not None:
            summary_path = stack.enter_context(atomic_path(options.summary))
            summary_fmt = options.summary.suffix.lower().lstrip(".")
            summary_fmt = summary_fmt if summary_fmt in FORMATS else "jsonl"
            summary_writer = stack.enter_context(
                RowWriter(summary_path, summary_fmt, SUMMARY_COLUMNS)
            )
        meta_path = stack.enter_context(atomic_path(options.meta))
        bar = stack.enter_context(
            tqdm(unit="sent", desc="predict", mininterval=1.0, smoothing=0.1, disable=None)
        )
        if sentence_mode:
            batch: list[dict[str, Any]] = []
            for row in read_sentence_rows(options.inputs, _rejecter(rejects)):
                batch.append(row)
                if len(batch) >= options.chunk_sentences:
                    _write_sentences(predictor, batch, writer, bar)
                    batch = []
            _write_sentences(predictor, batch, writer, bar)
        else:
            documents = iter_documents(options.inputs, on_reject=_rejecter(rejects))
            for prediction in predictor.predict_articles(documents, options.chunk_sentences):
                writer.write(prediction.sentences)
                if summary_writer is not None:
                    summary_writer.write([prediction.summary])
                articles += 1
                bar.update(len(prediction.sentences))
        meta = prediction_meta(predictor, options, writer.count, articles)
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    seconds = time.perf_counter() - start
    return {
        "sentences": writer.count,
        "articles": articles,
        "seconds": seconds,
        "sentences_per_second": writer.count / max(seconds, 1e-9),
        "quantization_agreement": predictor.quantization_agreement,
        "precision": predictor.model.precision,
        "fast_path": predictor.fast_path.describe() if predictor.fast_path else None,
        "rejected": rejects.count if rejects is not None else 0,
    }


def prediction_meta(
    predictor: Predictor, options: PredictOptions, sentences: int, articles: int
) -> dict[str, Any]:
    """What a reader of the predictions needs besides the rows: model, version, thresholds."""
    from classifier.training.tracking import registered_version

    return {
        "model": options.model,
        "model_version": registered_version(options.model),
        "model_kind": getattr(predictor.model, "kind", None),
        "precision": predictor.model.precision,
        "fast_path": predictor.fast_path.to_dict() if predictor.fast_path else None,
        "thresholds": {
            label: round(float(t), 4)
            for label, t in zip(LABEL_IDS, predictor.thresholds, strict=True)
        },
        "input_type": options.input_type,
        "sentences": sentences,
        "articles": articles,
        "written": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _rejecter(rejects: RowWriter | None) -> Reject | None:
    """Write each bad record's place and reason as one rejects row (None: bad records fail)."""
    if rejects is None:
        return None
    return lambda error: rejects.write([{"origin": error.origin, "error": error.reason}])


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
