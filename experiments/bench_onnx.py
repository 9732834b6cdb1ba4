"""ONNX Runtime and int8 routes for experiments/bench_predict.py (measured, not adopted).

Needs the ``bench`` extra (onnx, onnxruntime). Each function returns a scorer: texts -> sigmoid
scores of shape (n, labels), batched like the product's own path (sorted by token count, each
batch padded to its longest sentence), so only the runtime and the numbers differ.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Scorer = Callable[[Sequence[str]], np.ndarray]


def ffn_output_layers(net: Any, below: int | None = None) -> list[str]:
    """Names of the feed-forward output projections (BERT ``layer.N.output.dense``).

    Their input is the GELU output, whose outliers (max |x| about 33 against a 99.9th
    percentile of 1.4-2.3 in e5-small) wreck a per-tensor int8 activation scale.
    """
    names = []
    for name, _ in net.named_modules():
        if name.endswith(".output.dense") and ".attention." not in name:
            layer = int(name.split(".layer.")[1].split(".")[0])
            if below is None or layer < below:
                names.append(name)
    return names


def torch_int8(model: Any, per_channel: bool, keep_fp32: list[str]) -> Scorer:
    """torch dynamic int8 on every Linear of the encoder except ``keep_fp32``."""
    import torch
    from torch.ao.quantization import (
        default_dynamic_qconfig,
        per_channel_dynamic_qconfig,
        quantize_dynamic,
    )

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    spec = {
        name: qconfig
        for name, module in model.model.named_modules()
        if isinstance(module, torch.nn.Linear) and name not in keep_fp32
    }
    quantised = copy.copy(model)
    quantised.model = quantize_dynamic(copy.deepcopy(model.model), spec, dtype=torch.qint8)
    return quantised.predict_proba


def _export(model: Any, folder: Path) -> Path:
    import torch

    net = copy.deepcopy(model.model).float().eval()
    net.set_attn_implementation("eager")  # the plain pattern ONNX Runtime's optimiser knows

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.net(input_ids=input_ids, attention_mask=attention_mask).logits

    sample = model.tokenizer(["contoh kalimat", "dua"], padding=True, return_tensors="pt")
    path = folder / "model.onnx"
    torch.onnx.export(
        Logits(),
        (sample["input_ids"], sample["attention_mask"]),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    return path


def onnx_scorer(
    model: Any, int8: bool, keep_fp32_below: int | None = None, threads: int = 2
) -> Scorer:
    """ONNX Runtime on the exported model: fp32, or int8 dynamic with per-channel weights.

    ``keep_fp32_below``: the feed-forward output projections of layers below this stay fp32
    (None: none stay). The attention score products always stay fp32.
    """
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = Path(tempfile.mkdtemp(prefix="bench-onnx-"))
    path = _export(model, folder)
    if int8:
        nodes = [n.name for n in onnx.load(str(path)).graph.node if n.op_type == "MatMul"]
        keep = [n for n in nodes if n.endswith(("self/MatMul", "self/MatMul_1"))]
        if keep_fp32_below is not None:
            for name in nodes:
                if "/output/dense/" in name and "/attention/" not in name:
                    layer = int(name.split("layer.")[1].split("/")[0])
                    keep += [name] if layer < keep_fp32_below else []
        quantised = folder / "int8.onnx"
        quantize_dynamic(
            str(path),
            str(quantised),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=keep,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        path = quantised
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def score(texts: Sequence[str]) -> np.ndarray:
        scores = np.zeros((len(texts), len(model.thresholds)), dtype=np.float32)
        for rows, batch in model.sorted_batches(texts, return_tensors="np"):
            feed = {key: batch[key].astype(np.int64) for key in ("input_ids", "attention_mask")}
            scores[rows] = 1 / (1 + np.exp(-session.run(None, feed)[0]))
        return scores

    return score


def activation_ranges(model: Any, texts: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per kind of Linear input (query/key/value, attention output, feed-forward in and out):
    the largest |x| seen and the median over layers of the 99.9th percentile of |x|.

    A per-tensor int8 scale is set by the largest value, so a large max/p99.9 ratio means most
    activations land on a handful of int8 steps.
    """
    import torch

    kinds = {
        "attention.self": "query/key/value",
        "attention.output.dense": "attention output",
        "intermediate.dense": "feed-forward in",
        "output.dense": "feed-forward out",
    }
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in kinds.values()}

    def watch(kind: str) -> Any:
        def hook(module: Any, inputs: tuple[Any, ...], output: Any) -> None:
            x = inputs[0].detach().abs().flatten().float()
            x = x[torch.randperm(len(x))[:1_000_000]] if len(x) > 1_000_000 else x
            seen[kind].append((float(x.max()), float(torch.quantile(x, 0.999))))

        return hook

    handles = []
    for name, module in model.model.named_modules():
        if isinstance(module, torch.nn.Linear) and ".layer." in name:
            tail = name.split(".layer.")[1].split(".", 1)[1]
            kind = next((v for k, v in kinds.items() if tail.startswith(k)), None)
            if kind is not None:
                handles.append(module.register_forward_hook(watch(kind)))
    try:
        model.predict_proba(list(texts))
    finally:
        for handle in handles:
            handle.remove()
    return {
        kind: {
            "max_abs": max(m for m, _ in values),
            "median_p99_9": float(np.median([q for _, q in values])),
        }
        for kind, values in seen.items()
        if values
    }
