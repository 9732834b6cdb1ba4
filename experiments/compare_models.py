"""Train rules, TF-IDF and the transformer on the identical split with the same seed, as
nested MLflow runs under one parent run, and log the paired delta table with bootstrap CIs.

    .venv/bin/python experiments/compare_models.py [--set key=value ...] [--skip-transformer]

Writes experiments/results/model_comparison.{md,json} and logs both to the parent run.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from itertools import combinations
from pathlib import Path

import mlflow
import numpy as np

from classifier.dataset import load_splits
from classifier.labels import LABEL_IDS
from classifier.metrics import bootstrap_macro_f1
from classifier.tracking import configure_mlflow, ensure_experiment
from classifier.train import load_train_config, run_training, to_split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CONFIGS = ("rules.yaml", "tfidf.yaml", "transformer.yaml")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        help="override applied to every config, e.g. data_dir=... or seed=7",
    )
    parser.add_argument("--experiment", default="asn-neutrality")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--skip-transformer", action="store_true")
    args = parser.parse_args()

    configure_mlflow()
    ensure_experiment(args.experiment)
    names = [c for c in CONFIGS if not (args.skip_transformer and c == "transformer.yaml")]
    overrides = [f"experiment={args.experiment}", *args.overrides]
    configs = [load_train_config(ROOT / "configs" / name, overrides) for name in names]
    seeds = {cfg.seed for cfg in configs}
    data_dirs = {str(cfg.data_dir) for cfg in configs}
    assert len(seeds) == 1 and len(data_dirs) == 1, "every model must see the same split and seed"
    test = to_split(load_splits(configs[0].data_dir)["test"])

    rows, predictions = {}, {}
    with mlflow.start_run(run_name="compare-models") as parent:
        mlflow.log_params(
            {
                "seed": seeds.pop(),
                "data_dir": data_dirs.pop(),
                "models": ",".join(c.model.kind for c in configs),
                "bootstrap_resamples": args.resamples,
            }
        )
        for cfg in configs:
            start = time.perf_counter()
            result = run_training(cfg)
            kind = cfg.model.kind
            predictions[kind] = result.model.predict(test.texts)
            rows[kind] = {
                "run_id": result.run_id,
                "test_macro_f1": result.metrics["test_macro_f1"],
                "ci": [
                    result.metrics["test_macro_f1_ci_low"],
                    result.metrics["test_macro_f1_ci_high"],
                ],
                **{f"test_f1_{label}": result.metrics[f"test_f1_{label}"] for label in LABEL_IDS},
                **{
                    k: v
                    for k, v in result.metrics.items()
                    if k.startswith("test_macro_f1_") and not k.endswith(("ci_low", "ci_high"))
                },
                "train_seconds": result.metrics["train_seconds"],
                "predict_sentences_per_second": result.metrics["predict_sentences_per_second"],
                "wall_seconds": time.perf_counter() - start,
                "peak_rss_mb_so_far": peak_rss_mb(),
            }
            mlflow.log_metric(f"test_macro_f1_{kind}", rows[kind]["test_macro_f1"])
        deltas = []
        for a, b in combinations(rows, 2):
            point, low, high = bootstrap_macro_f1(
                test.labels,
                predictions[b],
                test.article_ids,
                args.resamples,
                seed=13,
                baseline=predictions[a],
            )
            deltas.append({"model": b, "baseline": a, "delta_macro_f1": point, "ci": [low, high]})
            mlflow.log_metric(f"delta_macro_f1_{b}_vs_{a}", point)
        report = render(rows, deltas, len(test.texts), args.resamples)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "model_comparison.md").write_text(report, "utf-8")
        (RESULTS / "model_comparison.json").write_text(
            json.dumps(
                {"parent_run_id": parent.info.run_id, "models": rows, "deltas": deltas}, indent=2
            ),
            "utf-8",
        )
        mlflow.log_artifact(str(RESULTS / "model_comparison.md"))
        mlflow.log_artifact(str(RESULTS / "model_comparison.json"))
    print(report)


def render(rows: dict, deltas: list[dict], n_test: int, resamples: int) -> str:
    lines = [
        "# Model comparison (identical split and seed)",
        "",
        f"Test split: {n_test} sentences. 95% CIs: article-grouped bootstrap, "
        f"{resamples} resamples.",
        "Written by experiments/compare_models.py.",
        "",
        "| model | test macro-F1 [95% CI] | "
        + " | ".join(f"F1 {label}" for label in LABEL_IDS)
        + " | macro-F1 per source | train s | sent/s | peak RSS so far (MB) |",
        "|---|---|" + "---|" * len(LABEL_IDS) + "---|---|---|---|",
    ]
    for kind, r in rows.items():
        per_source = ", ".join(
            f"{k.removeprefix('test_macro_f1_')} {v:.3f}"
            for k, v in r.items()
            if k.startswith("test_macro_f1_")
        )
        lines.append(
            f"| {kind} | {r['test_macro_f1']:.3f} [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | "
            + " | ".join(f"{r[f'test_f1_{label}']:.3f}" for label in LABEL_IDS)
            + f" | {per_source} | {r['train_seconds']:.1f}"
            f" | {r['predict_sentences_per_second']:.0f} | {r['peak_rss_mb_so_far']:.0f} |"
        )
    lines += [
        "",
        "## Paired differences in test macro-F1",
        "",
        "| model | baseline | delta | 95% CI |",
        "|---|---|---|---|",
    ]
    for d in deltas:
        lines.append(
            f"| {d['model']} | {d['baseline']} | {d['delta_macro_f1']:+.3f} | "
            f"[{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}] |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
