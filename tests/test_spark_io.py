"""Spark's input side without a Spark session: input grouping and the executors' splitter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from classifier.errors import InputError
from classifier.scale.spark_io import (
    ARTICLE_READERS,
    INPUT_ERROR_MARK,
    SENTENCE_READERS,
    _group_inputs,
    split_articles,
)
from classifier.text.documents import iter_documents


def test_inputs_are_grouped_by_reader(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,text\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("x", encoding="utf-8")
    groups = _group_inputs([tmp_path], ARTICLE_READERS)
    assert {fmt: [Path(p).name for p in paths] for fmt, paths in groups.items()} == {
        "json": ["a.jsonl"],
        "csv": ["b.csv"],
        "text": ["c.txt"],
    }
    remote = _group_inputs(["s3a://bucket/news/*.jsonl"], SENTENCE_READERS)
    assert remote == {"json": ["s3a://bucket/news/*.jsonl"]}
    with pytest.raises(InputError, match=r"not \.txt"):
        _group_inputs([tmp_path / "c.txt"], SENTENCE_READERS)
    with pytest.raises(InputError, match="no such file"):
        _group_inputs([tmp_path / "absent.jsonl"], SENTENCE_READERS)


def test_executor_splitter_matches_the_local_pipeline(tmp_path: Path) -> None:
    text = "KOTA – Bawaslu menemukan dua ASN melanggar netralitas. Bupati meminta ASN netral."
    batch = pd.DataFrame(
        [{"id": "a1", "text": text, "title": None, "date": None, "url": None, "source": None,
          "_origin": "in.jsonl:1"}]
    )  # fmt: skip
    (out,) = list(split_articles(iter([batch])))
    source = tmp_path / "in.jsonl"
    source.write_text(f'{{"id": "a1", "text": "{text}"}}\n', encoding="utf-8")
    (document,) = list(iter_documents([source]))
    assert out["text"].tolist() == [s.text for s in document.sentences]
    assert out["start"].tolist() == [s.start for s in document.sentences]
    empty = batch.assign(text="   ")
    with pytest.raises(InputError, match=f"^{INPUT_ERROR_MARK}in.jsonl:1: .*empty article"):
        list(split_articles(iter([empty])))
