"""The Label Studio round trip, against Label Studio's documented task and export formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from classifier.labels import LABEL_IDS, OTHER
from helpers import ROOT, assert_one_line_error, run_cli, write_jsonl

CONFIG = ROOT / "docs" / "label_studio_config.xml"
ARTICLES = [
    {"id": "x1", "text": "Bawaslu menemukan ASN melanggar netralitas. Bupati meminta ASN netral."},
    {"id": "x2", "text": "Harga cabai naik. Aturan itu dalam UU Nomor 20 Tahun 2023."},
]


def test_config_names_every_label_and_the_task_fields() -> None:
    view = ET.parse(CONFIG).getroot()
    choices = view.find("Choices")
    assert (
        choices is not None and choices.get("name") == "labels" and choices.get("toName") == "text"
    )
    assert choices.get("choice") == "multiple"
    assert [c.get("value") for c in choices.findall("Choice")] == [*LABEL_IDS, OTHER]
    assert {t.get("value") for t in view.findall("Text")} == {
        "$context_before",
        "$text",
        "$context_after",
    }


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    out = tmp_path / "tasks.json"
    result = run_cli("annotate", "export", str(source), "-o", str(out), "--format", "label-studio")
    assert result.returncode == 0, result.stderr
    return out


def test_export_writes_tasks_with_pre_annotations(exported: Path) -> None:
    tasks = json.loads(exported.read_text("utf-8"))
    assert len(tasks) == 4
    first = tasks[0]
    assert first["data"]["text"] == "Bawaslu menemukan ASN melanggar netralitas."
    assert first["data"]["context_after"] == "Bupati meminta ASN netral."
    (prediction,) = first["predictions"]
    assert prediction["model_version"].startswith("classifier weak rules")
    (result,) = prediction["result"]
    assert result["from_name"] == "labels" and result["to_name"] == "text"
    assert result["type"] == "choices" and result["value"]["choices"] == ["violation_reported"]
    assert tasks[2]["predictions"][0]["result"][0]["value"]["choices"] == [OTHER]


def ls_export(tasks: list[dict], answers: dict[int, list[str]]) -> list[dict]:
    """What Label Studio's JSON export holds after people submitted ``answers`` (task index ->
    choices); an answer of [] means no annotation yet."""
    out = []
    for i, task in enumerate(tasks):
        annotations = []
        if answers.get(i):
            annotations.append({
                "id": 100 + i, "completed_by": {"id": 1, "email": "ana@example.org"},
                "result": [{"from_name": "labels", "to_name": "text", "type": "choices",
                            "value": {"choices": answers[i]}}],
                "was_cancelled": False, "updated_at": "2026-12-05T08:00:00Z",
            })  # fmt: skip
        out.append({"id": i + 1, "data": task["data"], "annotations": annotations,
                    "predictions": task["predictions"]})  # fmt: skip
    return out


def test_import_reads_a_label_studio_export(exported: Path, tmp_path: Path) -> None:
    tasks = json.loads(exported.read_text("utf-8"))
    export = tmp_path / "export.json"
    answers = {0: ["violation_reported"], 1: ["exhortation"], 2: [OTHER]}
    export.write_text(json.dumps(ls_export(tasks, answers)), "utf-8")
    into = tmp_path / "gold.jsonl"
    result = run_cli("annotate", "import", str(export), "--into", str(into), "--articles",
                     str(tmp_path / "a.jsonl"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "imported 3 rows" in result.stdout and "1 unlabelled rows skipped" in result.stdout
    rows = [json.loads(line) for line in into.read_text("utf-8").splitlines()]
    assert [(r["article_id"], r["sentence_index"], r["labels"]) for r in rows] == [
        ("x1", 0, ["violation_reported"]), ("x1", 1, ["exhortation"]), ("x2", 0, []),
    ]  # fmt: skip
    assert rows[0]["annotator"] == "ana@example.org"


@pytest.mark.parametrize(
    ("choices", "needle"),
    [(["exhortaton"], "unknown label 'exhortaton'"), ([OTHER, "exhortation"], "'other' together")],
)
def test_bad_label_studio_answers_are_refused(
    exported: Path, tmp_path: Path, choices: list[str], needle: str
) -> None:
    tasks = json.loads(exported.read_text("utf-8"))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(ls_export(tasks, {1: choices})), "utf-8")
    into = tmp_path / "gold.jsonl"
    assert_one_line_error(run_cli("annotate", "import", str(export), "--into", str(into)), needle)
    assert not into.exists()


def test_edited_text_in_label_studio_fails_the_hash_check(exported: Path, tmp_path: Path) -> None:
    tasks = json.loads(exported.read_text("utf-8"))
    tasks[0]["data"]["text"] = "Teks yang diubah."
    export = tmp_path / "export.json"
    export.write_text(json.dumps(ls_export(tasks, {0: ["violation_reported"]})), "utf-8")
    result = run_cli("annotate", "import", str(export), "--into", str(tmp_path / "g.jsonl"))
    assert_one_line_error(result, "export.json:task 1: the sentence text was edited")
