"""Ingestion from .txt directories, JSONL and CSV, and every bad-input case."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.errors import InputError
from classifier.text.ingest import read_articles
from helpers import write_jsonl


def test_reads_txt_directory(seeds_dir: Path) -> None:
    articles = list(read_articles([seeds_dir], default_source="seed"))
    assert [a.id for a in articles] == sorted(p.stem for p in seeds_dir.glob("*.txt"))
    assert all(a.source == "seed" for a in articles)


def test_reads_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "j1", "text": "ASN wajib netral.", "title": "T", "date": "2024-11-01", "extra": 1}],
    )
    csv_path = tmp_path / "b.csv"
    csv_path.write_text('id,text,url\nc1,"Satu, dua.\nTiga.",http://x\n', encoding="utf-8")
    articles = list(read_articles([jsonl, csv_path]))
    assert [(a.id, a.title, a.date) for a in articles] == [
        ("j1", "T", "2024-11-01"),
        ("c1", None, None),
    ]
    assert articles[0].meta == {"extra": 1}
    assert articles[1].text == "Satu, dua.\nTiga." and articles[1].url == "http://x"


def _error(paths: list[Path]) -> str:
    with pytest.raises(InputError) as info:
        list(read_articles(paths))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_path(tmp_path: Path) -> None:
    assert "no such file" in _error([tmp_path / "nope.jsonl"])


def test_empty_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    assert "empty article" in _error([tmp_path / "empty.txt"])
    (tmp_path / "dir").mkdir()
    assert "no .txt, .jsonl or .csv files" in _error([tmp_path / "dir"])
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    assert "contains no articles" in _error([tmp_path / "empty.jsonl"])


def test_non_utf8_names_offset(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ASN netral.\nKata " + b"\xff\xfe")
    message = _error([bad])
    assert "byte offset 17" in message and "line 2" in message
    bad_jsonl = tmp_path / "bad.jsonl"
    bad_jsonl.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "\xc3("}\n')
    assert "bad.jsonl:2" in _error([bad_jsonl])


def test_jsonl_not_json_or_no_text(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "a", "text": "ok"}\n{not json\n', encoding="utf-8")
    assert "x.jsonl:2: not valid JSON" in _error([path])
    path.write_text('{"id": "a", "title": "no text"}\n', encoding="utf-8")
    assert "x.jsonl:1: record has no 'text'" in _error([path])


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    assert "no 'text' column" in _error([path])


def test_duplicate_ids_and_unknown_format(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "x."}, {"id": "a", "text": "y."}])
    assert "duplicate article id 'a'" in _error([path])
    other = tmp_path / "x.docx"
    other.write_text("x", encoding="utf-8")
    assert "unknown input format" in _error([other])
