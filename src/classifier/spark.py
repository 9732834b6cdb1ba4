"""Spark batch inference: the logged pyfunc as ``mlflow.pyfunc.spark_udf`` over a DataFrame.

For corpora beyond one machine. Reading, cleaning and sentence splitting run on the executors
(``mapInPandas`` over the project's own ``process_article``), and the model scores the ``text``
column as a pandas UDF. The output is a Spark directory (Parquet or JSON lines) with the same
columns as ``classifier predict``, built under a temporary name and renamed into place only when
the job succeeded. ``docs/spark.md`` shows how the same code runs on a cluster.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from classifier.errors import ClassifierError, ConfigError, InputError, OutputError
from classifier.labels import LABEL_IDS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

INPUT_TYPES = ("articles", "sentences")
OUTPUT_FORMATS = ("parquet", "jsonl")
SENTENCE_READERS = {".jsonl": "json", ".ndjson": "json", ".csv": "csv"}
ARTICLE_READERS = {**SENTENCE_READERS, ".txt": "text"}
ARTICLE_FIELDS = ("id", "text", "title", "date", "url", "source")
SENTENCE_SCHEMA = "article_id string, sentence_index int, start int, end int, text string"
# Prefixes errors raised on executors so the driver can turn a Java stack trace into one line.
_MARK = "classifier-input-error: "
_LOG4J2 = """rootLogger.level = fatal
rootLogger.appenderRef.stderr.ref = console
logger.spark.name = org.apache.spark
logger.spark.level = fatal
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
_PROGRESS = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_REMOTE = re.compile(r"^[A-Za-z][\w+.-]*:/")  # s3a://, gs://, abfss://, hdfs://, dbfs:/, file:/


def require_spark() -> None:
    """Raise a one-line :class:`ConfigError` unless pyspark and a Java runtime are available."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the Spark engine needs pyspark: pip install 'classifier[spark]'"
        ) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ConfigError("the Spark engine needs Java 17+: no java on PATH and JAVA_HOME unset")


def spark_session(
    master: str | None = "local[2]", app_name: str = "classifier", driver_memory: str = "2g"
) -> SparkSession:
    """Start (or reuse) a Spark session; ``master=None`` leaves the master to ``spark-submit``.

    Local masters get settings for one machine: few shuffle partitions, no UI, this Python for
    the workers (so they import this package), and a silent JVM log.
    """
    require_spark()
    # pyspark 4 warns on import that pandas 3 is not yet fully supported; this module's own
    # checks (tests/test_spark.py) compare every score with the local predictor instead.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name).config(
        "spark.sql.execution.arrow.pyspark.enabled", "true"
    )
    local = master is not None and master.startswith("local")
    if master is not None:
        builder = builder.master(master)
    if local:
        builder = (
            builder.config("spark.driver.memory", driver_memory)
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_log_config()}")
        )
        # Workers must import this package: run them on this interpreter unless told otherwise.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: wrong Java, no memory, bad master URL
        raise ConfigError(f"cannot start Spark ({_first_line(exc)})") from None
    return spark


def _log_config() -> str:
    """A log4j2 file that keeps the JVM quiet: failures reach the caller as one-line errors."""
    path = Path(tempfile.gettempdir()) / "classifier-spark-log4j2.properties"
    if not path.exists() or path.read_text("utf-8") != _LOG4J2:
        path.write_text(_LOG4J2, "utf-8")
    return path.as_uri()


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


def predict_spark(
    model_uri: str,
    inputs: Sequence[str | Path],
    output: str | Path,
    input_type: str = "articles",
    output_format: str = "parquet",
    master: str | None = "local[2]",
    spark: SparkSession | None = None,
    overwrite: bool = False,
    partitions: int | None = None,
) -> int:
    """Classify sentences with ``mlflow.pyfunc.spark_udf``; write them; return how many.

    Rows have the columns of ``classifier predict`` (``labels`` array, ``scores`` struct with one
    double per label). ``output`` is a directory written by Spark (``parquet`` or ``jsonl``
    part files), replaced only with ``overwrite``. ``partitions`` is the number of tasks that
    split and score (default: Spark's default parallelism, one per core). A session is started
    on ``master`` (``None``: from ``spark-submit``) and stopped at the end, unless ``spark`` is
    given.
    """
    if output_format not in OUTPUT_FORMATS:
        raise InputError(f"{output}: Spark output format must be one of {OUTPUT_FORMATS}")
    _check_model_uri(model_uri)
    session = spark if spark is not None else spark_session(master)
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        target = _hadoop_path(session, output)
        if target[0].exists(target[1]) and not overwrite:
            raise OutputError(f"{output}: already exists (pass --overwrite to replace it)")
        tasks = partitions or session.sparkContext.defaultParallelism
        frame = sentences_frame(session, inputs, input_type, tasks)
        return _write(session, _score(session, frame, model_uri), target, output_format)
    except (PySparkException, Py4JError) as exc:
        raise _spark_error(exc) from None
    finally:
        if spark is None:
            session.stop()


def split_articles(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """``mapInPandas`` body: clean and split article rows with the project's own code."""
    from classifier.corpus import process_article
    from classifier.ingest import RawArticle

    columns = ["article_id", "sentence_index", "start", "end", "text"]
    for batch in batches:
        rows = []
        for record in batch.to_dict("records"):
            origin = record["_origin"]
            if _text(record["id"]) is None:
                raise InputError(f"{_MARK}{origin}: record has no 'id' field")
            if not str(record["text"]).strip():
                raise InputError(f"{_MARK}{origin}: article {record['id']!r}: empty article text")
            raw = RawArticle(
                id=str(record["id"]),
                text=str(record["text"]).removeprefix("\ufeff"),  # a BOM is not text
                **{key: _text(record[key]) for key in ("title", "date", "url", "source")},
                origin=origin,
            )
            try:
                document = process_article(raw)
            except InputError as exc:
                raise InputError(f"{_MARK}{exc}") from None
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


def _score(spark: SparkSession, frame: DataFrame, model_uri: str) -> DataFrame:
    """Append ``labels`` and ``scores`` from the pyfunc, applied as a pandas UDF."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

    from classifier.tracking import configure_mlflow

    configure_mlflow()
    result_type = StructType(
        [StructField(label, DoubleType()) for label in LABEL_IDS]
        + [StructField("labels", ArrayType(StringType()))]
    )
    # env_manager="local" is deliberate (executors run this package's own environment), so
    # MLflow's warning about it is noise here, as are progress bars for a model fetched in a second.
    quiet = logging.getLogger("mlflow.pyfunc")
    level, bars = quiet.level, os.environ.get(_PROGRESS)
    quiet.setLevel(logging.ERROR)
    os.environ[_PROGRESS] = "false"
    try:
        udf = mlflow.pyfunc.spark_udf(spark, model_uri, result_type, env_manager="local")
    except (MlflowException, OSError) as exc:
        raise ConfigError(f"model {model_uri}: cannot be loaded ({_first_line(exc)})") from None
    finally:
        quiet.setLevel(level)
        if bars is None:
            os.environ.pop(_PROGRESS, None)
        else:
            os.environ[_PROGRESS] = bars
    scored = frame.withColumn("_result", udf("text"))
    scores = F.struct(*(F.col(f"_result.{label}").alias(label) for label in LABEL_IDS))
    keep = [c for c in frame.columns if not c.startswith("_")]
    return scored.select(*keep, F.col("_result.labels").alias("labels"), scores.alias("scores"))


def _write(spark: SparkSession, frame: DataFrame, target: tuple[Any, Any], fmt: str) -> int:
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


def _hadoop_path(spark: SparkSession, output: str | Path) -> tuple[Any, Any]:
    """The Hadoop file system and path of ``output`` (local paths made absolute first)."""
    name = str(output)
    if not _REMOTE.match(name):
        name = str(Path(name).expanduser().resolve())  # the JVM keeps its own working directory
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(name)  # type: ignore[union-attr]
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def _check_model_uri(uri: str) -> None:
    path = Path(uri).expanduser()
    if path.exists() and not (path / "MLmodel").exists():
        raise ConfigError(f"model {uri}: not an MLflow model directory (no MLmodel file)")
    if not path.exists() and "://" not in uri and not uri.startswith(("models:/", "runs:/")):
        raise ConfigError(f"model {uri}: no such directory, and not a models:/ or runs:/ URI")


def _stem() -> Column:
    from pyspark.sql import functions as F

    return F.regexp_replace(F.col("_file"), r"\.[^.]*$", "")


def _fail(origin: Column, message: str) -> Column:
    from pyspark.sql import functions as F

    return F.raise_error(F.concat(F.lit(_MARK), origin, F.lit(message)))


def _text(value: Any) -> str | None:
    """A string field as the local reader keeps it: missing or empty is ``None``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _spark_error(exc: BaseException) -> ClassifierError:
    """One line for a failed Spark job: our own input errors first, else Spark's first line."""
    text = str(exc)
    found = re.search(re.escape(_MARK) + r"(.+?)(?:\s+SQLSTATE:|\\n|\n|$)", text)
    if found:
        return InputError(found.group(1))
    if "Malformed records" in text or "MALFORMED_RECORD" in text:
        return InputError(f"malformed JSON or CSV record ({_first_line(exc)})")
    # A Python worker failed: its traceback ends with an unindented "SomeError: message" line.
    start = text.find("Traceback (most recent call last)")
    python = re.search(r"^([A-Za-z_][\w.]*(?:Error|Exception): .*)$", text[start:], re.M)
    if start >= 0 and python:
        return ClassifierError(f"Spark job failed: {python.group(1)[:300]}")
    return ClassifierError(f"Spark job failed: {_first_line(exc)}")
