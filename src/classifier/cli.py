"""The ``classifier`` command line: a thin Typer wrapper over the library functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from classifier.errors import ClassifierError
from classifier.runtime import disable_telemetry

app = typer.Typer(
    name="classifier",
    help="Classify sentences of Indonesian news on ASN election neutrality.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="YAML config file.")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a config key: key.sub=value.")
]


@app.command()
def labels() -> None:
    """Print the label schema (ids, Indonesian names, descriptions)."""
    from classifier.labels import LABELS, OTHER

    for label in LABELS:
        typer.echo(f"{label.id:20s} {label.name_id:24s} {label.description}")
    typer.echo(f"{OTHER:20s} {'lainnya':24s} The empty label set: none of the above.")


@app.command()
def split(
    inputs: Annotated[list[Path], typer.Argument(help=".txt files or directories, JSONL or CSV.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
) -> None:
    """Ingest, clean and split articles; write one JSONL row per sentence with offsets."""
    from classifier.text.documents import write_sentences

    count = write_sentences(inputs, output, overwrite)
    typer.echo(f"wrote {count} sentences to {output}")


@app.command()
def prepare(
    config: ConfigOption = Path("configs/data.yaml"),
    overrides: SetOption = None,
) -> None:
    """Join articles and annotations into grouped train/validation/test parquet splits."""
    from classifier.data.card import prepare_with_card
    from classifier.data.dataset import SPLITS

    prepared, out = prepare_with_card(
        config, overrides or [], log=lambda message: typer.echo(message, err=True)
    )
    sizes = ", ".join(f"{s} {len(prepared.rows[s])}" for s in SPLITS)
    typer.echo(
        f"wrote {out}/{{train,validation,test}}.parquet ({sizes} sentences) and {out}/README.md"
    )


@app.command()
def label(
    inputs: Annotated[list[Path], typer.Argument(help="Articles: .txt, directories, JSONL, CSV.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Silver labels (JSONL).")],
    report: Annotated[Path, typer.Option(help="Per-function report (.md or .json).")] = Path(
        "experiments/results/labelling_functions.md"
    ),
    gold: Annotated[
        list[Path] | None, typer.Option(help="Gold annotations for the accuracy column.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs.")] = False,
) -> None:
    """Apply the labelling functions: silver labels plus coverage/overlap/conflict/accuracy."""
    from classifier.data.weak_report import label_articles

    stats = label_articles(inputs, output, report, gold, overwrite)
    typer.echo(
        f"wrote silver labels for {stats['sentences']} sentences to {output}; report: {report} "
        f"(accuracy on {stats['gold_sentences']} gold sentences)"
    )


annotate_app = typer.Typer(help="Export sentences for annotation and import the edits.")
app.add_typer(annotate_app, name="annotate")


@annotate_app.command("export")
def annotate_export(
    inputs: Annotated[list[Path], typer.Argument(help="Articles: .txt, directories, JSONL, CSV.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help=".csv, .jsonl or .json (Label Studio tasks).")
    ],
    export_format: Annotated[
        str | None,
        typer.Option("--format", help="csv, jsonl or label-studio (default: the suffix)."),
    ] = None,
    select: Annotated[
        str,
        typer.Option(
            help="'all' sentences, only 'triggers', or the ones --model is least sure of "
            "('uncertain'; with several --model, where they disagree first)."
        ),
    ] = "all",
    models: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model URI for --select uncertain (repeatable)."),
    ] = None,
    max_per_article: Annotated[int | None, typer.Option(help="Cap per article.")] = None,
    limit: Annotated[int | None, typer.Option(help="Cap in total (seeded sample).")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 13,
    skip_annotated: Annotated[
        Path | None, typer.Option(help="Annotation file or directory whose sentences to skip.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
) -> None:
    """Write sentences with weak-label suggestions and an empty `labels` column to fill in."""
    from classifier.data.annotate import ExportOptions, export_sentences

    options = ExportOptions(
        select=select,
        max_per_article=max_per_article,
        limit=limit,
        seed=seed,
        skip_annotated=skip_annotated,
        models=models or [],
        format=export_format,
    )
    count = export_sentences(inputs, output, options, overwrite)
    typer.echo(f"wrote {count} sentences to {output}")


@annotate_app.command("import")
def annotate_import(
    edited: Annotated[
        Path, typer.Argument(help="The edited export (.csv, .jsonl) or a Label Studio .json.")
    ],
    into: Annotated[Path, typer.Option(help="Annotation JSONL to merge into.")],
    articles: Annotated[
        list[Path] | None, typer.Option(help="Articles to check the hashes against.")
    ] = None,
    annotator: Annotated[str | None, typer.Option(help="Set the annotator of every row.")] = None,
) -> None:
    """Validate labels and hashes (errors name the line) and merge into an annotation file."""
    from classifier.data.annotate import import_annotations

    stats = import_annotations(edited, into, articles, annotator)
    typer.echo(
        f"imported {stats['imported']} rows into {into} ({stats['added']} new, "
        f"{stats['changed']} changed, {stats['skipped']} unlabelled rows skipped)"
    )


@annotate_app.command("rekey")
def annotate_rekey(
    annotations: Annotated[Path, typer.Argument(help="Annotation JSONL file to re-align.")],
    articles: Annotated[list[Path], typer.Option(help="The articles it labels.")],
) -> None:
    """After a cleaning/splitting change: move labels to the new sentence indices by hash."""
    from classifier.data.annotate import rekey_annotations

    stats = rekey_annotations(annotations, articles)
    typer.echo(
        f"{annotations}: {stats['kept']} rows kept, {stats['moved']} moved, "
        f"{stats['needs_review']} need review, {stats['unchecked']} rows of articles not given "
        f"left as they were, {len(stats['unmatched'])} unmatched"
        + (
            f" (kept aside in {stats['aside']}: {', '.join(stats['unmatched'][:10])})"
            if stats["unmatched"]
            else ""
        )
    )


@app.command()
def train(
    config: Annotated[Path, typer.Argument(help="Training config, e.g. configs/tfidf.yaml.")],
    overrides: SetOption = None,
    resume: Annotated[bool, typer.Option(help="Continue from the last epoch checkpoint.")] = False,
) -> None:
    """Train one model as one MLflow run: metrics, artifacts, model and registry alias."""
    from classifier.training.train import load_train_config
    from classifier.training.train import train as run_training

    cfg = load_train_config(config, overrides or [])
    metrics = run_training(cfg, resume=resume)
    typer.echo(
        f"{cfg.model.kind}: test macro-F1 {metrics['test_macro_f1']:.3f} "
        f"[{metrics['test_macro_f1_ci_low']:.3f}, {metrics['test_macro_f1_ci_high']:.3f}], "
        f"validation macro-F1 {metrics['validation_macro_f1']:.3f}, "
        f"train {metrics['train_seconds']:.1f}s, "
        f"{metrics['predict_sentences_per_second']:.0f} sentences/s (run {metrics['run_id']})"
    )


@app.command()
def promote(
    name: Annotated[str | None, typer.Argument(help="Registered model name.")] = None,
    version: Annotated[str | None, typer.Argument(help="Version to promote.")] = None,
    alias: Annotated[str, typer.Option(help="Alias to set.")] = "champion",
    best: Annotated[
        bool, typer.Option(help="Promote the latest run with the best validation macro-F1.")
    ] = False,
    experiment: Annotated[str, typer.Option(help="Experiment searched by --best.")] = (
        "asn-neutrality"
    ),
    max_false_alarm_rate: Annotated[
        float, typer.Option(help="--best: most off-topic articles flagged (share).")
    ] = 0.02,
    max_topical_per_1000: Annotated[
        float, typer.Option(help="--best: most topical labels per 1,000 off-topic sentences.")
    ] = 5.0,
) -> None:
    """Set the `champion` alias on NAME VERSION, or on the best model with --best.

    --best takes the best validation macro-F1 among the models within the false-alarm target
    on real off-topic news, or among all models when none is. The model URI is printed alone on
    stdout (for scripts); details go to stderr.
    """
    from classifier.errors import ConfigError
    from classifier.training.promotion import FalseAlarmTarget, best_registered_run
    from classifier.training.tracking import configure_mlflow
    from classifier.training.tracking import promote as set_alias

    configure_mlflow()
    if best:
        chosen = best_registered_run(
            experiment, FalseAlarmTarget(max_false_alarm_rate, max_topical_per_1000)
        )
        name, version = chosen.name, chosen.version
        typer.echo(
            f"{name} version {version}, validation macro-F1 "
            f"{chosen.validation_macro_f1:.3f}: {chosen.reason}",
            err=True,
        )
    elif not (name and version):
        raise ConfigError("promote needs NAME VERSION, or --best")
    set_alias(name, version, alias)
    typer.echo(
        f"models:/{name}@{alias}" if best else f"models:/{name}@{alias} -> version {version}"
    )


@app.command()
def cv(
    config: Annotated[Path, typer.Argument(help="Training config, e.g. configs/tfidf.yaml.")],
    folds: Annotated[int, typer.Option(help="Number of folds (grouped by article).")] = 5,
    overrides: SetOption = None,
) -> None:
    """Grouped K-fold cross-validation as nested MLflow runs under one parent run."""
    from classifier.training.cv import cross_validate
    from classifier.training.train import load_train_config

    cfg = load_train_config(config, overrides or [])
    result = cross_validate(cfg, folds)
    s = result["summary"]
    typer.echo(
        f"{cfg.model.kind}: macro-F1 {s['cv_macro_f1_mean']:.3f} ± {s['cv_macro_f1_std']:.3f} "
        f"over {folds} folds (out-of-fold {s['oof_macro_f1']:.3f}; parent run {result['run_id']})"
    )


@app.command()
def compare(
    experiment: Annotated[str, typer.Option(help="MLflow experiment.")] = "asn-neutrality",
) -> None:
    """Table of the latest finished run of each model kind: macro-F1 with 95% CI, per label."""
    from classifier.training.promotion import comparison_table, latest_runs_by_kind

    typer.echo(comparison_table(latest_runs_by_kind(experiment)))


@app.command()
def predict(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="models:/NAME@ALIAS, models:/NAME/"
            "VERSION, runs:/RUN_ID/model or a model directory.",
        ),
    ],
    inputs: Annotated[
        list[Path],
        typer.Option("--input", "-i", help="Input file or directory (repeat for several)."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file.")],
    output_format: Annotated[
        str | None, typer.Option("--format", help="jsonl, csv or parquet (default: suffix).")
    ] = None,
    input_type: Annotated[str, typer.Option(help="'articles' or already split 'sentences'.")] = (
        "articles"
    ),
    batch_size: Annotated[int, typer.Option(help="Sentences per model batch.")] = 64,
    summary: Annotated[Path | None, typer.Option(help="Per-article summary file.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing outputs.")] = False,
    quantize: Annotated[
        bool,
        typer.Option(
            help="int8 dynamic quantisation (transformer), checked for >= 99% label agreement."
        ),
    ] = False,
    precision: Annotated[
        str,
        typer.Option(
            help="auto: the model's fast path (bf16 on CPUs with AMX/AVX512-BF16) when its "
            "training-time parity check passed, else fp32; or force fp32 or bf16."
        ),
    ] = "auto",
    threads: Annotated[int | None, typer.Option(help="CPU threads (default: all cores).")] = None,
    on_error: Annotated[
        str,
        typer.Option(
            help="'fail' stops at the first bad record; 'skip' writes bad records with their "
            "reasons to the rejects file and goes on."
        ),
    ] = "fail",
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejects file for --on-error skip (default: OUTPUT.rejects.jsonl)."),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="'local' (streaming, this process) or 'spark' (spark_udf).")
    ] = "local",
    spark_master: Annotated[
        str, typer.Option(help="Spark master for --engine spark (e.g. local[2], yarn).")
    ] = "local[2]",
) -> None:
    """Classify the sentences of new articles (or of pre-split sentences), streaming."""
    if engine == "spark":
        _predict_spark(
            model,
            inputs,
            output,
            output_format,
            input_type,
            overwrite,
            spark_master,
            unsupported={
                "--summary": summary,
                "--quantize": quantize,
                "--threads": threads,
                "--precision": precision if precision != "auto" else None,
            },
        )
        return
    if engine != "local":
        from classifier.errors import ConfigError

        raise ConfigError(f"--engine must be 'local' or 'spark', not {engine!r}")
    from classifier.inference.predict import PredictOptions, run_predict

    options = PredictOptions(
        model=model,
        inputs=inputs,
        output=output,
        format=output_format,
        input_type=input_type,
        batch_size=batch_size,
        summary=summary,
        overwrite=overwrite,
        quantize=quantize,
        precision=precision,
        threads=threads,
        on_error=on_error,
        rejects=rejects,
    )
    stats = run_predict(options)
    if stats["quantization_agreement"] is not None:
        typer.echo(
            f"int8 label agreement with fp32 on validation: {stats['quantization_agreement']:.2%}",
            err=True,
        )
    if stats["fast_path"] is not None:
        typer.echo(f"running in {stats['precision']}; {stats['fast_path']}", err=True)
    what = f"{stats['articles']} articles, " if stats["articles"] else ""
    typer.echo(
        f"wrote {stats['sentences']} sentences ({what}{stats['sentences_per_second']:.0f} "
        f"sentences/s) to {output}" + (f"; summary: {summary}" if summary else "")
    )
    if options.rejects is not None:
        typer.echo(f"skipped {stats['rejected']} bad records; reasons in {options.rejects}")


@app.command()
def report(
    predictions: Annotated[
        Path, typer.Option("--predictions", "-p", help="Sentence rows from predict (articles).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    summary: Annotated[
        Path | None, typer.Option(help="Summaries from predict --summary (else computed).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Page title.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing report.")] = False,
) -> None:
    """Write one self-contained HTML page over predictions: counts, chart, instruments, a
    sortable and filterable article list, and each article with its labelled sentences."""
    from classifier.inference.report import write_report

    data = write_report(predictions, output, summary, title, overwrite)
    typer.echo(f"wrote a report on {len(data.articles)} articles to {output}")


def _predict_spark(
    model: str,
    inputs: list[Path],
    output: Path,
    output_format: str | None,
    input_type: str,
    overwrite: bool,
    master: str,
    unsupported: dict[str, object],
) -> None:
    """``predict --engine spark``: the same rows, written by Spark as a directory of part files."""
    from classifier.scale.spark import spark_predict_command

    count, fmt = spark_predict_command(
        model, inputs, output, output_format, input_type, overwrite, master, unsupported
    )
    typer.echo(f"wrote {count} sentences with Spark ({master}) to {output}/ ({fmt} part files)")


INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT


def main() -> None:
    """Console-script entry point: one-line errors and non-zero exits for bad input."""
    disable_telemetry()
    try:
        # Without standalone mode, typer returns (not raises) the exit code of an explicit
        # typer.Exit, and turns Ctrl-C into a returned 130: both must reach the shell.
        code = app(standalone_mode=False)
    except ClassifierError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("error: interrupted by Ctrl-C (SIGINT)", err=True)
        sys.exit(INTERRUPTED)
    except (typer.Exit, SystemExit) as exc:
        sys.exit(getattr(exc, "exit_code", getattr(exc, "code", 0)))
    except Exception as exc:
        # Usage errors come from the click that typer vendors: recognise them by interface.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        from classifier.training.tracking import mlflow_error_message

        message = mlflow_error_message(exc)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        sys.exit(3)
    if code == INTERRUPTED:
        typer.echo("error: interrupted by Ctrl-C (SIGINT)", err=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
