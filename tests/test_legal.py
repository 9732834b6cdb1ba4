"""Extraction and normalisation of cited legal instruments."""

from __future__ import annotations

import pytest

from classifier.labels import LABEL_IDS
from classifier.text.legal import extract_instruments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berlandaskan Undang-Undang Nomor 20 Tahun 2023 tentang ASN.", ["UU 20/2023"]),
        ("Sesuai amanat Undang-Undang (UU) Nomor 20 Tahun 2023.", ["UU 20/2023"]),
        (
            "Melanggar Pasal 9 ayat (2) UU 5/2014 dan PP Nomor 94 Tahun 2021.",
            ["Pasal 9 UU 5/2014", "PP 94/2021"],
        ),
        (
            "Pasal 280 ayat (2) huruf h UU Nomor 7 Tahun 2017 dan SKB 5 Lembaga Tahun 2022.",
            ["Pasal 280 UU 7/2017", "SKB 5 Lembaga 2022"],
        ),
        (
            "Surat Edaran MenPAN-RB Nomor 1 Tahun 2024 dan Perbawaslu No. 6 Tahun 2024.",
            ["SE MenPAN-RB 1/2024", "Perbawaslu 6/2024"],
        ),
        (
            "Peraturan Pemerintah Nomor 42 Tahun 2004 serta Peraturan Pemerintah Nomor 53 Tahun 2010.",
            ["PP 42/2004", "PP 53/2010"],
        ),
        ("Diatur UU ASN, UU Pemilu dan KUHP.", ["UU ASN", "UU Pemilu", "KUHP"]),
        ("Pasal 494 juga berlaku.", ["Pasal 494"]),
        ("UU 20/2023 dan Undang-Undang Nomor 20 Tahun 2023 sama.", ["UU 20/2023"]),
    ],
)
def test_extracts_and_normalises(text: str, expected: list[str]) -> None:
    assert extract_instruments(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ASN diminta netral sesuai aturan yang berlaku.",
        "Peraturan perundang-undangan mengatur.",
        "Ada PP di kantor.",
        "Edaran itu sudah dibagikan.",
    ],
)
def test_vague_references_are_not_instruments(text: str) -> None:
    assert extract_instruments(text) == []


def test_rules_summaries_and_export_share_one_instrument_vocabulary() -> None:
    """Every law the weak rules cite by subject is extracted into summaries, and triggers export."""
    from classifier.data.annotate import TRIGGERS
    from classifier.data.weak import apply_functions, majority_vote
    from classifier.text.legal import NAMED_LAWS, extract_instruments

    citation = LABEL_IDS.index("legal_citation")
    for subject, name in NAMED_LAWS.items():
        sentence = f"Tersangka dijerat Undang-Undang {subject.title()} oleh penyidik."
        assert extract_instruments(sentence) == [name], sentence
        assert majority_vote(apply_functions([sentence]))[0, citation] == 1, sentence
        assert TRIGGERS.search(sentence), sentence
