"""The fine-tuning loop: BCE with pos_weight, warmup then linear decay, gradient clipping,
early stopping on validation macro-F1, mixed precision on GPU, and a checkpoint per epoch
that ``--resume`` continues from."""

from __future__ import annotations

import math
import random
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm.auto import tqdm

from classifier.errors import ConfigError
from classifier.io_utils import atomic_path
from classifier.models.base import EpochLogger, Split
from classifier.training.metrics import bce_loss, macro_f1

if TYPE_CHECKING:
    from classifier.models.transformer import TransformerModel

CHECKPOINT_FILE = "checkpoint.pt"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar-length sentences, so little compute goes into padding.

    Rows are shuffled, cut into mega-batches of 50 batches, sorted by length inside each, cut
    into batches, and the batch order is shuffled. A seed per epoch makes the order identical
    whether or not the run was resumed.
    """
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(lengths), generator=generator).tolist()
    mega = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), mega):
        chunk = sorted(order[start : start + mega], key=lambda i: -lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def _autocast(device: torch.device, precision: str) -> tuple[Any, bool]:
    """The autocast context for the chosen precision, and whether fp16 loss scaling is needed."""
    if device.type != "cuda" or precision == "fp32":
        return nullcontext(), False
    if precision == "auto":
        precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast("cuda", dtype=dtype), precision == "fp16"


def _pos_weight(labels: np.ndarray, cap: float) -> torch.Tensor:
    positives = labels.sum(axis=0).astype(np.float64)
    negatives = len(labels) - positives
    weight = np.where(positives > 0, negatives / np.maximum(positives, 1), 1.0)
    return torch.tensor(np.clip(weight, 1.0, cap), dtype=torch.float32)


def epoch_rows(silver: np.ndarray, per_epoch: int | None, seed: int) -> np.ndarray:
    """Row indices for one epoch: every gold row plus a fresh sample of silver rows.

    Sampling silver anew each epoch shows the model many more real negatives over a run than
    one fixed sample would, at the cost of one sample's worth of steps per epoch.
    """
    gold = np.flatnonzero(~silver)
    pool = np.flatnonzero(silver)
    if per_epoch is None or per_epoch >= len(pool):
        return np.concatenate([gold, pool])
    rng = np.random.default_rng(seed)
    return np.concatenate([gold, np.sort(rng.choice(pool, size=per_epoch, replace=False))])


def _trainable_state(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Only parameters that train: frozen ones equal the pretrained weights reloaded on resume."""
    return {n: p.detach().cpu().clone() for n, p in net.named_parameters() if p.requires_grad}


def _optimizer(net: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for name, param in net.named_parameters():
        if param.requires_grad:
            # Biases and LayerNorm weights are not regularised (standard BERT fine-tuning).
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr)


def train_epochs(
    model: TransformerModel, train: Split, validation: Split, log_epoch: EpochLogger | None
) -> None:
    """Fine-tune ``model.model`` in place and leave it holding the best epoch's weights."""
    from transformers import DataCollatorWithPadding, get_scheduler

    from classifier.models.transformer import SCHEDULES, pick_device

    p = model.params
    device = pick_device()
    net = model.model.to(device)
    if p.freeze_embeddings:
        net.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    if p.freeze_layers:
        layers = net.base_model.encoder.layer
        if p.freeze_layers > len(layers):
            raise ConfigError(
                f"model.params.freeze_layers: {p.freeze_layers} is more than the model's "
                f"{len(layers)} layers"
            )
        # Frozen layers below the trained ones need no gradient, so backward stops above them.
        for module in (net.base_model.embeddings, *layers[: p.freeze_layers]):
            module.requires_grad_(False)
    features = model.encode(train.texts)
    lengths = [len(f["input_ids"]) for f in features]
    collate = DataCollatorWithPadding(model.tokenizer)
    targets = torch.tensor(train.labels, dtype=torch.float32)
    silver = train.silver_mask()
    row_weights = torch.tensor(np.where(silver, p.silver_weight, 1.0), dtype=torch.float32)
    # pos_weight from the mix one epoch sees, not from every silver row the split holds.
    first_epoch = epoch_rows(silver, p.silver_per_epoch, model.seed)
    pos_weight = _pos_weight(train.labels[first_epoch], p.pos_weight_max) if p.pos_weight else None
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=pos_weight.to(device) if pos_weight is not None else None, reduction="none"
    )
    optimizer = _optimizer(net, p.learning_rate, p.weight_decay)
    steps_per_epoch = math.ceil(len(first_epoch) / p.batch_size)
    total_steps = steps_per_epoch * p.epochs
    # Warmup, then the named decay (linear, cosine or constant) over all epochs' steps.
    scheduler = get_scheduler(
        SCHEDULES[p.lr_schedule],
        optimizer,
        num_warmup_steps=int(p.warmup_ratio * total_steps),
        num_training_steps=total_steps,
    )
    autocast, use_scaler = _autocast(device, p.precision)
    scaler = torch.amp.GradScaler("cuda") if use_scaler else None
    state = {"epoch": 0, "best_f1": -1.0, "best": None, "bad_epochs": 0}
    checkpoint = model.checkpoint_dir / CHECKPOINT_FILE if model.checkpoint_dir else None
    if model.resume:
        state = _load_checkpoint(checkpoint, net, optimizer, scheduler, scaler)

    for epoch in range(state["epoch"], p.epochs):
        rows_this_epoch = epoch_rows(silver, p.silver_per_epoch, model.seed + epoch)
        batches = [
            [int(rows_this_epoch[i]) for i in batch]
            for batch in length_grouped_batches(
                [lengths[i] for i in rows_this_epoch], p.batch_size, model.seed + epoch
            )
        ]
        net.train()
        losses = []
        epoch_start = time.perf_counter()
        bar = tqdm(
            range(steps_per_epoch),
            desc=f"epoch {epoch + 1}/{p.epochs}",
            unit="batch",
            leave=False,
            mininterval=2.0,
            disable=None,  # a bar on a terminal only; logs and CI get the epoch metrics
        )
        for step in bar:
            rows = batches[step]
            batch = collate([features[i] for i in rows]).to(device)
            with autocast:
                logits = net(**batch).logits
            weights = row_weights[rows].to(device)
            per_row = loss_fn(logits.float(), targets[rows].to(device)).mean(dim=1)
            loss = (per_row * weights).sum() / weights.sum().clamp_min(1e-8)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), p.max_grad_norm)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}", refresh=False)
        bar.close()
        scores = model.predict_proba(validation.texts)
        val_f1 = macro_f1(validation.labels, scores >= 0.5)
        # One plain line per epoch: the bar shows only on a terminal, logs need progress too.
        print(
            f"epoch {epoch + 1}/{p.epochs}: train_loss {np.mean(losses):.4f} "
            f"val_macro_f1 {val_f1:.4f} ({time.perf_counter() - epoch_start:.0f}s)",
            file=sys.stderr,
        )
        if log_epoch is not None:
            log_epoch(
                epoch,
                {
                    "train_loss": float(np.mean(losses)),
                    "val_loss": bce_loss(validation.labels, scores),
                    "val_macro_f1": val_f1,
                },
            )
        if val_f1 > state["best_f1"]:
            state.update(best_f1=val_f1, best=_trainable_state(net), bad_epochs=0)
        else:
            state["bad_epochs"] += 1
        state["epoch"] = epoch + 1
        if checkpoint is not None:
            _save_checkpoint(checkpoint, state, net, optimizer, scheduler, scaler)
        if state["bad_epochs"] >= p.patience:
            break
    if state["best"] is not None:
        net.load_state_dict(state["best"], strict=False)
    net.eval()


def _save_checkpoint(
    path: Path,
    state: dict[str, Any],
    net: torch.nn.Module,
    optimizer: Any,
    scheduler: Any,
    scaler: Any,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        **state,
        "weights": _trainable_state(net),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "rng": {
            "python": random.getstate(),
            "numpy": np.random.get_state(),
            "torch": torch.get_rng_state(),
        },
    }
    with atomic_path(path) as tmp:  # never leave a half-written checkpoint behind
        torch.save(payload, tmp)


def _load_checkpoint(
    path: Path | None, net: torch.nn.Module, optimizer: Any, scheduler: Any, scaler: Any
) -> dict[str, Any]:
    if path is None or not path.exists():
        raise ConfigError(f"--resume: no checkpoint at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=False)
    net.load_state_dict(payload["weights"], strict=False)
    optimizer.load_state_dict(payload["optimizer"])
    scheduler.load_state_dict(payload["scheduler"])
    if scaler is not None and payload.get("scaler"):
        scaler.load_state_dict(payload["scaler"])
    random.setstate(payload["rng"]["python"])
    np.random.set_state(payload["rng"]["numpy"])
    torch.set_rng_state(payload["rng"]["torch"])
    return {key: payload[key] for key in ("epoch", "best_f1", "best", "bad_epochs")}
