"""The ``classifier`` command line: a thin Typer wrapper over the library functions."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from classifier.errors import ClassifierError

# These machines are offline: MLflow's telemetry would only time out.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

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
    from classifier.annotations import sentence_hash
    from classifier.corpus import iter_documents
    from classifier.io_utils import atomic_path, check_writable_target

    check_writable_target(output, overwrite)
    count = 0
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for document in iter_documents(inputs):
            for sentence in document.sentences:
                row = {
                    "article_id": document.id,
                    "sentence_index": sentence.index,
                    "start": sentence.start,
                    "end": sentence.end,
                    "text": sentence.text,
                    "sentence_hash": sentence_hash(sentence.text),
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    typer.echo(f"wrote {count} sentences to {output}")


@app.command()
def prepare(
    config: ConfigOption = Path("configs/data.yaml"),
    overrides: SetOption = None,
) -> None:
    """Join articles and annotations into grouped train/validation/test parquet splits."""
    from classifier.card import load_extra_sections, render_card
    from classifier.config import load_config
    from classifier.dataset import SPLITS, DataConfig, write_prepared
    from classifier.dataset import prepare as build

    data_config = load_config(config, DataConfig, overrides or [])
    prepared = build(data_config, log=lambda message: typer.echo(message, err=True))
    roots = {source.annotations.parent for source in data_config.sources}
    extra: dict[str, str] = {}
    for root in sorted(roots):
        extra.update(load_extra_sections(root))
    out = write_prepared(prepared, render_card(prepared, extra))
    sizes = ", ".join(f"{s} {len(prepared.rows[s])}" for s in SPLITS)
    typer.echo(
        f"wrote {out}/{{train,validation,test}}.parquet ({sizes} sentences) and {out}/README.md"
    )


def main() -> None:
    """Console-script entry point: one-line errors and non-zero exits for bad input."""
    try:
        app(standalone_mode=False)
    except ClassifierError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
