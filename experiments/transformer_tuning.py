"""Transformer tuning: variants of configs/transformer.yaml, each one MLflow run, side by side.

    .venv/bin/python experiments/transformer_tuning.py --variants default lr_4e-5 ...
    .venv/bin/python experiments/transformer_tuning.py --list

Each variant overrides a few keys of the default config and trains on the prepared split (runs
go to the experiment ``asn-neutrality-tuning`` and are not registered). A variant is judged by
validation macro-F1, real-dev macro-F1 and false alarms on the reserved off-topic articles,
never by the test split. Results are merged into
experiments/results/transformer_tuning.{md,json} as each variant finishes, so a long session
can be split across several calls.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table
from classifier.training.train import load_train_config, run_training

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
OUTPUT = "transformer_tuning"
# name -> overrides of configs/transformer.yaml (the default is the config as committed).
VARIANTS: dict[str, list[str]] = {
    "default": [],
    "lr_4e-5": ["model.params.learning_rate=4.0e-5"],
    "lr_1.5e-4": ["model.params.learning_rate=1.5e-4"],
    "cosine": ["model.params.lr_schedule=cosine"],
    "max_length_64": ["model.params.max_length=64"],
    "epochs_6": ["model.params.epochs=6"],  # early stopping (patience 2) may end it sooner
    "embeddings_trained": ["model.params.freeze_embeddings=false"],
    "silver_6000": ["model.params.silver_per_epoch=6000"],
    "freeze_8": ["model.params.freeze_layers=8"],
}
KEYS = (
    "validation_macro_f1",
    "realdev_macro_f1",
    *(f"realdev_f1_{label}" for label in LABEL_IDS),
    "falsealarm_article_rate",
    "falsealarm_topical_per_1000",
    "test_macro_f1",
    "train_seconds",
)


def from_run(run_id: str, seed: int) -> dict[str, Any]:
    """The ``default`` row read from a finished run of the committed config (the main job's
    transformer run), instead of training it again."""
    import mlflow

    from classifier.training.tracking import configure_mlflow

    configure_mlflow()
    run = mlflow.MlflowClient().get_run(run_id)
    if run.data.params.get("model.kind") != "transformer":
        raise SystemExit(f"run {run_id} is not a transformer run")
    return {
        "variant": "default",
        "overrides": [],
        "seed": seed,
        "run_id": run_id,
        **{key: run.data.metrics.get(key, float("nan")) for key in KEYS},
    }


def run_variant(name: str, seed: int) -> dict[str, Any]:
    """Train one variant; its metrics, epochs run and wall time."""
    overrides = [
        *VARIANTS[name],
        "experiment=asn-neutrality-tuning",
        f"run_name=tune-{name}",
        "register=false",
        f"seed={seed}",
    ]
    cfg = load_train_config(ROOT / "configs" / "transformer.yaml", overrides)
    start = time.perf_counter()
    result = run_training(cfg, tags={"tuning_variant": name})
    row = {key: result.metrics.get(key, float("nan")) for key in KEYS}
    return {
        "variant": name,
        "overrides": VARIANTS[name],
        "seed": seed,
        "run_id": result.run_id,
        "wall_seconds": time.perf_counter() - start,
        **row,
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    """The results table (test macro-F1 last: it did not choose anything)."""
    header = [
        "variant",
        "overrides",
        "validation macro-F1",
        "real-dev macro-F1",
        *(f"real-dev F1 {label}" for label in LABEL_IDS),
        "off-topic articles flagged",
        "topical labels / 1,000",
        "train s",
        "test macro-F1",
    ]
    lines = [
        "# Transformer tuning",
        "",
        "Variants of `configs/transformer.yaml` on the prepared split, one run each "
        "(`experiments/transformer_tuning.py`, experiment `asn-neutrality-tuning`). Chosen by "
        "validation macro-F1, the real development set and false alarms on the 586 reserved "
        "off-topic articles; test macro-F1 is shown last and chose nothing.",
        "",
    ]
    body: list[list[str]] = []
    for r in rows:
        cells = [
            r["variant"],
            ", ".join(o.removeprefix("model.params.") for o in r["overrides"]) or "-",
            f"{r['validation_macro_f1']:.3f}",
            f"{r['realdev_macro_f1']:.3f}",
            *(f"{r[f'realdev_f1_{label}']:.2f}" for label in LABEL_IDS),
            f"{r['falsealarm_article_rate']:.1%}",
            f"{r['falsealarm_topical_per_1000']:.1f}",
            f"{r['train_seconds']:.0f}",
            f"{r['test_macro_f1']:.3f}",
        ]
        body.append(cells)
    lines.append(markdown_table(header, body))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=["default"])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--list", action="store_true", help="print the variants and exit")
    parser.add_argument(
        "--default-run", help="take the default row from this finished run of the committed config"
    )
    args = parser.parse_args()
    if args.list:
        for name, overrides in VARIANTS.items():
            print(f"{name}: {' '.join(overrides) or '(the config as committed)'}")
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{OUTPUT}.json"
    rows = json.loads(path.read_text("utf-8")) if path.exists() else []
    for name in args.variants:
        if name == "default" and args.default_run:
            row = from_run(args.default_run, args.seed)
        else:
            row = run_variant(name, args.seed)
        rows = [r for r in rows if (r["variant"], r["seed"]) != (name, args.seed)] + [row]
        path.write_text(json.dumps(rows, indent=2), "utf-8")
        (RESULTS / f"{OUTPUT}.md").write_text(markdown(rows), "utf-8")
        print(json.dumps(row), flush=True)
    print(markdown(rows))


if __name__ == "__main__":
    main()
