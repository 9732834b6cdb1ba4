"""The label schema: the single source of truth for label ids, display names and descriptions.

Mirrors ``shared/labels.md``. The task is multi-label; the empty set is shown as ``other``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from classifier.errors import AnnotationError

OTHER = "other"


@dataclass(frozen=True)
class Label:
    """One label of the schema."""

    id: str
    name_id: str  # Indonesian display name
    description: str


LABELS: tuple[Label, ...] = (
    Label(
        "violation_reported",
        "pelanggaran dilaporkan",
        "Reports that a neutrality violation happened, was found, alleged, reported, is under "
        "investigation or was sanctioned: a specific case or aggregate figures.",
    ),
    Label(
        "no_violation",
        "tidak ada pelanggaran",
        "States that no violation was found, reported or proven, or that an allegation was "
        "cleared, dropped or failed for lack of evidence.",
    ),
    Label(
        "exhortation",
        "imbauan",
        "Urges, appeals to, reminds, instructs or warns people to stay neutral or obey the "
        "neutrality rules; normative must/must-not statements; sanction warnings; pledges.",
    ),
    Label(
        "legal_citation",
        "rujukan hukum",
        "Names a specific legal instrument (UU, PP, Permen, SKB, Surat Edaran, Perbawaslu, "
        "Pasal ...) by number, established name or full title, whatever the topic.",
    ),
)

LABEL_IDS: tuple[str, ...] = tuple(label.id for label in LABELS)
LABEL_INDEX: dict[str, int] = {label_id: i for i, label_id in enumerate(LABEL_IDS)}
LABELS_BY_ID: dict[str, Label] = {label.id: label for label in LABELS}


def validate_labels(labels: Iterable[str], where: str = "") -> list[str]:
    """Return ``labels`` de-duplicated in schema order, or raise on an unknown label.

    ``other`` is accepted as an explicit spelling of the empty set, but not mixed with labels.
    """
    given = list(labels)
    prefix = f"{where}: " if where else ""
    if not all(isinstance(label, str) for label in given):
        raise AnnotationError(f"{prefix}labels must be strings, got {given!r}")
    # Ids are snake_case; accept any letter case and stray spaces from hand-edited files.
    given = [label.strip().casefold() for label in given]
    if OTHER in given:
        if len(set(given)) > 1:
            raise AnnotationError(f"{prefix}'{OTHER}' cannot be combined with other labels")
        return []
    unknown = [label for label in given if label not in LABEL_INDEX]
    if unknown:
        raise AnnotationError(
            f"{prefix}unknown label {unknown[0]!r} (known: {', '.join(LABEL_IDS)}, {OTHER})"
        )
    return sorted(set(given), key=LABEL_INDEX.__getitem__)


def to_multi_hot(labels: Sequence[str]) -> list[int]:
    """Encode a label list as a 0/1 vector in schema order."""
    vector = [0] * len(LABEL_IDS)
    for label in labels:
        vector[LABEL_INDEX[label]] = 1
    return vector


def from_multi_hot(vector: Sequence[int | bool | float]) -> list[str]:
    """Decode a 0/1 vector in schema order to a label list."""
    return [label_id for label_id, on in zip(LABEL_IDS, vector, strict=True) if on]


def display(labels: Sequence[str]) -> str:
    """Human-readable form of a label set: ``other`` for the empty set."""
    return "+".join(labels) if labels else OTHER
