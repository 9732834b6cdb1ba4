"""The Label Studio round trip: annotation tasks out, a Label Studio JSON export back in.

Tasks follow Label Studio's import format: ``data`` holds the sentence, its neighbours and
the keys that tie it to the corpus (article id, sentence index and hash); a suggestion becomes
a pre-annotation in ``predictions`` with the model version and a score. The labelling config
is ``docs/label_studio_config.xml`` (multi-label Choices named ``labels`` on ``text``, with
``other`` for the empty set). An export read back yields rows for the usual import checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifier.errors import AnnotationError, InputError
from classifier.io_utils import read_utf8
from classifier.labels import LABEL_IDS, OTHER

FROM_NAME, TO_NAME = "labels", "text"
DATA_KEYS = ("article_id", "sentence_index", "sentence_hash", "text", "context_before",
             "context_after")  # fmt: skip


def tasks(rows: list[dict[str, Any]], model_version: str) -> list[dict[str, Any]]:
    """One Label Studio task per exported row, its suggestion as a pre-annotation."""
    out = []
    for row in rows:
        # "suggested" is display form: labels joined by "+", or "other" for the empty set.
        suggested = [x for x in str(row.get("suggested", "")).split("+") if x] or [OTHER]
        prediction: dict[str, Any] = {
            "model_version": model_version,
            "result": [
                {
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "choices",
                    "value": {"choices": suggested},
                }
            ],
        }
        if row.get("confidence") is not None:
            prediction["score"] = float(row["confidence"])
        out.append(
            {"data": {key: row.get(key, "") for key in DATA_KEYS}, "predictions": [prediction]}
        )
    return out


def read_export(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``file:task N``, row) for each annotated task of a Label Studio JSON export; the row
    has the task's keys and ``labels`` from its latest submitted annotation (unannotated tasks
    come with empty labels, which the import skips)."""
    try:
        exported = json.loads(read_utf8(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(exported, list):
        raise InputError(f"{path}: a Label Studio export is a JSON list of tasks")
    for number, task in enumerate(exported, start=1):
        origin = f"{path}:task {task.get('id', number) if isinstance(task, dict) else number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise InputError(f"{origin}: not a Label Studio task (no 'data')")
        missing = [
            key
            for key in ("article_id", "sentence_index", "sentence_hash")
            if key not in task["data"]
        ]
        if missing:
            raise AnnotationError(f"{origin}: task data has no {missing[0]!r}")
        row = {key: task["data"].get(key) for key in DATA_KEYS}
        annotation = _latest(task.get("annotations") or [])
        row["labels"] = "" if annotation is None else _labels(annotation, origin)
        if annotation is not None:
            row["annotator"] = _annotator(annotation.get("completed_by"))
        yield origin, row


def _latest(annotations: list[dict[str, Any]]) -> dict[str, Any] | None:
    submitted = [a for a in annotations if not a.get("was_cancelled")]
    return (
        max(submitted, key=lambda a: str(a.get("updated_at") or a.get("id") or ""))
        if submitted
        else None
    )


def _labels(annotation: dict[str, Any], origin: str) -> list[str] | str:
    choices: list[str] = []
    for result in annotation.get("result") or []:
        if result.get("from_name") == FROM_NAME:
            choices += (result.get("value") or {}).get("choices") or []
    if OTHER in choices:
        if len(choices) > 1:
            raise AnnotationError(
                f"{origin}: '{OTHER}' together with {sorted(set(choices) - {OTHER})}"
            )
        return OTHER
    unknown = [c for c in choices if c not in LABEL_IDS]
    if unknown:
        raise AnnotationError(f"{origin}: unknown label {unknown[0]!r}")
    return choices if choices else ""


def _annotator(who: Any) -> str:
    """The annotator's email when the export embeds the user, else ``label-studio user N``
    (Label Studio's plain JSON export gives only the user id)."""
    if isinstance(who, dict):
        return str(who.get("email") or f"label-studio user {who.get('id')}")
    return f"label-studio user {who}" if who is not None else ""
