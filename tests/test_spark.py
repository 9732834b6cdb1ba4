"""Spark batch inference (``classifier.scale.spark``) in ``local[2]`` agrees with the local predictor."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from classifier import Predictor
from classifier.errors import InputError, OutputError
from classifier.inference.predict import read_sentence_rows
from classifier.labels import LABEL_IDS
from classifier.scale.spark import predict_spark, spark_session
from classifier.training.train import load_train_config, run_training
from helpers import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TEMPLATES = [
    "Bawaslu {place} menemukan {n} ASN melanggar netralitas saat kampanye {who}.",
    "Panwascam {place} melaporkan {n} kepala desa ikut kampanye {who}.",
    "Seorang camat di {place} diperiksa karena memakai atribut {who}.",
    "Hingga hari ke-{n} Bawaslu {place} tidak menemukan pelanggaran netralitas ASN.",
    "Laporan dugaan ASN {place} berpihak pada {who} dihentikan karena tidak terbukti.",
    "Bupati {place} meminta seluruh ASN tetap netral menjelang Pilkada.",
    "Sekda {place} mengingatkan {n} pegawai agar tidak mengunggah dukungan untuk {who}.",
    "ASN di {place} dilarang hadir dalam kampanye {who}, kata Kepala BKPSDM.",
    "Aturan itu tercantum dalam UU Nomor {n} Tahun 2023 tentang ASN.",
    "Sanksi diatur dalam PP 94/2021 tentang Disiplin PNS, ujar pejabat {place}.",
    "Pasal 280 UU 7/2017 melarang ASN terlibat kampanye {who}.",
    "SKB lima menteri tentang netralitas ASN dibacakan di {place} pada hari ke-{n}.",
    "Warga {place} memadati pasar pada pagi hari ke-{n}.",
    "Hujan deras mengguyur {place} sejak sore hingga malam.",
    "Harga cabai di {place} naik {n} persen pekan ini.",
    "Tim {who} membagikan {n} paket sembako di {place}.",
]
PLACES = ["Banjar", "Kukar", "Bintan", "Garut", "Sleman", "Bone", "Poso", "Ambon", "Bima", "Sigi"]
TAILS = [
    "",
    " kemarin",
    " pada Senin",
    " pekan lalu",
    " menurut warga",
    " di depan wartawan",
    " sore tadi",
]
WHO = ["pasangan calon nomor urut 1", "petahana", "calon legislatif", "partai politik"]


def make_sentences(count: int) -> list[str]:
    """``count`` short, varied Indonesian sentences from the templates above."""
    sentences = []
    for i in range(count):
        text = TEMPLATES[i % len(TEMPLATES)].format(
            place=PLACES[(i // len(TEMPLATES)) % len(PLACES)], who=WHO[i % 3], n=i % 97 + 2
        )
        tail = TAILS[(i // (len(TEMPLATES) * len(PLACES))) % len(TAILS)]
        sentences.append(text[:-1] + tail + text[-1])
    return sentences


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """One local[2] session for the module (its start time is printed with ``-s``)."""
    if shutil.which("java") is None:
        pytest.skip("Java is missing: Spark check skipped")
    start = time.perf_counter()
    session = spark_session("local[2]")
    print(f"\nSpark session start: {time.perf_counter() - start:.1f} s")
    yield session
    session.stop()


@pytest.fixture
def model_uri(prepared: Path, tracking: str) -> str:
    cfg = load_train_config(
        ROOT / "configs" / "tfidf.yaml", [f"data_dir={prepared}", "bootstrap_resamples=20"]
    )
    run_training(cfg)
    return "models:/asn-neutrality-tfidf@candidate"


def test_spark_sentences_equal_local_predictor(
    spark: object, model_uri: str, tmp_path: Path
) -> None:
    texts = make_sentences(1000)
    assert len(set(texts)) > 900
    # 600 rows with ids in JSONL, 400 without ids in CSV (ids default to <stem>-<row>).
    jsonl = write_jsonl(
        tmp_path / "in" / "with_ids.jsonl",
        [{"id": f"s{i:04d}", "text": t} for i, t in enumerate(texts[:600])],
    )
    with (tmp_path / "in" / "no_ids.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts[600:])
    rows = list(read_sentence_rows([jsonl, tmp_path / "in" / "no_ids.csv"]))
    expected = Predictor.load(model_uri).predict_sentences([r["text"] for r in rows])

    out = tmp_path / "out.parquet"
    start = time.perf_counter()
    count = predict_spark(model_uri, [tmp_path / "in"], out, "sentences", spark=spark)
    print(f"\nSpark local[2], 1,000 sentences: {time.perf_counter() - start:.1f} s")

    assert count == 1000
    got = pd.read_parquet(out).set_index("id")
    assert list(got.columns) == ["text", "labels", "scores"]
    assert sorted(got.index) == sorted(r["id"] for r in rows)
    for row, local in zip(rows, expected, strict=True):
        spark_row = got.loc[row["id"]]
        assert spark_row["text"] == row["text"]
        assert list(spark_row["labels"]) == local["labels"], row
        for label in LABEL_IDS:
            assert abs(spark_row["scores"][label] - local["scores"][label]) <= 1e-6
    # Not every sentence gets the same answer: the comparison is not trivially true.
    assert len({tuple(r["labels"]) for r in expected}) >= 3


def test_spark_articles_equal_local_predictor(
    spark: object, model_uri: str, seeds_dir: Path, tmp_path: Path
) -> None:
    texts = make_sentences(48)
    articles = [
        {"id": f"news-{a}", "title": f"Berita {a}", "text": " ".join(texts[a * 12 : a * 12 + 12])}
        for a in range(4)
    ]
    jsonl = write_jsonl(tmp_path / "articles.jsonl", articles)
    seeds = sorted(seeds_dir.glob("*.txt"))[:3]
    inputs = [jsonl, *seeds]
    expected = {
        (s["article_id"], s["sentence_index"]): s
        for article in Predictor.load(model_uri).predict_articles(inputs)
        for s in article.sentences
    }

    out = tmp_path / "sentences.jsonl"
    count = predict_spark(model_uri, inputs, out, "articles", "jsonl", spark=spark)

    got = [json.loads(line) for part in sorted(out.glob("part-*")) for line in part.open()]
    assert count == len(got) == len(expected)
    assert {r["article_id"] for r in got} == {"news-0", "news-1", "news-2", "news-3"} | {
        p.stem for p in seeds
    }
    for row in got:
        local = expected[(row["article_id"], row["sentence_index"])]
        assert (row["start"], row["end"], row["text"]) == (
            local["start"],
            local["end"],
            local["text"],
        )
        assert row["labels"] == local["labels"], row
        assert row["scores"] == pytest.approx(local["scores"], abs=1e-6)

    # An existing output is kept unless overwrite; a bad input fails in one line, leaving
    # neither output nor temporary directories.
    with pytest.raises(OutputError, match="already exists"):
        predict_spark(model_uri, inputs, out, "articles", "jsonl", spark=spark)
    assert predict_spark(model_uri, [jsonl], out, "articles", "jsonl", spark=spark, overwrite=True)
    assert {json.loads(line)["article_id"] for p in out.glob("part-*") for line in p.open()} == {
        a["id"] for a in articles
    }
    bad = write_jsonl(tmp_path / "bad.jsonl", [*articles, {"id": "empty", "text": "   "}])
    with pytest.raises(InputError, match="empty article text") as failure:
        predict_spark(model_uri, [bad], tmp_path / "bad_out", "articles", spark=spark)
    assert "\n" not in str(failure.value)
    assert not (tmp_path / "bad_out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".old"))]


def test_cli_engine_spark(model_uri: str, seeds_dir: Path, tmp_path: Path) -> None:
    """``classifier predict --engine spark`` writes the rows of the local engine (own session)."""
    if shutil.which("java") is None:
        pytest.skip("Java is missing: Spark check skipped")
    local, spark_out = tmp_path / "local.jsonl", tmp_path / "spark.parquet"
    common = ["-m", model_uri, "-i", str(seeds_dir)]
    for extra in (["-o", str(local)], ["-o", str(spark_out), "--engine", "spark"]):
        done = subprocess.run(
            [sys.executable, "-m", "classifier.cli", "predict", *common, *extra],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    assert "with Spark (local[2])" in done.stdout
    expected = {
        (r["article_id"], r["sentence_index"]): r["labels"]
        for r in map(json.loads, local.read_text("utf-8").splitlines())
    }
    got = pd.read_parquet(spark_out)
    assert len(got) == len(expected) > 50
    for row in got.itertuples():
        assert list(row.labels) == expected[(row.article_id, row.sentence_index)]
