"""Grouped K-fold cross-validation of rules, TF-IDF and the transformer on the same folds.

    .venv/bin/python experiments/cv_compare.py [--folds 3] [--transformer-set key=value ...]

Each model is one `classifier cv` parent run (folds nested). The table of mean ± std macro-F1
and per-label F1 goes to experiments/results/cv_comparison.{md,json}: a comparison that does
not hang on one lucky split.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table
from classifier.training.cv import cross_validate
from classifier.training.train import load_train_config

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["rules", "tfidf", "transformer"])
    parser.add_argument(
        "--transformer-set",
        action="append",
        default=[],
        help="extra overrides for the transformer, e.g. model.params.epochs=3",
    )
    args = parser.parse_args()
    results = {}
    for name in args.models:
        overrides = ["bootstrap_resamples=200", "experiment=asn-neutrality-cv"]
        if name == "transformer":
            overrides += args.transformer_set
        cfg = load_train_config(ROOT / "configs" / f"{name}.yaml", overrides)
        start = time.perf_counter()
        outcome = cross_validate(cfg, args.folds)
        results[name] = {
            "parent_run_id": outcome["run_id"],
            "summary": outcome["summary"],
            "folds": outcome["folds"],
            "seconds": time.perf_counter() - start,
            "overrides": overrides,
        }
        s = outcome["summary"]
        print(f"{name}: {s['cv_macro_f1_mean']:.3f} ± {s['cv_macro_f1_std']:.3f}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cv_comparison.json").write_text(json.dumps(results, indent=2), "utf-8")
    lines = [
        f"# Grouped {args.folds}-fold cross-validation (same folds for every model)",
        "",
        "Folds are grouped by article and stratified on labels and sources; each fold is held "
        "out once, the rest split again by article into train and validation. Mean ± standard "
        "deviation over folds; OOF = macro-F1 of the pooled out-of-fold predictions. Written by "
        "experiments/cv_compare.py.",
        "",
    ]
    header = [
        "model",
        "macro-F1 (mean ± std)",
        "OOF macro-F1",
        *(f"F1 {label}" for label in LABEL_IDS),
        "minutes",
    ]
    rows: list[list[str]] = []
    for name, r in results.items():
        s = r["summary"]
        rows.append(
            [
                name,
                f"{s['cv_macro_f1_mean']:.3f} ± {s['cv_macro_f1_std']:.3f}",
                f"{s['oof_macro_f1']:.3f}",
                *(
                    f"{s[f'cv_f1_{label}_mean']:.3f} ± {s[f'cv_f1_{label}_std']:.3f}"
                    for label in LABEL_IDS
                ),
                f"{r['seconds'] / 60:.1f}",
            ]
        )
    lines.append(markdown_table(header, rows))
    sources = sorted(
        {
            k.split("macro_f1_")[1].rsplit("_", 1)[0]
            for r in results.values()
            for k in r["summary"]
            if k.startswith("cv_macro_f1_")
            and k.endswith("_mean")
            and k not in ("cv_macro_f1_mean",)
        }
    )
    if sources:
        per_source = markdown_table(
            ["model", *sources],
            [
                [
                    name,
                    *(
                        f"{r['summary'].get(f'cv_macro_f1_{src}_mean', float('nan')):.3f} ± "
                        f"{r['summary'].get(f'cv_macro_f1_{src}_std', float('nan')):.3f}"
                        for src in sources
                    ),
                ]
                for name, r in results.items()
            ],
        )
        lines += ["", "Per source (macro-F1, mean ± std):", "", per_source]
    if any(r["overrides"] != results[next(iter(results))]["overrides"] for r in results.values()):
        lines += [
            "",
            "Overrides: "
            + "; ".join(f"{n}: {', '.join(r['overrides'])}" for n, r in results.items()),
        ]
    (RESULTS / "cv_comparison.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
