"""Benchmark batch prediction: sentences/s and peak RSS for TF-IDF and the transformer, and the
transformer side by side with Hugging Face ``pipeline("text-classification", batch_size=32,
top_k=None)`` on the same weights and sentences.

    .venv/bin/python experiments/bench_predict.py [--tfidf URI] [--transformer URI]

Each measurement runs in its own process so that its peak RSS is its own. Results go to
experiments/results/bench_predict.{json,md}. Targets (2-core machine): TF-IDF >= 20,000
sentences/s; transformer >= 1.5x the pipeline; transformer predict peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from classifier.tables import markdown_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
REPEATS = 3


def sentences(n: int) -> list[str]:
    """A fixed set: validation + test sentences of the prepared corpus, repeated to ``n``."""
    import pandas as pd

    texts = pd.concat(
        [
            pd.read_parquet(ROOT / f"data/processed/{s}.parquet", columns=["text"])
            for s in ("validation", "test")
        ]
    )["text"].tolist()
    return (texts * (n // len(texts) + 1))[:n]


def worker(kind: str, uri: str, n: int) -> dict:
    """One measurement, in this process."""
    from classifier import Predictor

    texts = sentences(n)
    if kind == "pipeline":
        from transformers import pipeline

        model = Predictor.load(uri).model  # the same weights as "ours"
        classify = pipeline(
            "text-classification",
            model=model.model,
            tokenizer=model.tokenizer,
            batch_size=32,
            top_k=None,
            function_to_apply="sigmoid",
            device=-1,
        )
        classify(texts[:32])  # warm-up

        def run() -> object:
            return classify(texts, truncation=True, max_length=model.params.max_length)
    else:
        parity = sentences(1000) if kind == "transformer-int8" else None
        predictor = Predictor.load(
            uri, batch_size=64, quantize=parity is not None, parity_texts=parity
        )
        predictor.predict_sentences(texts[:64])  # warm-up (and numba compilation for TF-IDF)

        def run() -> object:
            return predictor.predict_sentences(texts)

    # Repeats in one process: the median is what is reported, the spread shows the noise.
    rates = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        rates.append(n / (time.perf_counter() - start))
    return {
        "kind": kind,
        "sentences": n,
        "repeats": REPEATS,
        "rates": rates,
        "sentences_per_second": statistics.median(rates),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tfidf", default="models:/asn-neutrality-tfidf@candidate")
    parser.add_argument("--transformer", default="models:/asn-neutrality-transformer@candidate")
    parser.add_argument("--tfidf-sentences", type=int, default=50_000)
    parser.add_argument("--transformer-sentences", type=int, default=2_000)
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "URI", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, uri, n = args.worker
        print(json.dumps(worker(kind, uri, int(n))))
        return
    jobs = [
        ("tfidf", args.tfidf, args.tfidf_sentences),
        ("transformer", args.transformer, args.transformer_sentences),
        ("transformer-int8", args.transformer, args.transformer_sentences),
        ("pipeline", args.transformer, args.transformer_sentences),
    ]
    results = {}
    failures: dict[str, str] = {}
    for kind, uri, n in jobs:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, uri, str(n)],
            capture_output=True,
            text=True,
            env={**os.environ, "TQDM_DISABLE": "1"},
        )
        if done.returncode != 0:  # e.g. int8 refused by its parity check: record why, go on
            failures[kind] = done.stderr.strip().splitlines()[-1]
            print(f"{kind} failed: {failures[kind]}", file=sys.stderr)
            continue
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{kind}: {results[kind]['sentences_per_second']:.0f} sentences/s, "
            f"peak RSS {results[kind]['peak_rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    pipe = results["pipeline"]["sentences_per_second"]
    speedups = {
        k: results[k]["sentences_per_second"] / pipe
        for k in ("transformer", "transformer-int8")
        if k in results
    }
    targets = {
        "tfidf >= 20000 sentences/s": results["tfidf"]["sentences_per_second"] >= 20_000,
        "transformer >= 1.5x pipeline": speedups["transformer"] >= 1.5,
        "transformer peak RSS <= 2 GB": results["transformer"]["peak_rss_mb"] <= 2048,
    }
    meta = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "tfidf": args.tfidf,
        "transformer": args.transformer,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_predict.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "results": results,
                "failures": failures,
                "speedup_vs_pipeline": speedups,
                "targets": targets,
            },
            indent=2,
        ),
        "utf-8",
    )
    lines = [
        "# Prediction benchmark",
        "",
        f"{meta['cpu_count']} CPU cores, {meta['machine']}, Python {meta['python']}. "
        "Fixed sentences: validation + test splits, repeated. Written by "
        "experiments/bench_predict.py.",
        "",
    ]
    rows: list[list[object]] = [
        [
            kind,
            r["sentences"],
            f"{r['sentences_per_second']:.0f}",
            f"{min(r['rates']):.0f}-{max(r['rates']):.0f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['sentences_per_second'] / pipe:.2f}x" if kind != "tfidf" else "",
        ]
        for kind, r in results.items()
    ]
    rows += [[kind, f"refused: {why}", "", "", "", ""] for kind, why in failures.items()]
    header = [
        "predictor",
        "sentences",
        "sentences/s (median of 3)",
        "min-max",
        "peak RSS (MB)",
        "vs HF pipeline",
    ]
    lines += [markdown_table(header, rows), ""]
    lines.append(
        markdown_table(
            ["target", "met"], [[name, "yes" if ok else "NO"] for name, ok in targets.items()]
        )
    )
    (RESULTS / "bench_predict.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
