"""The predict-time fast path: a lower numeric precision, used only where it keeps the labels.

A kind that can run faster in another precision (the transformer in bf16, on a CPU with
AVX512-BF16/AMX or a GPU with bf16) says so through ``SentenceModel.fast_precision``. Training
checks that precision against fp32 on the validation split and saves the result with the model
(``fast_path`` in its metadata). Loading then uses the fast precision by default, but only when
that check passed and this machine runs it natively; ``--precision fp32`` always wins.

Why bf16 and not int8: on the e5-small model int8 dynamic quantisation kept only 88.8-96.4% of
the label sets (see experiments/results/bench_predict.md), while bf16 keeps >= 99.8%.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from classifier.errors import ConfigError

if TYPE_CHECKING:
    from classifier.models.base import SentenceModel

PRECISIONS = ("auto", "fp32", "bf16")
PARITY_MINIMUM = 0.99  # share of sentences whose label set must equal fp32's

# The precision the next load_model() call should use. A context variable rather than an
# argument because MLflow's pyfunc loader calls load_model() and cannot pass one through.
_REQUESTED: ContextVar[str] = ContextVar("classifier_precision", default="auto")


@contextmanager
def requested_precision(precision: str) -> Iterator[None]:
    """Load models inside this block in ``precision`` (auto, fp32 or bf16)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    token = _REQUESTED.set(precision)
    try:
        yield
    finally:
        _REQUESTED.reset(token)


def native_bf16(device: Any) -> bool:
    """Whether ``device`` multiplies bf16 matrices in hardware (else bf16 is slower than fp32)."""
    import torch

    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    # Private but stable helpers of torch.cpu; absent ones count as "no".
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)


@dataclass
class FastPathCheck:
    """Label agreement of a faster precision with fp32 on held-out sentences."""

    precision: str
    agreement: float
    sentences: int
    minimum: float = PARITY_MINIMUM
    fp32_sentences_per_second: float = 0.0
    fast_sentences_per_second: float = 0.0

    @property
    def passed(self) -> bool:
        """At least ``minimum`` of the sentences keep exactly their fp32 label set."""
        return self.agreement >= self.minimum

    def to_dict(self) -> dict[str, Any]:
        """The record saved in the model's metadata."""
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_dict(cls, record: dict[str, Any] | None) -> FastPathCheck | None:
        """Read a saved record back (None when the model has none)."""
        if not record:
            return None
        fields = cls.__dataclass_fields__
        return cls(**{key: value for key, value in record.items() if key in fields})

    def describe(self) -> str:
        """One line for logs and the predict summary."""
        verdict = "on" if self.passed else f"off (below {self.minimum:.0%})"
        return (
            f"{self.precision} fast path {verdict}: label agreement with fp32 "
            f"{self.agreement:.2%} on {self.sentences} validation sentences"
        )


def label_agreement(before: np.ndarray, after: np.ndarray) -> float:
    """Share of rows whose whole label set is the same in two 0/1 label matrices."""
    return float(np.mean(np.all(before == after, axis=1)))


def check_fast_path(
    model: SentenceModel, texts: Sequence[str], minimum: float = PARITY_MINIMUM
) -> tuple[FastPathCheck, SentenceModel] | None:
    """Compare the model's fast precision with fp32 on ``texts``.

    Returns the check and the model converted to the fast precision (``model`` itself stays in
    fp32), or None when the kind has no faster precision on this machine.
    """
    precision = model.fast_precision()
    if precision is None or not texts:
        return None
    texts = list(texts)
    start = time.perf_counter()
    before = model.predict(texts)
    fp32_rate = len(texts) / max(time.perf_counter() - start, 1e-9)
    fast = model.to_precision(precision)
    start = time.perf_counter()
    after = fast.predict(texts)
    fast_rate = len(texts) / max(time.perf_counter() - start, 1e-9)
    agreement = label_agreement(before, after)
    check = FastPathCheck(precision, agreement, len(texts), minimum, fp32_rate, fast_rate)
    return check, fast


def precision_to_load(model: SentenceModel, requested: str) -> str:
    """The precision a freshly loaded model should run in, given what was requested.

    ``auto`` takes the fast precision only if the model's saved check passed and this machine
    runs that precision natively; an explicit precision is taken as asked (a forced bf16 is
    checked by the caller, which holds the parity sentences).
    """
    if requested != "auto":
        return requested
    check = FastPathCheck.from_dict(model.fast_path)
    if check is not None and check.passed and model.fast_precision() == check.precision:
        return check.precision
    return "fp32"


def current_request() -> str:
    """The precision requested for loads in this context (``auto`` unless told)."""
    return _REQUESTED.get()
