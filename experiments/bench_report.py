"""The markdown page of experiments/bench_predict.py: every variant, article mode, targets."""

from __future__ import annotations

from typing import Any

from classifier.tables import markdown_table

WHAT = {
    "tfidf": "TF-IDF, product path",
    "fp32": "transformer, product path, fp32 (token-count batching)",
    "bf16": "transformer, product path, bf16 (the fast path)",
    "bf16-compiled": "bf16 + torch.compile(dynamic=True)",
    "pipeline": "HF pipeline(batch_size=32), fp32: the baseline",
    "int8-torch": "torch dynamic int8, per-tensor (= --quantize)",
    "int8-torch-per-channel-ffn-out-fp32": "torch dynamic int8, per-channel, FFN output fp32",
    "onnx-fp32": "ONNX Runtime fp32",
    "onnx-int8": "ONNX Runtime dynamic int8, per-channel",
    "onnx-int8-ffn-out-0-5-fp32": "ONNX Runtime int8, FFN output of layers 0-5 fp32",
}


NOT_BUILT = [
    "**Routes not built** (bf16 passed the targets without changing the model):",
    "",
    "- Only the CLS position in the last layer: it saves at most the last layer's work for the "
    "other positions, under 1/12 of the encoder.",
    "- A trimmed vocabulary table: memory only. The table is 250,002 x 384 (384 MB in fp32, "
    "192 MB in bf16); trimming it turns unseen pieces into [UNK] and so changes labels on new "
    "text.",
    "- A 6-layer distilled student: it needs its own training runs and a real-dev loss of at "
    "most 0.005 to be kept.",
    "",
]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def render(meta: dict[str, Any], results: dict[str, dict[str, Any]], default: dict) -> str:
    """The whole page."""
    rows = []
    for name, r in results.items():
        if name.startswith("articles-"):
            continue
        if "error" in r:
            rows.append([name, WHAT.get(name, ""), f"failed: {r['error']}", "", "", "", ""])
            continue
        rows.append(
            [
                name,
                WHAT.get(name, ""),
                f"{r['sentences_per_second']:.0f}",
                f"{min(r['rates']):.0f}-{max(r['rates']):.0f}",
                f"{r['vs_pipeline']:.2f}x" if "vs_pipeline" in r else "",
                _pct(r.get("parity")),
                f"{r['peak_rss_mb']:.0f}",
            ]
        )
    header = [
        "variant",
        "what",
        "sentences/s (median of 3)",
        "min-max",
        "vs pipeline",
        "label sets = fp32 (validation)",
        "peak RSS (MB)",
    ]
    lines = [
        "# Prediction benchmark",
        "",
        f"{meta['cpu_count']} CPU cores, {meta['machine']}, Python {meta['python']}. Transformer: "
        f"`{meta['transformer']}`; TF-IDF: `{meta['tfidf']}`. Speed on validation + test "
        "sentences, repeated; parity on the whole validation split. Written by "
        "experiments/bench_predict.py; each variant ran in its own process, in one run.",
        "",
        markdown_table(header, rows),
        "",
    ]
    lines += _findings(results)
    lines += NOT_BUILT
    lines += _articles(results)
    lines += _targets(results, default)
    return "\n".join(lines) + "\n"


def _findings(results: dict[str, dict[str, Any]]) -> list[str]:
    int8 = results.get("int8-torch", {})
    lines = []
    if "parity_batch_size_1" in int8:
        lines += [
            "**Why int8 loses labels.** With one sentence per batch (no padding at all) the "
            f"per-tensor int8 model keeps {_pct(int8['parity_batch_size_1'])} of label sets, "
            f"against {_pct(int8.get('parity'))} at batch size 64: padding is not the cause. "
            "The inputs of the Linear layers (largest |x| and the median over layers of the "
            "99.9th percentile):",
            "",
        ]
        ranges = int8["activation_ranges"]
        lines += [
            markdown_table(
                ["Linear input", "max |x|", "p99.9 |x|", "ratio"],
                [
                    [
                        k,
                        f"{v['max_abs']:.1f}",
                        f"{v['median_p99_9']:.2f}",
                        f"{v['max_abs'] / v['median_p99_9']:.0f}x",
                    ]
                    for k, v in ranges.items()
                ],
            ),
            "",
        ]
    check = results.get("bf16", {}).get("check")
    if check:
        lines += [
            f"**bf16 parity check** used by the fast path: {check['agreement']:.2%} on "
            f"{check['sentences']} validation sentences (minimum {check['minimum']:.0%}).",
            "",
        ]
    compiled = results.get("bf16-compiled", {})
    if "compile_seconds" in compiled:
        lines += [
            f"torch.compile costs {compiled['compile_seconds']:.0f} s of compilation per process "
            "before its first batch.",
            "",
        ]
    return lines


def _articles(results: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        [
            f"{name.removeprefix('articles-')} (ran in {r.get('precision', 'fp32')})",
            r["articles"],
            r["sentences"],
            f"{r['articles_per_second']:.1f}",
            f"{r['sentences_per_second']:.0f}",
            f"{r['seconds_with_model_load']:.0f}",
            f"{r['peak_rss_mb']:.0f}",
        ]
        for name, r in results.items()
        if name.startswith("articles-") and "error" not in r
    ]
    header = [
        "model / precision",
        "articles",
        "sentences",
        "articles/s",
        "sentences/s",
        "seconds incl. model load",
        "peak RSS (MB)",
    ]
    return [
        "## Article mode end to end",
        "",
        "Ingest, clean, split, predict and per-article summary on the 1,500 CLICK-ID articles "
        "(`classifier predict` in article mode, `run_predict`). `auto` is the default precision.",
        "",
        markdown_table(header, rows),
        "",
    ]


def _targets(results: dict[str, dict[str, Any]], default: dict) -> list[str]:
    bf16 = results.get("bf16", {})
    rss = max(r.get("peak_rss_mb", 0) for n, r in results.items() if n in ("fp32", "bf16"))
    targets = {
        "TF-IDF >= 20,000 sentences/s": results["tfidf"].get("sentences_per_second", 0) >= 20_000,
        "fast path >= 3.0x the pipeline": bf16.get("vs_pipeline", 0) >= 3.0,
        "fast path label sets = fp32 on >= 99% of validation": bf16.get("parity", 0) >= 0.99,
        "transformer peak RSS <= 2 GB (product path)": rss <= 2048,
        "the default (auto) ran in bf16 in article mode": default.get("precision") == "bf16",
    }
    return [
        "## Targets",
        "",
        markdown_table(["target", "met"], [[k, "yes" if v else "NO"] for k, v in targets.items()]),
    ]
