"""The raw CLICK-ID reader, on small xlsx/csv fixtures written here (invented text)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from classifier.data.clickid_raw import article_id, clean_content, fix_mojibake, read_raw_articles
from classifier.errors import InputError

HEADER = ["title", "source", "date", "category", "content", "url"]
BODY = (
    "Hujan deras mengguyur kota sejak pagi hari ini.,Warga diminta waspada terhadap banjir "
    "di kawasan hilir sungai.,Petugas sudah menyiapkan perahu karet di tiga titik posko.,"
    "Baca juga:,Sejumlah sekolah memulangkan murid lebih awal karena genangan air."
)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def row(title: str, content: str = BODY, url: str = "https://contoh.id/a") -> list[str]:
    return [title, "contoh.id", "2019-09-12", "News", content, url]


def test_separators_become_paragraphs_and_holes_close() -> None:
    text = clean_content("Kalimat satu selesai.,Kalimat dua punya ,, lubang di tengah.")
    assert text.split("\n") == ["Kalimat satu selesai.", "Kalimat dua punya lubang di tengah."]
    # A comma glued between two words is a hole where a link stood, not punctuation.
    assert (
        clean_content("Ia tinggal di,Bandung sejak kecil.") == "Ia tinggal di Bandung sejak kecil."
    )
    # A comma followed by a space is ordinary punctuation and stays.
    assert clean_content("Pagi itu, hujan turun.") == "Pagi itu, hujan turun."


def test_boilerplate_lines_and_excel_returns_are_dropped() -> None:
    text = clean_content("Editor: Budi.,Isi berita yang sebenarnya ada di sini._x000D_,loading...")
    assert text == "Isi berita yang sebenarnya ada di sini."


def test_mojibake_is_reversed_only_when_the_pattern_shows() -> None:
    broken = "‚ÄúKami siap,‚Äù katanya."
    assert fix_mojibake(broken) == "“Kami siap,” katanya."
    assert fix_mojibake("Tidak ada yang rusak.") == "Tidak ada yang rusak."


def test_reads_csv_and_xlsx_dedupes_and_skips_empty(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    raw = tmp_path / "raw"
    write_csv(
        raw / "csv" / "a.csv",
        [
            row("Banjir di hilir", url="https://contoh.id/1"),
            row("Banjir di hilir (salinan)", url="https://contoh.id/2"),  # same text: dropped
            row("Terlalu pendek", content="Singkat.", url="https://contoh.id/3"),
            row("Tanpa alamat", content=BODY.replace("Hujan", "Angin"), url=""),
        ],
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(
        row("Kabar lain", content=BODY.replace("Hujan deras", "Kemarau"), url="https://contoh.id/4")
    )
    (raw / "xlsx").mkdir()
    workbook.save(raw / "xlsx" / "b.xlsx")

    articles = list(read_raw_articles(raw))
    assert [a.id for a in articles] == [
        article_id("https://contoh.id/1"),
        article_id("https://contoh.id/4"),
    ]
    first = articles[0]
    assert first.meta == {"publisher": "contoh.id", "category": "News"}
    assert "Baca juga" not in first.text
    assert first.text.count("\n") == 3  # four paragraphs rebuilt from the separators
    assert article_id("https://contoh.id/1").startswith("clickid-") and len(article_id("x")) == 20


def test_missing_column_and_empty_directory_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.csv").write_text("title,source\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'date'"):
        list(read_raw_articles(bad))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no \.xlsx or \.csv files"):
        list(read_raw_articles(empty))
    with pytest.raises(InputError, match="no such directory"):
        list(read_raw_articles(tmp_path / "absent"))
