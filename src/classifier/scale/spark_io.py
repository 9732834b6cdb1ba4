"""Spark input and output for :mod:`classifier.scale.spark`: reading articles or sentences into a
DataFrame (cleaned and split on the executors), and writing a result directory atomically."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from classifier.errors import InputError, OutputError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

INPUT_TYPES = ("articles", "sentences")
SENTENCE_READERS = {".jsonl": "json", ".ndjson": "json", ".csv": "csv"}
ARTICLE_READERS = {**SENTENCE_READERS, ".txt": "text"}
ARTICLE_FIELDS = ("id", "text", "title", "date", "url", "source")
SENTENCE_SCHEMA = "article_id string, sentence_index int, start int, end int, text string"
# Prefixes errors raised on executors so the driver can turn a Java stack trace into one line.
INPUT_ERROR_MARK = "classifier-input-error: "
_REMOTE = re.compile(r"^[A-Za-z][\w+.-]*:/")  # s3a://, gs://, abfss://, hdfs://, dbfs:/, file:/


def sentences_frame(
    spark: SparkSession,
    inputs: Sequence[str | Path],
    input_type: str = "articles",
    partitions: int | None = None,
) -> DataFrame:
    """A DataFrame of sentences to classify.

    ``sentences``: JSONL/CSV rows with ``text`` (and optional ``id``, else ``<file stem>-<row>``
    as in ``classifier predict``); columns ``id, text``. ``articles``: article JSONL/CSV (``id``,
    ``text``, ...) or ``.txt`` files (id = file stem), cleaned and split on the executors;
    columns ``article_id, sentence_index, start, end, text``. Inputs are local files or
    directories, or storage URIs/globs whose suffix names the format (``s3a://b/news/*.jsonl``).
    ``partitions`` spreads the rows (articles before splitting) over that many tasks, so that a
    few large files still use every core; row order then follows the tasks.
    """
    from pyspark.sql import functions as F

    if input_type not in INPUT_TYPES:
        raise InputError(f"--input-type must be 'articles' or 'sentences', not {input_type!r}")
    readers = ARTICLE_READERS if input_type == "articles" else SENTENCE_READERS
    groups = _group_inputs(inputs, readers)
    if input_type == "sentences":
        frames = [_read_sentences(spark, fmt, paths) for fmt, paths in groups.items()]
        sentences = reduce(lambda a, b: a.unionByName(b), frames)
        return sentences.repartition(partitions) if partitions else sentences
    frames = [_read(spark, fmt, paths, ARTICLE_FIELDS) for fmt, paths in groups.items()]
    articles = reduce(lambda a, b: a.unionByName(b), frames)
    text = F.when(F.col("text").isNull(), _fail(F.col("_origin"), ": article has no text"))
    articles = articles.withColumn("text", text.otherwise(F.col("text")))
    if partitions:
        articles = articles.repartition(partitions)
    return articles.mapInPandas(split_articles, schema=SENTENCE_SCHEMA)


def split_articles(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """``mapInPandas`` body: clean and split article rows with the project's own code."""
    from classifier.text.documents import process_article
    from classifier.text.ingest import RawArticle

    columns = ["article_id", "sentence_index", "start", "end", "text"]
    for batch in batches:
        rows = []
        for record in batch.to_dict("records"):
            origin = record["_origin"]
            if _text(record["id"]) is None:
                raise InputError(f"{INPUT_ERROR_MARK}{origin}: record has no 'id' field")
            if not str(record["text"]).strip():
                raise InputError(
                    f"{INPUT_ERROR_MARK}{origin}: article {record['id']!r}: empty article text"
                )
            raw = RawArticle(
                id=str(record["id"]),
                text=str(record["text"]).removeprefix("\ufeff"),  # a BOM is not text
                **{key: _text(record[key]) for key in ("title", "date", "url", "source")},
                origin=origin,
            )
            try:
                document = process_article(raw)
            except InputError as exc:
                raise InputError(f"{INPUT_ERROR_MARK}{exc}") from None
            rows += [(document.id, s.index, s.start, s.end, s.text) for s in document.sentences]
        yield pd.DataFrame(rows, columns=columns)


def _group_inputs(inputs: Sequence[str | Path], readers: dict[str, str]) -> dict[str, list[str]]:
    """Input paths grouped by Spark reader; local directories expand to their files."""
    groups: dict[str, list[str]] = {}
    if not inputs:
        raise InputError("no input given")
    for item in inputs:
        name = str(item)
        remote = bool(_REMOTE.match(name)) and not name.startswith("file:")
        files = [name]
        if not remote and not any(c in name for c in "*?["):
            path = Path(name.removeprefix("file:")).expanduser()
            if not path.exists():
                raise InputError(f"{name}: no such file or directory")
            files = [str(path.resolve())]
            if path.is_dir():
                files = sorted(
                    str(p.resolve()) for p in path.iterdir() if p.suffix.lower() in readers
                )
                if not files:
                    raise InputError(f"{name}: directory contains no {', '.join(readers)} files")
        for file in files:
            suffix = Path(file).suffix.lower()
            if suffix not in readers:
                if suffix == ".txt":
                    raise InputError(f"{file}: sentences are read from JSONL or CSV, not .txt")
                raise InputError(f"{file}: name the format by suffix ({', '.join(readers)})")
            groups.setdefault(readers[suffix], []).append(file)
    return groups


def _read(spark: SparkSession, fmt: str, paths: list[str], columns: Sequence[str]) -> DataFrame:
    """Rows with ``columns`` as strings plus ``_origin`` (file path) and ``_file`` (name)."""
    from pyspark.sql import functions as F

    if fmt == "json":  # an explicit schema saves a pass over the data to infer one
        schema = ", ".join(f"{c} string" for c in columns)
        frame = spark.read.schema(schema).option("mode", "FAILFAST").json(paths)
    elif fmt == "csv":
        reader = spark.read.options(header=True, multiLine=True, escape='"', mode="FAILFAST")
        frame = reader.option("enforceSchema", False).csv(paths)  # headers must agree
        for column in ("text", "id") if "title" in columns else ("text",):
            if column not in frame.columns:
                raise InputError(f"{', '.join(paths)}: CSV has no {column!r} column")
    else:
        frame = spark.read.text(paths, wholetext=True)  # one row per file
    # File metadata must be taken straight from the scan, before any other projection.
    frame = frame.withColumns(
        {"_origin": F.col("_metadata.file_path"), "_file": F.col("_metadata.file_name")}
    )
    if fmt == "text":  # a .txt article's id is its file name without the suffix
        frame = frame.withColumn("id", _stem()).withColumnRenamed("value", "text")
    missing = {c: F.lit(None).cast("string") for c in columns if c not in frame.columns}
    frame = frame.withColumns(missing)
    return frame.select(*(F.col(c).cast("string") for c in columns), "_origin", "_file")


def _read_sentences(spark: SparkSession, fmt: str, paths: list[str]) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    frame = _read(spark, fmt, paths, ("id", "text"))
    frame = frame.withColumn("_pos", F.monotonically_increasing_id())
    # Default ids number the rows of each file from 1, as the local reader does; positions keep
    # file order because Spark never reorders the splits of one file.
    number = F.row_number().over(Window.partitionBy("_origin").orderBy("_pos")).cast("string")
    text = F.when(F.col("text").isNull(), _fail(F.col("_origin"), ": row has no string 'text'"))
    return frame.select(
        F.coalesce(F.col("id"), F.concat_ws("-", _stem(), number)).alias("id"),
        text.otherwise(F.col("text")).alias("text"),
    )


def write_atomically(
    spark: SparkSession, frame: DataFrame, target: tuple[Any, Any], fmt: str
) -> int:
    """Write beside the target, count, then swap into place; a failure leaves no output."""
    fs, path = target
    jvm_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path  # type: ignore[union-attr]
    tag = uuid.uuid4().hex[:8]
    tmp = jvm_path(path.getParent(), f".{path.getName()}.{tag}.tmp")
    backup = jvm_path(path.getParent(), f".{path.getName()}.{tag}.old")
    try:
        if fmt == "parquet":
            frame.write.parquet(tmp.toString())
            count = spark.read.parquet(tmp.toString()).count()  # from the footers: no rescoring
        else:
            frame.write.json(tmp.toString())
            count = spark.read.text(tmp.toString()).count()
        replaced = fs.exists(path) and fs.rename(path, backup)
        if not fs.rename(tmp, path):
            if replaced:
                fs.rename(backup, path)
            raise OutputError(f"{path.toString()}: cannot move the finished output into place")
        if replaced:
            fs.delete(backup, True)
        return count
    except BaseException:  # also Ctrl-C: never leave a partial output behind
        fs.delete(tmp, True)
        raise


def hadoop_path(spark: SparkSession, output: str | Path) -> tuple[Any, Any]:
    """The Hadoop file system and path of ``output`` (local paths made absolute first)."""
    name = str(output)
    if not _REMOTE.match(name):
        name = str(Path(name).expanduser().resolve())  # the JVM keeps its own working directory
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(name)  # type: ignore[union-attr]
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def _stem() -> Column:
    from pyspark.sql import functions as F

    return F.regexp_replace(F.col("_file"), r"\.[^.]*$", "")


def _fail(origin: Column, message: str) -> Column:
    from pyspark.sql import functions as F

    return F.raise_error(F.concat(F.lit(INPUT_ERROR_MARK), origin, F.lit(message)))


def _text(value: Any) -> str | None:
    """A string field as the local reader keeps it: missing or empty is ``None``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return str(value)
