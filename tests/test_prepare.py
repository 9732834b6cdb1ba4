"""`classifier prepare`: grouped, stratified, deterministic splits; refusal of bad annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from classifier.config import load_config
from classifier.data.annotations import sentence_hash
from classifier.data.dataset import DataConfig, SourceConfig, collect_rows, prepare
from classifier.text.documents import iter_documents
from helpers import SEED_GOLD, SEEDS, run_cli, write_jsonl

LABEL_CYCLE = [["violation_reported"], [], ["exhortation", "legal_citation"], ["no_violation"], []]


def make_project(root: Path, n_articles: int = 30) -> Path:
    """A tiny synthetic corpus with complete annotations; returns the config path."""
    rows = [
        {
            "id": f"art-{i:02d}",
            "text": f"KOTA{i} – Kalimat pertama nomor {i}. Kalimat kedua tentang ASN {i}.\n"
            f"Paragraf baru ke-{i} di sini.",
        }
        for i in range(n_articles)
    ]
    write_jsonl(root / "raw" / "articles.jsonl", rows)
    annotations = []
    for document in iter_documents([root / "raw" / "articles.jsonl"]):
        for s in document.sentences:
            labels = LABEL_CYCLE[(int(document.id[-2:]) + s.index) % len(LABEL_CYCLE)]
            annotations.append(
                {
                    "article_id": document.id,
                    "sentence_index": s.index,
                    "sentence_hash": sentence_hash(s.text),
                    "labels": labels,
                    "annotator": "test",
                }
            )
    write_jsonl(root / "ann" / "gold.jsonl", annotations)
    config = {
        "output_dir": str(root / "processed"),
        "seed": 1,
        "sources": [
            {
                "name": "synthetic",
                "path": str(root / "raw" / "articles.jsonl"),
                "annotations": str(root / "ann"),
                "synthetic": True,
                "complete": True,
            }
        ],
    }
    path = root / "data.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_grouped_and_deterministic(tmp_path: Path) -> None:
    config = load_config(make_project(tmp_path), DataConfig)
    first = prepare(config, log=lambda _: None).rows
    second = prepare(config, log=lambda _: None).rows
    assert first == second
    articles = {split: {r["article_id"] for r in rows} for split, rows in first.items()}
    assert all(articles.values())
    assert not (articles["train"] & articles["validation"])
    assert not (articles["train"] & articles["test"])
    assert not (articles["validation"] & articles["test"])
    assert sum(len(v) for v in articles.values()) == 30
    other = prepare(load_config(make_project(tmp_path), DataConfig, ["seed=2"]), log=lambda _: None)
    assert other.rows != first  # the seed matters
    # stratification: every label present in every split
    for rows in first.values():
        present = {label for r in rows for label in r["labels"]}
        assert present == {"violation_reported", "no_violation", "exhortation", "legal_citation"}


def test_cli_writes_parquet_and_card(tmp_path: Path) -> None:
    result = run_cli("prepare", "--config", str(make_project(tmp_path)))
    assert result.returncode == 0, result.stderr
    train = pd.read_parquet(tmp_path / "processed" / "train.parquet")
    for column in ("id", "article_id", "sentence_index", "text", "labels", "source"):
        assert column in train.columns
    assert train["source"].eq("synthetic").all()
    test = pd.read_parquet(tmp_path / "processed" / "test.parquet")
    written = [json.loads(line) for line in (tmp_path / "processed" / "test_articles.jsonl").open()]
    assert [a["id"] for a in written] == list(dict.fromkeys(test["article_id"]))
    raw = {
        r["id"]: r["text"] for r in map(json.loads, (tmp_path / "raw" / "articles.jsonl").open())
    }
    assert all(a["text"] == raw[a["id"]] for a in written)  # raw text, not the cleaned one
    card = (tmp_path / "processed" / "README.md").read_text("utf-8")
    assert "synthetic share: **100.0%**" in card and "co-occurrence" in card


def _expect_refusal(config: Path, needle: str, tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    before = sorted(p.name for p in processed.iterdir()) if processed.exists() else None
    result = run_cli("prepare", "--config", str(config))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert needle in lines[0]
    after = sorted(p.name for p in processed.iterdir()) if processed.exists() else None
    assert before == after  # nothing partial written, nothing lost
    assert not list(tmp_path.glob(".processed*"))


def test_refuses_hash_mismatch(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    assert run_cli("prepare", "--config", str(config)).returncode == 0
    gold = tmp_path / "ann" / "gold.jsonl"
    rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines()]
    rows[3]["sentence_hash"] = "0" * 16
    write_jsonl(gold, rows)
    _expect_refusal(config, "do not match the current sentences", tmp_path)


def test_refuses_unknown_label_with_line(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    gold = tmp_path / "ann" / "gold.jsonl"
    rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines()]
    rows[4]["labels"] = ["violations"]
    write_jsonl(gold, rows)
    _expect_refusal(config, "gold.jsonl:5: unknown label 'violations'", tmp_path)


def test_refuses_unknown_config_key(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    data = yaml.safe_load(config.read_text("utf-8"))
    data["sources"][0]["pathh"] = "x"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    _expect_refusal(config, "unknown key 'sources.pathh'", tmp_path)
    result = run_cli("prepare", "--config", str(make_project(tmp_path)), "--set", "sed=3")
    assert result.returncode != 0 and "unknown key 'sed'" in result.stderr


@pytest.mark.parametrize("case", ["missing", "empty_dir", "non_utf8", "bad_json", "no_text", "csv"])
def test_bad_inputs_through_cli(tmp_path: Path, case: str) -> None:
    config = make_project(tmp_path)
    data = yaml.safe_load(config.read_text("utf-8"))
    source = data["sources"][0]
    bad = tmp_path / "bad"
    bad.mkdir()
    if case == "missing":
        source["path"] = str(tmp_path / "nowhere.jsonl")
        needle = "no such file"
    elif case == "empty_dir":
        source["path"] = str(bad)
        needle = "no .txt, .jsonl or .csv files"
    elif case == "non_utf8":
        (bad / "a.txt").write_bytes(b"ASN \xff netral.")
        source["path"] = str(bad)
        needle = "byte offset 4"
    elif case == "bad_json":
        (bad / "a.jsonl").write_text('{"id": 1, "text": "x."}\n{oops\n', encoding="utf-8")
        source["path"] = str(bad / "a.jsonl")
        needle = "a.jsonl:2: not valid JSON"
    elif case == "no_text":
        (bad / "a.jsonl").write_text('{"id": 1, "body": "x."}\n', encoding="utf-8")
        source["path"] = str(bad / "a.jsonl")
        needle = "a.jsonl:1: record has no 'text'"
    else:
        (bad / "a.csv").write_text("id,body\n1,x\n", encoding="utf-8")
        source["path"] = str(bad / "a.csv")
        needle = "no 'text' column"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    _expect_refusal(config, needle, tmp_path)


def test_optional_source_absent_is_one_line_note(tmp_path: Path) -> None:
    config = make_project(tmp_path)
    data = yaml.safe_load(config.read_text("utf-8"))
    data["sources"].append(
        {
            "name": "clickid",
            "path": str(tmp_path / "absent.jsonl"),
            "annotations": str(tmp_path / "ann_c"),
            "optional": True,
        }
    )
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_cli("prepare", "--config", str(config))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "clickid" in line]
    assert len(notes) == 1 and "building without it" in notes[0]


def test_seed_gold_is_complete_and_matches() -> None:
    """Every sentence of every cleaned seed article carries a gold label."""
    config = DataConfig(sources=[SourceConfig("seed", SEEDS, SEED_GOLD, complete=True)])
    rows, skipped = collect_rows(config, log=lambda _: None)
    assert not skipped and len(rows) >= 70
    assert {r["annotator"] for r in rows} <= {"gold-a", "gold-b", "adjudicated"}
