"""Spark batch inference: the logged pyfunc as ``mlflow.pyfunc.spark_udf`` over a DataFrame.

For corpora beyond one machine. Reading, cleaning and sentence splitting run on the executors
(``mapInPandas`` over the project's own ``process_article``), and the model scores the ``text``
column as a pandas UDF. The output is a Spark directory (Parquet or JSON lines) with the same
columns as ``classifier predict``, built under a temporary name and renamed into place only when
the job succeeded (reading and writing live in :mod:`classifier.scale.spark_io`). ``docs/spark.md``
shows how the same code runs on a cluster.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.errors import ClassifierError, ConfigError, InputError, OutputError
from classifier.labels import LABEL_IDS
from classifier.scale.spark_io import (
    INPUT_ERROR_MARK,
    hadoop_path,
    sentences_frame,
    write_atomically,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

OUTPUT_FORMATS = ("parquet", "jsonl")
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
        target = hadoop_path(session, output)
        if target[0].exists(target[1]) and not overwrite:
            raise OutputError(f"{output}: already exists (pass --overwrite to replace it)")
        tasks = partitions or session.sparkContext.defaultParallelism
        frame = sentences_frame(session, inputs, input_type, tasks)
        return write_atomically(session, _score(session, frame, model_uri), target, output_format)
    except (PySparkException, Py4JError) as exc:
        raise _spark_error(exc) from None
    finally:
        if spark is None:
            session.stop()


def _score(spark: SparkSession, frame: DataFrame, model_uri: str) -> DataFrame:
    """Append ``labels`` and ``scores`` from the pyfunc, applied as a pandas UDF."""
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

    from classifier.training.tracking import configure_mlflow, raise_if_unreachable

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
        raise_if_unreachable(exc)
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


def _check_model_uri(uri: str) -> None:
    path = Path(uri).expanduser()
    if path.exists() and not (path / "MLmodel").exists():
        raise ConfigError(f"model {uri}: not an MLflow model directory (no MLmodel file)")
    if not path.exists() and "://" not in uri and not uri.startswith(("models:/", "runs:/")):
        raise ConfigError(f"model {uri}: no such directory, and not a models:/ or runs:/ URI")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _spark_error(exc: BaseException) -> ClassifierError:
    """One line for a failed Spark job: our own input errors first, else Spark's first line."""
    text = str(exc)
    found = re.search(re.escape(INPUT_ERROR_MARK) + r"(.+?)(?:\s+SQLSTATE:|\\n|\n|$)", text)
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


def spark_predict_command(
    model: str,
    inputs: list[Path],
    output: Path,
    output_format: str | None,
    input_type: str,
    overwrite: bool,
    master: str,
    unsupported: dict[str, object],
) -> tuple[int, str]:
    """``classifier predict --engine spark``: refuse local-only options, pick the part-file
    format, check Spark is usable, predict; return the sentence count and the format."""
    given = [name for name, value in unsupported.items() if value not in (None, False)]
    if given:
        raise ConfigError(f"{', '.join(given)} is not available with --engine spark")
    # Spark writes a directory of part files: parquet unless the name asks for JSON lines.
    fmt = output_format or ("jsonl" if output.suffix == ".jsonl" else "parquet")
    require_spark()
    count = predict_spark(model, inputs, output, input_type, fmt, master, overwrite=overwrite)
    return count, fmt
