"""Benchmark batch prediction: speed, peak RSS and label parity of every route we measured.

    .venv/bin/python experiments/bench_predict.py [--tfidf URI] [--transformer URI]

Side by side in one run, each variant in its own process (so its peak RSS is its own):
- TF-IDF, and Hugging Face ``pipeline("text-classification", batch_size=32)`` on the fp32
  weights (the baseline);
- the product's transformer path in fp32 and in bf16 (the fast path), and bf16 under
  torch.compile;
- int8 routes: torch dynamic (per-tensor, as ``--quantize``), torch per-channel with the
  feed-forward output projections kept fp32, ONNX Runtime fp32 and int8 (needs the ``bench``
  extra).

Every transformer variant labels the whole validation split; parity is the share of sentences
whose label set equals the fp32 path's. Article mode (ingest, clean, split, predict, summary)
runs on the 1,500 CLICK-ID articles. Results: experiments/results/bench_predict.{json,md}.
Targets (2 cores): TF-IDF >= 20,000 sentences/s; the default transformer path >= 3x the
pipeline at >= 99% parity; peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CLICKID = ROOT.parent / "shared" / "corpus" / "clickid" / "articles.jsonl"
REPEATS = 3
TRANSFORMER_VARIANTS = [
    "fp32",
    "bf16",
    "bf16-compiled",
    "pipeline",
    "int8-torch",
    "int8-torch-per-channel-ffn-out-fp32",
    "onnx-fp32",
    "onnx-int8",
    "onnx-int8-ffn-out-0-5-fp32",
]


def split_texts(*splits: str) -> list[str]:
    import pandas as pd

    frames = [
        pd.read_parquet(ROOT / f"data/processed/{s}.parquet", columns=["text"]) for s in splits
    ]
    return pd.concat(frames)["text"].tolist()


def sentences(n: int) -> list[str]:
    """A fixed set: validation + test sentences of the prepared corpus, repeated to ``n``."""
    texts = split_texts("validation", "test")
    return (texts * (n // len(texts) + 1))[:n]


Runner = Callable[[list[str]], Any]


def label_codes(scores: np.ndarray) -> list[int]:
    """Each sentence's label set as one integer, at the fp32 model's thresholds."""
    thresholds = np.asarray(json.loads(os.environ["BENCH_THRESHOLDS"]))
    hot = (scores >= thresholds).astype(np.int64)
    return (hot << np.arange(hot.shape[1])).sum(axis=1).tolist()


def build(variant: str, uri: str) -> tuple[Runner, Runner | None, dict[str, Any]]:
    """(what is timed, what scores the parity sentences, extra facts) for one variant."""
    from classifier import Predictor

    if variant == "tfidf":
        predictor = Predictor.load(uri)
        return predictor.predict_sentences, None, {}
    if variant in ("fp32", "bf16"):
        parity = split_texts("validation") if variant == "bf16" else None
        predictor = Predictor.load(uri, precision=variant, parity_texts=parity)
        check = predictor.fast_path.to_dict() if predictor.fast_path else None
        return predictor.predict_sentences, predictor.predict_scores, {"check": check}
    predictor = Predictor.load(uri, precision="fp32")
    model, facts = predictor.model, {}
    if variant == "bf16-compiled":
        import torch

        model = model.to_precision("bf16")
        model.model = torch.compile(model.model, dynamic=True)
        start = time.perf_counter()
        model.predict_proba(sentences(256))  # compiles for the shapes that follow
        facts["compile_seconds"] = time.perf_counter() - start
        return model.predict_proba, model.predict_proba, facts
    if variant == "pipeline":
        from transformers import pipeline

        classify = pipeline(
            "text-classification",
            model=model.model,
            tokenizer=model.tokenizer,
            batch_size=32,
            top_k=None,
            function_to_apply="sigmoid",
            device=-1,
        )
        order = {label: k for k, label in enumerate(model.model.config.id2label.values())}

        def run(texts: list[str]) -> Any:
            return classify(texts, truncation=True, max_length=model.params.max_length)

        def scores(texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), len(order)), dtype=np.float32)
            for i, row in enumerate(run(texts)):
                for item in row:
                    out[i, order[item["label"]]] = item["score"]
            return out

        return run, scores, facts
    import bench_onnx

    scorers = {
        "int8-torch": lambda: bench_onnx.torch_int8(model, per_channel=False, keep_fp32=[]),
        "int8-torch-per-channel-ffn-out-fp32": lambda: bench_onnx.torch_int8(
            model, per_channel=True, keep_fp32=bench_onnx.ffn_output_layers(model.model)
        ),
        "onnx-fp32": lambda: bench_onnx.onnx_scorer(model, int8=False),
        "onnx-int8": lambda: bench_onnx.onnx_scorer(model, int8=True),
        "onnx-int8-ffn-out-0-5-fp32": lambda: bench_onnx.onnx_scorer(
            model, int8=True, keep_fp32_below=6
        ),
    }
    scorer = scorers[variant]()
    if variant == "int8-torch":  # why int8 loses labels: activation outliers, not padding
        facts["activation_ranges"] = bench_onnx.activation_ranges(model, sentences(300))
        single = copy.copy(model)
        single.params = dataclasses.replace(model.params, eval_batch_size=1)  # no padding
        unpadded = bench_onnx.torch_int8(single, per_channel=False, keep_fp32=[])
        facts["label_codes_batch_size_1"] = label_codes(unpadded(split_texts("validation")))
    return scorer, scorer, facts


def worker(variant: str, uri: str, n: int) -> dict[str, Any]:
    """One measurement, in this process."""
    if variant.startswith("articles-"):
        return article_worker(variant.removeprefix("articles-"), uri)
    run, score, facts = build(variant, uri)
    texts = sentences(n)
    run(texts[:64])  # warm-up (numba compilation for TF-IDF)
    rates = []
    for _ in range(REPEATS):  # the median is reported, the spread shows the noise
        start = time.perf_counter()
        run(texts)
        rates.append(n / (time.perf_counter() - start))
    result = {
        "variant": variant,
        "sentences": n,
        "rates": rates,
        "sentences_per_second": statistics.median(rates),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **facts,
    }
    if score is not None:
        result["label_codes"] = label_codes(score(split_texts("validation")))
    return result


def article_worker(precision: str, uri: str) -> dict[str, Any]:
    """Article mode end to end on the CLICK-ID articles, through run_predict."""
    from classifier.inference.predict import PredictOptions, run_predict

    with tempfile.TemporaryDirectory() as folder:
        articles = Path(folder) / "articles.jsonl"
        limit = int(os.environ.get("BENCH_ARTICLES", "0")) or None
        lines = CLICKID.read_text("utf-8").splitlines(keepends=True)[:limit]
        articles.write_text("".join(lines), "utf-8")
        options = PredictOptions(
            model=uri,
            inputs=[articles],
            output=Path(folder) / "out.jsonl",
            summary=Path(folder) / "summary.jsonl",
            precision=precision if precision in ("fp32", "bf16") else "auto",
        )
        start = time.perf_counter()
        stats = run_predict(options)
        wall = time.perf_counter() - start
    return {
        "variant": f"articles-{precision}",
        "articles": stats["articles"],
        "precision": stats["precision"],
        "sentences": stats["sentences"],
        "seconds_with_model_load": wall,
        "predict_seconds": stats["seconds"],
        "articles_per_second": stats["articles"] / stats["seconds"],
        "sentences_per_second": stats["sentences_per_second"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_worker(variant: str, uri: str, n: int, thresholds: list[float]) -> dict[str, Any]:
    env = {**os.environ, "TQDM_DISABLE": "1", "BENCH_THRESHOLDS": json.dumps(thresholds)}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", variant, uri, str(n)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:  # record why (e.g. the bench extra missing) and go on
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"{variant} failed: {reason}", file=sys.stderr)
        return {"variant": variant, "error": reason}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{variant}: {result['sentences_per_second']:.0f} sentences/s", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tfidf", default="models:/asn-neutrality-tfidf@candidate")
    parser.add_argument("--transformer", default="models:/asn-neutrality-transformer@candidate")
    parser.add_argument("--tfidf-sentences", type=int, default=50_000)
    parser.add_argument("--transformer-sentences", type=int, default=2_000)
    parser.add_argument("--articles", type=int, default=0, help="CLICK-ID articles (0: all)")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "URI", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        variant, uri, n = args.worker
        print(json.dumps(worker(variant, uri, int(n))))
        return
    from classifier import Predictor
    from classifier.models._precision import requested_precision

    os.environ["BENCH_ARTICLES"] = str(args.articles)  # read by the article workers

    with requested_precision("fp32"):
        thresholds = [float(t) for t in Predictor.load(args.transformer).thresholds]
    results = {"tfidf": run_worker("tfidf", args.tfidf, args.tfidf_sentences, thresholds)}
    for variant in TRANSFORMER_VARIANTS:
        results[variant] = run_worker(
            variant, args.transformer, args.transformer_sentences, thresholds
        )
    for variant, uri in (
        ("tfidf", args.tfidf),
        ("fp32", args.transformer),
        ("auto", args.transformer),
    ):
        results[f"articles-{variant}"] = run_worker(f"articles-{variant}", uri, 0, thresholds)
    write_results(results, args)


def write_results(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    """Parity against the fp32 path, speed-ups against the pipeline, targets; json + md."""
    from bench_report import render

    reference = np.asarray(results["fp32"]["label_codes"])
    pipe = results["pipeline"]["sentences_per_second"]
    for result in results.values():
        if "label_codes" in result:
            result["parity"] = float(np.mean(np.asarray(result.pop("label_codes")) == reference))
        if "label_codes_batch_size_1" in result:
            codes = np.asarray(result.pop("label_codes_batch_size_1"))
            result["parity_batch_size_1"] = float(np.mean(codes == reference))
            result["parity_sentences"] = len(reference)
        if "error" not in result and not result["variant"].startswith(("tfidf", "articles")):
            result["vs_pipeline"] = result["sentences_per_second"] / pipe
    default = results["articles-auto"]
    meta = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "tfidf": args.tfidf,
        "transformer": args.transformer,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_predict.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2), "utf-8"
    )
    text = render(meta, results, default)
    (RESULTS / "bench_predict.md").write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
