"""Compare rules, TF-IDF, the transformer and the ensemble on the identical split and seed:
macro-F1 and per-label F1 with article-grouped bootstrap CIs on the test split and on the real
development set, per source, false alarms on real off-topic news, calibration, and paired
differences between every two models.

    .venv/bin/python experiments/compare_models.py --registered   # the main job's candidates
    .venv/bin/python experiments/compare_models.py [--set key=value ...] [--skip-transformer]

With ``--registered`` nothing is trained: each config's registered model with alias
``candidate`` (what the main job just trained) is loaded and evaluated. Without it, every model
is trained again as a nested run under one parent run. Writes
experiments/results/model_comparison.{md,json} (and logs both to the parent run).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from classifier.data.dataset import load_splits
from classifier.inference.predictor import load_sentence_model
from classifier.labels import LABEL_IDS
from classifier.models.base import SentenceModel, Split
from classifier.tables import markdown_table
from classifier.training.metrics import bootstrap_label_f1, bootstrap_macro_f1, macro_f1
from classifier.training.real_eval import RealNewsConfig, load_real_dev
from classifier.training.tracking import configure_mlflow, ensure_experiment
from classifier.training.train import load_train_config, run_training, to_split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CONFIGS = ("rules.yaml", "tfidf.yaml", "transformer.yaml", "ensemble.yaml")
RUN_METRICS = (
    "validation_macro_f1",
    "falsealarm_article_rate",
    "falsealarm_topical_per_1000",
    "test_ece",
    "train_seconds",
    "predict_sentences_per_second",
)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scored(name: str, data: Split, predicted: np.ndarray, resamples: int) -> dict[str, Any]:
    """Macro-F1 and per-label F1, each with an article-grouped 95% CI."""
    point, low, high = bootstrap_macro_f1(data.labels, predicted, data.article_ids, resamples)
    row: dict[str, Any] = {f"{name}_macro_f1": [point, low, high]}
    per_label = bootstrap_label_f1(data.labels, predicted, data.article_ids, resamples)
    for k, (label, values) in enumerate(zip(LABEL_IDS, per_label, strict=True)):
        row[f"{name}_f1_{label}"] = list(values)
        row[f"{name}_support_{label}"] = int(data.labels[:, k].sum())
        row[f"{name}_predicted_{label}"] = int(predicted[:, k].sum())
    # A label no gold sentence carries has F1 0 whatever the model does; macro-F1 over the
    # labels present is the fairer summary on a small set such as the real development set.
    present = [k for k in range(len(LABEL_IDS)) if data.labels[:, k].any()]
    row[f"{name}_macro_f1_present"] = list(
        bootstrap_macro_f1(
            data.labels[:, present], predicted[:, present], data.article_ids, resamples
        )
    )
    return row


def per_source(test: Split, predicted: np.ndarray) -> dict[str, float]:
    """Test macro-F1 per source."""
    sources = np.array(test.sources or [])
    return {
        source: macro_f1(test.labels[sources == source], predicted[sources == source])
        for source in sorted(set(sources))
    }


def candidate_models(configs: list, experiment: str) -> dict[str, tuple[SentenceModel, dict]]:
    """Each config's ``candidate`` model from the registry, with its training run's metrics."""
    client = mlflow.MlflowClient()
    out = {}
    for cfg in configs:
        name = cfg.model.registered_name
        try:
            version = client.get_model_version_by_alias(name, "candidate")
        except mlflow.exceptions.MlflowException:
            print(f"note: {name} has no candidate version; {cfg.model.kind} is left out")
            continue
        metrics = client.get_run(version.run_id).data.metrics
        model = load_sentence_model(f"models:/{name}@candidate")
        out[cfg.model.kind] = (model, {**metrics, "run_id": version.run_id})
    return out


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
    parser.add_argument("--registered", action="store_true", help="evaluate the candidates")
    args = parser.parse_args()

    configure_mlflow()
    ensure_experiment(args.experiment)
    names = [
        c
        for c in CONFIGS
        if not (args.skip_transformer and c in ("transformer.yaml", "ensemble.yaml"))
    ]
    overrides = [f"experiment={args.experiment}", *args.overrides]
    configs = [load_train_config(ROOT / "configs" / name, overrides) for name in names]
    seeds = {cfg.seed for cfg in configs}
    data_dirs = {str(cfg.data_dir) for cfg in configs}
    assert len(seeds) == 1 and len(data_dirs) == 1, "every model must see the same split and seed"
    test = to_split(load_splits(configs[0].data_dir)["test"])
    real = RealNewsConfig()
    dev = load_real_dev(ROOT / real.real_dev_articles, ROOT / real.real_dev_labels)
    realdev = Split(dev.texts, dev.labels, article_ids=dev.article_ids)

    rows: dict[str, dict[str, Any]] = {}
    predictions: dict[str, dict[str, np.ndarray]] = {}
    with mlflow.start_run(run_name="compare-models") as parent:
        mlflow.log_params(
            {
                "seed": seeds.pop(),
                "data_dir": data_dirs.pop(),
                "models": ",".join(c.model.kind for c in configs),
                "bootstrap_resamples": args.resamples,
                "registered": args.registered,
            }
        )
        if args.registered:
            models = candidate_models(configs, args.experiment)
        else:
            models = {}
            for cfg in configs:
                start = time.perf_counter()
                result = run_training(cfg)
                metrics = {**result.metrics, "wall_seconds": time.perf_counter() - start}
                models[cfg.model.kind] = (result.model, metrics)
        for kind, (model, metrics) in models.items():
            predictions[kind] = {
                "test": model.predict(test.texts),
                "realdev": model.predict(dev.texts),
            }
            rows[kind] = {
                "run_id": metrics["run_id"],
                **scored("test", test, predictions[kind]["test"], args.resamples),
                **scored("realdev", realdev, predictions[kind]["realdev"], args.resamples),
                "per_source": per_source(test, predictions[kind]["test"]),
                **{key: metrics.get(key, float("nan")) for key in RUN_METRICS},
                "peak_rss_mb_so_far": peak_rss_mb(),
            }
            mlflow.log_metric(f"test_macro_f1_{kind}", rows[kind]["test_macro_f1"][0])
        deltas = []
        for a, b in combinations(rows, 2):
            for name, data in (("test", test), ("realdev", realdev)):
                point, low, high = bootstrap_macro_f1(
                    data.labels,
                    predictions[b][name],
                    data.article_ids,
                    args.resamples,
                    seed=13,
                    baseline=predictions[a][name],
                )
                deltas.append(
                    {"model": b, "baseline": a, "on": name, "delta": point, "ci": [low, high]}
                )
        report = render(rows, deltas, len(test.texts), len(dev.texts), args.resamples)
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


def _ci(values: list[float]) -> str:
    return f"{values[0]:.3f} [{values[1]:.2f}, {values[2]:.2f}]"


def _label_cell(row: dict, split: str, label: str) -> str:
    if row[f"{split}_support_{label}"] == 0:
        return f"n/a: no gold sentence, {row[f'{split}_predicted_{label}']} predicted"
    return _ci(row[f"{split}_f1_{label}"])


def render(rows: dict, deltas: list[dict], n_test: int, n_dev: int, resamples: int) -> str:
    """The markdown report."""
    from classifier.training.promotion import FalseAlarmTarget

    target = FalseAlarmTarget()
    lines = [
        "# Model comparison (identical split and seed)",
        "",
        f"Test split: {n_test} sentences; real development set: {n_dev} sentences of six real "
        f"articles never trained on. 95% CIs: article-grouped bootstrap, {resamples} "
        "resamples. Off-topic: the 586 reserved real CLICK-ID articles (target: <= "
        f"{target.max_article_rate:.0%} flagged, <= {target.max_topical_per_1000:g} topical "
        "labels per 1,000 sentences). Written by experiments/compare_models.py.",
    ]
    for split, title in (("test", "Test split"), ("realdev", "Real development set")):
        header = [
            "model",
            "macro-F1 [95% CI]",
            "macro-F1, labels present",
            *(f"F1 {x}" for x in LABEL_IDS),
        ]
        table = markdown_table(
            header,
            [
                [
                    kind,
                    _ci(r[f"{split}_macro_f1"]),
                    _ci(r[f"{split}_macro_f1_present"]),
                    *(_label_cell(r, split, x) for x in LABEL_IDS),
                ]
                for kind, r in rows.items()
            ],
        )
        lines += ["", f"## {title}", "", table]
    cost = markdown_table(
        [
            "model",
            "validation macro-F1",
            "off-topic articles flagged",
            "topical labels / 1,000",
            "test ECE",
            "test macro-F1 per source",
            "train s",
            "sent/s",
        ],
        [
            [
                kind,
                f"{r['validation_macro_f1']:.3f}",
                f"{r['falsealarm_article_rate']:.1%}",
                f"{r['falsealarm_topical_per_1000']:.1f}",
                f"{r['test_ece']:.3f}",
                ", ".join(f"{s} {v:.3f}" for s, v in r["per_source"].items()),
                f"{r['train_seconds']:.0f}",
                f"{r['predict_sentences_per_second']:.0f}",
            ]
            for kind, r in rows.items()
        ],
    )
    lines += ["", "## Off-topic news, calibration, per source, cost", "", cost]
    paired = markdown_table(
        ["model", "baseline", "on", "delta", "95% CI"],
        [
            [
                d["model"],
                d["baseline"],
                d["on"],
                f"{d['delta']:+.3f}",
                f"[{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]",
            ]
            for d in deltas
        ],
    )
    lines += ["", "## Paired differences in macro-F1 (model - baseline)", "", paired]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
