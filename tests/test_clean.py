"""Cleaning: page furniture removed, paragraphs de-duplicated, text normalised, raw untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

from classifier.text.clean import clean_article, normalize_text
from classifier.text.clean_inline import strip_inline_furniture
from classifier.text.ingest import RawArticle, read_articles


def _clean_seed(seeds_dir: Path, name: str):
    article = next(a for a in read_articles([seeds_dir]) if a.id.startswith(name))
    return clean_article(article)


def test_share_buttons_breadcrumb_and_read_also_dropped(seeds_dir: Path) -> None:
    cleaned = _clean_seed(seeds_dir, "000")
    for noise in ("Facebook", "WhatsApp", "Reddit", "BACA JUGA", "Baca Juga", "1. Home"):
        assert noise not in cleaned.text
    assert cleaned.title and cleaned.title.startswith("Jaga Netralitas ASN")
    assert cleaned.text.startswith("Headline9.com, MARTAPURA – Sosialisasi")
    assert "Eko Wulandaru" in cleaned.text  # last body paragraph kept


def test_comment_form_counters_caption_dropped(seeds_dir: Path) -> None:
    cleaned = _clean_seed(seeds_dir, "001")
    lines = cleaned.text.split("\n")
    assert "1184" not in lines and "0" not in lines
    assert "TINGGALKAN KOMENTAR" not in cleaned.text
    assert "Silakan masukkan" not in cleaned.text
    assert "(prokom)" not in cleaned.text  # photo caption
    assert not cleaned.text.startswith("Beranda")
    reasons = {reason for reason, _ in cleaned.dropped}
    assert {"breadcrumb", "counter", "comment_form", "caption", "title"} <= reasons


def test_repeated_body_is_deduplicated(seeds_dir: Path) -> None:
    cleaned = _clean_seed(seeds_dir, "002")
    assert cleaned.text.count("Rakor ini dibuka oleh") == 1
    assert cleaned.text.count("Sekda HSU Adi Lesmana") == 1
    assert "COPYRIGHT" not in cleaned.text
    assert sum(reason == "duplicate_paragraph" for reason, _ in cleaned.dropped) == 6


def test_editor_line_and_separator_dropped(seeds_dir: Path) -> None:
    cleaned = _clean_seed(seeds_dir, "003")
    assert "Editor" not in cleaned.text
    assert "\n|\n" not in cleaned.text
    assert cleaned.text.startswith("Tanjungpinang, Berlangsungnya")


def test_subheading_and_akismet_dropped(seeds_dir: Path) -> None:
    cleaned = _clean_seed(seeds_dir, "004")
    assert "ASN Jadi Fungsi Kontrol" not in cleaned.text
    assert "Akismet" not in cleaned.text
    assert "Tinggalkan Komentar" not in cleaned.text


def test_normalisation_quotes_unicode_whitespace() -> None:
    raw = (
        "Kata \u201cnetral\u201d dan \u2018\u2018tegas\u2019\u2019 .\u00a0\u00a0Cafe\u0301\u200b..."
    )
    assert normalize_text(raw) == 'Kata "netral" dan "tegas" . Café…'


def test_cleaning_is_deterministic_and_raw_is_untouched(seeds_dir: Path) -> None:
    before = {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in seeds_dir.glob("*.txt")}
    first = [clean_article(a).text for a in read_articles([seeds_dir])]
    second = [clean_article(a).text for a in read_articles([seeds_dir])]
    after = {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in seeds_dir.glob("*.txt")}
    assert first == second
    assert before == after


def test_given_title_is_removed_from_body() -> None:
    article = RawArticle(
        id="x",
        title="ASN Diminta Netral",
        text="Beranda » Daerah » Politik\nASN Diminta Netral\nTwitter\n"
        "KOTA – ASN diminta netral. Hal itu disampaikan Senin.\n"
        "Dibaca 1.204 kali\n© 2024 Kabar. All rights reserved\nEditor: Budi",
    )
    cleaned = clean_article(article)
    assert cleaned.text == "KOTA – ASN diminta netral. Hal itu disampaikan Senin."


# Furniture glued into a flattened one-line scrape (synthetic text in the shape of such pages).
GLUED = (
    "dan tokoh agama diajak menjagaSemarang (ANTARA) - Pemerintah Kota Semarang meminta ASN "
    "menjaga netralitas. Camat diminta memantau, kata Wali Kota. Baca juga: Warga Semarang "
    "didorong memilih pada Pemilu 2024 Oleh karena itu, ASN dilarang memasang atribut partai. "
    "Kampanye berlangsung tertib oleh semua pihak. Baca juga: Pemkot Semarang awasi netralitas "
    "ASNPewarta: Nama Penulis Editor: Nama Editor COPYRIGHT © ANTARA 2023"
)


def test_glued_read_also_credits_and_teaser_are_removed() -> None:
    cleaned = clean_article(RawArticle(id="g1", text=GLUED, title="Judul"))
    assert cleaned.text == (
        "Semarang (ANTARA) - Pemerintah Kota Semarang meminta ASN menjaga netralitas. Camat "
        "diminta memantau, kata Wali Kota. Oleh karena itu, ASN dilarang memasang atribut "
        "partai. Kampanye berlangsung tertib oleh semua pihak."
    )
    reasons = [reason for reason, _ in cleaned.dropped]
    assert reasons.count("read_also") == 2 and "credits" in reasons and "teaser" in reasons
    assert ("read_also", "Baca juga: Warga Semarang didorong memilih pada Pemilu 2024") in (
        cleaned.dropped
    )


def test_glued_read_also_is_kept_when_its_end_is_unclear() -> None:
    # No capitalised ordinary word follows within the headline window: leave the text alone.
    text = "ASN wajib netral, kata Bupati. Baca juga: " + " ".join(["kabar"] * 25) + " lagi."
    assert clean_article(RawArticle(id="g2", text=text, title="Judul")).text == text


def test_capitalised_names_do_not_end_a_glued_headline() -> None:
    text = (
        "Baca juga: Bawaslu Jakbar temukan pelanggaran di Pemilu 2024 Pengawas meminta ASN netral."
    )
    vocabulary = {"pengawas", "pemilu", "meminta"}
    line, removed = strip_inline_furniture(text, vocabulary, first_line=False)
    assert line == "Pengawas meminta ASN netral."
    assert removed == [
        ("read_also", "Baca juga: Bawaslu Jakbar temukan pelanggaran di Pemilu 2024")
    ]
