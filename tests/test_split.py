"""Sentence splitting: Indonesian abbreviations, numbers, quotes, datelines, lists, offsets."""

from __future__ import annotations

import json

import pytest

from classifier.text.clean import clean_article
from classifier.text.ingest import read_articles
from classifier.text.sentence_eval import combine, score_boundaries
from classifier.text.sentences import split_sentences
from helpers import REFERENCE_SPLIT


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # abbreviations and titles
        (
            "Rapat di Kab. Banjar dan Kec. Martapura dipimpin Dr. H. Ahmad, S.H., M.Si. Hadir pula "
            "Hj. Siti. Anggaran Rp. 2.400.000 dll. sudah cair.",
            [
                "Rapat di Kab. Banjar dan Kec. Martapura dipimpin Dr. H. Ahmad, S.H., M.Si. Hadir "
                "pula Hj. Siti.",
                "Anggaran Rp. 2.400.000 dll. sudah cair.",
            ],
        ),
        (
            "Surat No. 12 dikirim ke Prov. Kalsel. Isinya jelas.",
            ["Surat No. 12 dikirim ke Prov. Kalsel.", "Isinya jelas."],
        ),
        # numbers and dates
        (
            "Sebanyak 2.400 ASN hadir, Kamis (7/11/2024). Acara selesai pukul 12.30 WITA.",
            ["Sebanyak 2.400 ASN hadir, Kamis (7/11/2024).", "Acara selesai pukul 12.30 WITA."],
        ),
        # quotes with the end inside them
        (
            '"ASN harus netral. Tidak boleh ada yang berkampanye," katanya. Ia menambahkan.',
            [
                '"ASN harus netral.',
                'Tidak boleh ada yang berkampanye," katanya.',
                "Ia menambahkan.",
            ],
        ),
        (
            '"Jangan ikut kampanye!" tegasnya. Semua setuju.',
            ['"Jangan ikut kampanye!" tegasnya.', "Semua setuju."],
        ),
        ('"Apa salahnya?" Dia bertanya lagi.', ['"Apa salahnya?"', "Dia bertanya lagi."]),
        # ellipsis
        (
            "Kami masih menunggu… Hasilnya belum keluar.",
            ["Kami masih menunggu…", "Hasilnya belum keluar."],
        ),
        ("Ia menunggu… dan menunggu lagi.", ["Ia menunggu… dan menunggu lagi."]),
        # datelines
        (
            "Satumejanews.id. KUTAI KARTANEGARA – Pjs Bupati meminta ASN netral. Hal itu disampaikan.",
            [
                "Satumejanews.id. KUTAI KARTANEGARA – Pjs Bupati meminta ASN netral.",
                "Hal itu disampaikan.",
            ],
        ),
        (
            "Tanjungpinang, Isu netralitas mengemuka. Bawaslu hadir.",
            ["Tanjungpinang, Isu netralitas mengemuka.", "Bawaslu hadir."],
        ),
        # list items
        (
            "Larangan bagi ASN:\n1. Ikut kampanye.\n2. Memakai atribut partai.\na. Berpose jari",
            [
                "Larangan bagi ASN:",
                "1. Ikut kampanye.",
                "2. Memakai atribut partai.",
                "a. Berpose jari",
            ],
        ),
        # credit tag stays with its sentence
        ("Pilkada harus damai. (adv/diskominfo)", ["Pilkada harus damai. (adv/diskominfo)"]),
        # a lost word after a period still ends the sentence
        (
            "Nakes rentan dimobilisasi. menegaskan hal itu, katanya.",
            ["Nakes rentan dimobilisasi.", "menegaskan hal itu, katanya."],
        ),
        # ordinary words that look short still end sentences
        (
            "Ia melapor ke kepala desa. Bawaslu hadir.",
            ["Ia melapor ke kepala desa.", "Bawaslu hadir."],
        ),
        # initials
        ("Menurut M. Yamin netralitas itu penting.", ["Menurut M. Yamin netralitas itu penting."]),
    ],
)
def test_split_cases(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_offsets_index_the_cleaned_text(seeds_dir) -> None:
    for article in read_articles([seeds_dir]):
        cleaned = clean_article(article)
        sentences = split_sentences(cleaned.text)
        assert [s.index for s in sentences] == list(range(len(sentences)))
        for sentence in sentences:
            assert cleaned.text[sentence.start : sentence.end] == sentence.text
            assert sentence.text == sentence.text.strip()


def test_seed_split_matches_hand_made_reference(seeds_dir) -> None:
    reference = {
        row["article_id"]: row["sentences"]
        for row in map(json.loads, REFERENCE_SPLIT.read_text("utf-8").splitlines())
    }
    scores = []
    for article in read_articles([seeds_dir]):
        predicted = texts(clean_article(article).text)
        scores.append(score_boundaries(predicted, reference[article.id]))
    total = combine(scores)
    assert len(reference) == 5
    assert total.precision >= 0.98, total
    assert total.recall >= 0.98, total


def test_boundary_scoring_counts_misses_and_extras() -> None:
    scores = score_boundaries(["A b. C d.", "E f."], ["A b.", "C d.", "E f."])
    assert (scores.true_positives, scores.predicted, scores.reference) == (1, 1, 2)
    assert scores.precision == 1.0 and scores.recall == 0.5
    with pytest.raises(ValueError):
        score_boundaries(["x"], ["y"])


def test_overlong_runs_are_cut_at_the_documented_limit() -> None:
    from classifier.text.sentences import MAX_SENTENCE_CHARS

    words = "kata " * 2000 + "x" * 4000  # 10,000 chars of words, then 4,000 without a space
    text = "Awal kalimat. " + words.strip()
    sentences = split_sentences(text)
    assert sentences[0].text == "Awal kalimat."
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert all(text[s.start : s.end] == s.text for s in sentences)
    # Nothing is lost: the pieces cover every non-space character.
    assert "".join(s.text for s in sentences).replace(" ", "") == text.replace(" ", "")
