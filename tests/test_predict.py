"""Batch prediction: modes agree, API and CLI agree, streaming memory, atomic outputs, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from classifier import Predictor
from classifier.errors import ConfigError, InputError
from classifier.inference.predict import PredictOptions, run_predict
from helpers import assert_one_line_error, run_cli, write_jsonl

ARTICLES = [
    {
        "id": "a1",
        "text": "KOTA – Bawaslu Kota menemukan dua ASN melanggar netralitas saat kampanye. "
        "Bupati meminta seluruh ASN tetap netral dalam Pilkada.\nAturan itu tercantum dalam UU Nomor "
        "20 Tahun 2023 tentang ASN. Warga memadati pasar pada pagi hari.",
    },
    {
        "id": "a2",
        "text": "Hingga kini Bawaslu tidak menemukan pelanggaran netralitas ASN. Harga "
        "cabai naik lagi.\nPasal 280 ayat (2) UU 7/2017 melarang pelaksana kampanye melibatkan kepala desa.",
    },
]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_article_and_sentence_modes_agree_and_api_matches_cli(
    model_dir: Path, tmp_path: Path
) -> None:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    out = tmp_path / "out.jsonl"
    result = run_cli(
        "predict",
        "-m",
        str(model_dir),
        "-i",
        str(articles),
        "-o",
        str(out),
        "--summary",
        str(tmp_path / "summary.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(out)
    assert [r["article_id"] for r in rows] == ["a1"] * 4 + ["a2"] * 3
    cleaned = {a["id"]: a["text"] for a in ARTICLES}  # already clean: offsets index the text
    for row in rows:
        assert cleaned[row["article_id"]][row["start"] : row["end"]] == row["text"]
        assert set(row["scores"]) == {
            "violation_reported",
            "no_violation",
            "exhortation",
            "legal_citation",
        }
    sentences = write_jsonl(
        tmp_path / "sentences.jsonl",
        [{"id": f"s{i}", "text": r["text"]} for i, r in enumerate(rows)],
    )
    out2 = tmp_path / "out2.jsonl"
    assert (
        run_cli(
            "predict",
            "-m",
            str(model_dir),
            "-i",
            str(sentences),
            "-o",
            str(out2),
            "--input-type",
            "sentences",
        ).returncode
        == 0
    )
    rows2 = read_jsonl(out2)
    assert [r["labels"] for r in rows2] == [r["labels"] for r in rows]
    assert [r["id"] for r in rows2] == [f"s{i}" for i in range(len(rows))]
    # Python API
    predictor = Predictor.load(str(model_dir))
    api = list(predictor.predict_articles([articles]))
    assert [s["labels"] for a in api for s in a.sentences] == [r["labels"] for r in rows]
    assert [p["labels"] for p in predictor.predict_sentences([r["text"] for r in rows])] == [
        r["labels"] for r in rows
    ]
    summary = read_jsonl(tmp_path / "summary.jsonl")
    assert summary == [a.summary for a in api]
    first = summary[0]
    assert first["count_legal_citation"] == sum("legal_citation" in r["labels"] for r in rows[:4])
    assert first["has_violation_report"] == (first["count_violation_reported"] > 0)
    if first["count_legal_citation"]:
        assert "UU 20/2023" in first["legal_instruments"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_outputs(model_dir: Path, tmp_path: Path, fmt: str) -> None:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    out = tmp_path / f"out.{fmt}"
    assert (
        run_cli("predict", "-m", str(model_dir), "-i", str(articles), "-o", str(out)).returncode
        == 0
    )
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert len(frame) == 7 and "text" in frame.columns
    assert ("score_exhortation" in frame.columns) if fmt == "csv" else ("scores" in frame.columns)


def test_bad_inputs_give_one_line_errors_and_no_output(model_dir: Path, tmp_path: Path) -> None:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    out = tmp_path / "out.jsonl"
    assert_one_line_error(
        run_cli("predict", "-m", str(tmp_path / "no-model"), "-i", str(articles), "-o", str(out)),
        "no such directory",
    )
    assert_one_line_error(
        run_cli("predict", "-m", "models:/nope@champion", "-i", str(articles), "-o", str(out)),
        "cannot be loaded",
    )
    (tmp_path / "empty").mkdir()
    assert_one_line_error(
        run_cli("predict", "-m", str(model_dir), "-i", str(tmp_path / "empty"), "-o", str(out)),
        "no .txt, .jsonl or .csv files",
    )
    bad_csv = tmp_path / "s.csv"
    bad_csv.write_text("id,body\n1,x\n", encoding="utf-8")
    assert_one_line_error(
        run_cli(
            "predict",
            "-m",
            str(model_dir),
            "-i",
            str(bad_csv),
            "-o",
            str(out),
            "--input-type",
            "sentences",
        ),
        "no 'text' column",
    )
    bad_rows = write_jsonl(tmp_path / "s.jsonl", [{"id": 1, "text": "ok"}, {"id": 2, "txt": "x"}])
    assert_one_line_error(
        run_cli(
            "predict",
            "-m",
            str(model_dir),
            "-i",
            str(bad_rows),
            "-o",
            str(out),
            "--input-type",
            "sentences",
        ),
        "s.jsonl:2",
    )
    (tmp_path / "bad.txt").write_bytes(b"ASN \xff netral.")
    assert_one_line_error(
        run_cli("predict", "-m", str(model_dir), "-i", str(tmp_path / "bad.txt"), "-o", str(out)),
        "not valid UTF-8",
    )
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert_one_line_error(
        run_cli(
            "predict", "-m", str(model_dir), "-i", str(articles), "-o", str(blocker / "o.jsonl")
        ),
        "not writable",
    )
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_existing_output_needs_overwrite(model_dir: Path, tmp_path: Path) -> None:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    assert_one_line_error(
        run_cli("predict", "-m", str(model_dir), "-i", str(articles), "-o", str(out)), "--overwrite"
    )
    assert out.read_text("utf-8") == "keep me\n"
    assert (
        run_cli(
            "predict", "-m", str(model_dir), "-i", str(articles), "-o", str(out), "--overwrite"
        ).returncode
        == 0
    )
    assert len(read_jsonl(out)) == 7


def test_error_mid_stream_leaves_no_partial_output(model_dir: Path, tmp_path: Path) -> None:
    rows = [
        {"id": f"x{i}", "text": f"ASN nomor {i} diminta netral. Warga {i} datang."}
        for i in range(3000)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    options = PredictOptions(str(model_dir), [path], out, overwrite=True, chunk_sentences=500)
    with pytest.raises(InputError, match=r"big\.jsonl:3001"):
        run_predict(options)
    assert out.read_text("utf-8") == "previous results\n"  # nothing already written is lost
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_interrupt_leaves_no_partial_output(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", [{"id": f"x{i}", "text": "ASN diminta netral."} for i in range(50)]
    )
    calls = {"n": 0}
    real = Predictor.predict_documents

    def interrupt_second_chunk(self: Predictor, documents: list) -> list:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, documents)

    monkeypatch.setattr(Predictor, "predict_documents", interrupt_second_chunk)
    out = tmp_path / "out.parquet"
    with pytest.raises(KeyboardInterrupt):
        run_predict(
            PredictOptions(
                str(model_dir), [path], out, summary=tmp_path / "s.jsonl", chunk_sentences=10
            )
        )
    assert calls["n"] == 2
    assert not out.exists() and not (tmp_path / "s.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_streaming_keeps_memory_bounded(model_dir: Path, tmp_path: Path) -> None:
    """Peak RSS barely moves when the input grows 10x (rows stream through in chunks)."""
    script = (
        "import resource, sys; from pathlib import Path;"
        "from classifier.inference.predict import PredictOptions, run_predict;"
        "run_predict(PredictOptions(sys.argv[1], [Path(sys.argv[2])], Path(sys.argv[3]),"
        " input_type='sentences', chunk_sentences=1000));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    peaks = {}
    for n in (2_000, 20_000):
        source = tmp_path / f"s{n}.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for i in range(n):
                handle.write(
                    json.dumps(
                        {
                            "id": i,
                            "text": f"Kalimat ke-{i} tentang ASN yang "
                            f"diminta netral dan Pasal {i % 400} UU 7/2017.",
                        }
                    )
                    + "\n"
                )
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                str(model_dir),
                str(source),
                str(tmp_path / f"o{n}.jsonl"),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        peaks[n] = int(result.stdout.strip().splitlines()[-1]) / 1024
        assert sum(1 for _ in (tmp_path / f"o{n}.jsonl").open()) == n
    # 18,000 more rows of ~700 bytes each would add >12 MB if they were all held in memory.
    assert peaks[20_000] - peaks[2_000] < 25, peaks


def test_quantize_refuses_non_transformer(model_dir: Path) -> None:
    with pytest.raises(ConfigError, match="transformer models only"):
        Predictor.load(str(model_dir), quantize=True, parity_texts=["x"])


def test_spark_engine_rejects_local_only_options(model_dir: Path, tmp_path: Path) -> None:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    out = tmp_path / "out.parquet"
    base = ("predict", "-m", str(model_dir), "-i", str(articles), "-o", str(out))
    assert_one_line_error(
        run_cli(*base, "--engine", "spark", "--summary", str(tmp_path / "s.jsonl")), "--summary"
    )
    assert_one_line_error(
        run_cli(*base, "--engine", "spark", "--quantize"), "--quantize is not available"
    )
    assert_one_line_error(run_cli(*base, "--engine", "ray"), "--engine must be 'local' or 'spark'")
    assert not out.exists()
