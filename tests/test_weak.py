"""Labelling functions (`classifier.data.weak`), their report (`classifier.data.weak_report`) and `classifier label`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from classifier.data.annotations import sentence_hash
from classifier.data.weak import (
    ABSTAIN,
    LABELING_FUNCTIONS,
    NEGATIVE,
    POSITIVE,
    LabelingFunction,
    apply_functions,
    majority_vote,
    rule_predictor,
    vote_scores,
)
from classifier.data.weak_report import function_report, report_markdown
from classifier.labels import LABEL_IDS, from_multi_hot
from classifier.text.documents import iter_documents
from helpers import run_cli, write_jsonl

FUNCTIONS = {f.name: f for f in LABELING_FUNCTIONS}


def votes_of(text: str) -> dict[str, int]:
    """The non-abstaining votes of every labelling function on one sentence."""
    return {f.name: f(text) for f in LABELING_FUNCTIONS if f(text) != ABSTAIN}


def silver(text: str) -> list[str]:
    """Majority-vote labels of one sentence."""
    return from_multi_hot(majority_vote(apply_functions([text]))[0])


# --- each function on hand-written sentences ---------------------------------------------------

# (function, sentence): the function votes its own vote (positive or negative) on the sentence.
FIRES = [
    # violation_reported
    (
        "found_violation",
        "Bawaslu Sleman menemukan tiga ASN melanggar netralitas saat kampanye pilkada.",
    ),
    ("found_violation", "Pengawas mendapati seorang PNS ikut kampanye pasangan calon bupati."),
    ("alleged_or_reported", "Seorang camat diduga ikut berkampanye untuk pasangan calon bupati."),
    (
        "alleged_or_reported",
        "Kepala desa itu dilaporkan warga karena berpihak kepada salah satu caleg.",
    ),
    ("alleged_or_reported", "Dugaan ketidaknetralan guru honorer itu sedang ditelusuri Bawaslu."),
    ("sanction_given", "Dua PNS dijatuhi sanksi teguran karena tidak netral dalam pilkada."),
    ("sanction_given", "Lurah yang memihak pasangan calon itu dicopot dari jabatannya."),
    ("sanction_given", "Sebanyak 40 ASN direkomendasikan ke KASN karena tidak netral."),
    ("case_count", "Bawaslu menangani 30 kasus dugaan pelanggaran netralitas ASN."),
    ("case_count", "Sebanyak 12 orang ASN dilaporkan selama masa kampanye."),
    ("no_case_is_not_violation", "Hingga kini Bawaslu belum menemukan pelanggaran netralitas ASN."),
    ("no_case_is_not_violation", "Bupati berharap agar tidak ada ASN yang melanggar netralitas."),
    # no_violation
    ("no_findings", "Hingga kini Bawaslu belum menemukan pelanggaran netralitas ASN."),
    ("no_findings", "Bawaslu tidak menerima laporan dugaan pelanggaran netralitas ASN."),
    ("no_findings", "Hasil pengawasan nihil, tidak ada ASN yang terlibat kampanye."),
    ("no_findings", "Laporan terhadap lurah itu tidak ditindaklanjuti karena kurang bukti."),
    ("allegation_cleared", "Laporan dugaan ketidaknetralan kepala desa itu tidak terbukti."),
    (
        "allegation_cleared",
        "Kasus dugaan kampanye oleh lurah tersebut dihentikan karena tidak cukup bukti.",
    ),
    ("allegation_cleared", "Dugaan keberpihakan camat itu gugur setelah klarifikasi."),
    # exhortation
    ("appeal_verb", "Bupati mengimbau seluruh ASN tetap netral dalam pilkada."),
    ("appeal_verb", "Sekda mengingatkan para pegawai agar tidak terlibat politik praktis."),
    ("must_rule", "ASN dilarang ikut kampanye pasangan calon."),
    ("must_rule", "ASN wajib menjaga netralitas selama pemilu."),
    ("must_rule", "Kepala desa tidak boleh memihak salah satu pasangan calon."),
    ("sanction_warning", "ASN yang terbukti melanggar netralitas akan dikenai sanksi disiplin."),
    ("sanction_warning", "PNS yang ikut kampanye terancam diberhentikan."),
    (
        "pledge_or_briefing",
        "Ratusan pegawai mengikuti ikrar netralitas ASN di halaman kantor bupati.",
    ),
    (
        "pledge_or_briefing",
        "Pemerintah daerah menggelar sosialisasi netralitas ASN menjelang pemilu.",
    ),
    ("pledge_or_briefing", "Para camat menandatangani pakta integritas sebelum masa kampanye."),
    ("public_report_appeal", "Masyarakat diminta melapor ke Bawaslu jika melihat ASN berkampanye."),
    ("public_report_appeal", "Bawaslu meminta warga ikut mengawasi netralitas ASN."),
    # legal_citation
    ("cite_numbered_instrument", "Larangan itu diatur dalam UU Nomor 20 Tahun 2023 tentang ASN."),
    ("cite_numbered_instrument", "Ketentuan tersebut tercantum dalam PP 94/2021."),
    ("cite_numbered_instrument", "Sanksinya merujuk pada PP No. 53 Tahun 2010."),
    ("cite_numbered_instrument", "Pengawasan mengacu pada Perbawaslu Nomor 6 Tahun 2018."),
    ("cite_pasal", "Hal itu sesuai Pasal 9 ayat 2."),
    ("cite_named_law", "Penyebar hoaks dapat dijerat UU ITE."),
    ("cite_named_law", "Pelaku dijerat pasal dalam KUHP."),
    ("cite_named_law", "Netralitas diatur dalam UU ASN dan UU Pemilu."),
    ("cite_named_law", "Pengawasan dilakukan berdasarkan SKB lima lembaga."),
    ("cite_law_title", "Aturan tersebut merujuk pada Undang-Undang tentang Aparatur Sipil Negara."),
    ("vague_rule_is_no_citation", "Penertiban dilakukan sesuai aturan yang berlaku."),
    ("vague_rule_is_no_citation", "Hal itu diatur dalam peraturan perundang-undangan."),
    # off-topic vetoes
    (
        "off_topic_exhortation",
        "Polisi mengimbau pengendara mematuhi aturan lalu lintas selama mudik.",
    ),
    ("off_topic_violation_reported", "Polisi menemukan banyak pelanggaran lalu lintas saat razia."),
    ("off_topic_no_violation", "Tidak ada korban dalam kebakaran pasar itu."),
]


@pytest.mark.parametrize(("name", "text"), FIRES)
def test_function_votes_as_intended(name: str, text: str) -> None:
    function = FUNCTIONS[name]
    assert function(text) == function.vote, votes_of(text)


# (function, sentence): the function abstains although the sentence looks related.
ABSTAINS = [
    # an off-topic appeal, a bare statement, a definition: no call to act on neutrality
    ("appeal_verb", "Polisi mengimbau pengendara mematuhi aturan lalu lintas selama mudik."),
    ("appeal_verb", "Bupati meminta masyarakat menjaga kebersihan lingkungan."),
    ("appeal_verb", "Bawaslu mengimbau masyarakat melapor jika ASN berkampanye."),
    ("must_rule", "Netralitas ASN sangat penting bagi demokrasi."),
    # a wish or purpose clause is an appeal, not a finding
    ("no_findings", "Bupati berharap agar tidak ada ASN yang melanggar netralitas."),
    ("no_findings", "Semoga tidak ada pelanggaran netralitas ASN selama pilkada."),
    ("found_violation", "Bupati meminta agar ASN tidak melanggar netralitas saat kampanye."),
    ("found_violation", "ASN yang terbukti melanggar netralitas akan dikenai sanksi disiplin."),
    ("found_violation", "Hingga kini Bawaslu belum menemukan pelanggaran netralitas ASN."),
    ("alleged_or_reported", "Bawaslu tidak menerima laporan dugaan pelanggaran netralitas ASN."),
    ("alleged_or_reported", "Jika ada ASN yang diduga berkampanye, warga bisa melapor ke Bawaslu."),
    # a warning of a sanction is not a sanction given
    ("sanction_given", "PNS yang ikut kampanye bisa diberi sanksi berat oleh atasannya."),
    ("case_count", "Dari 12 laporan yang masuk, tidak ada pelanggaran netralitas yang terbukti."),
    # a public appeal to report is not an appeal to ASN ...
    ("public_report_appeal", "Bupati meminta ASN wajib netral dan warga ikut mengawasi."),
    # vague rules and back-references are no citation; a number is
    (
        "vague_rule_is_no_citation",
        "Netralitas diatur sesuai ketentuan dalam UU Nomor 5 Tahun 2014.",
    ),
    ("cite_numbered_instrument", "Penertiban dilakukan sesuai aturan yang berlaku."),
    ("cite_numbered_instrument", "Hal itu mengacu pada pasal yang sama."),
    ("cite_pasal", "Hal itu mengacu pada pasal yang sama."),
    ("cite_numbered_instrument", "Sebanyak 12 PPPK mengikuti pelatihan."),
    ("cite_named_law", "Undang-undang itu sudah lama berlaku."),
    # on-topic sentences are not vetoed by off-topic words
    ("off_topic_exhortation", "ASN dilarang ikut kampanye meski ada kecelakaan di jalan."),
]


@pytest.mark.parametrize(("name", "text"), ABSTAINS)
def test_function_abstains(name: str, text: str) -> None:
    assert FUNCTIONS[name](text) == ABSTAIN, votes_of(text)


# Majority-vote labels of whole sentences (the behaviour people see as suggestions).
SILVER = [
    ("Bawaslu menemukan dua ASN melanggar netralitas saat kampanye.", ["violation_reported"]),
    (
        "Camat itu diberi sanksi teguran karena memihak salah satu pasangan calon.",
        ["violation_reported"],
    ),
    ("Laporan dugaan ketidaknetralan kepala desa itu tidak terbukti.", ["no_violation"]),
    (
        "Bawaslu menyatakan tidak ada ASN yang terlibat politik praktis selama pilkada.",
        ["no_violation"],
    ),
    ("Bupati mengimbau seluruh ASN tetap netral dalam pilkada.", ["exhortation"]),
    ("ASN dilarang menyukai unggahan calon di media sosial selama pemilu.", ["exhortation"]),
    ("Seluruh ASN membacakan ikrar netralitas menjelang Pilkada.", ["exhortation"]),
    # the wish clause is an appeal, not a statement that no violation happened
    ("Bupati berharap agar tidak ada ASN yang melanggar netralitas.", ["exhortation"]),
    (
        "ASN yang tidak netral dapat dijatuhi sanksi sesuai PP Nomor 94 Tahun 2021.",
        ["exhortation", "legal_citation"],
    ),
    ("Pengendara yang melanggar akan ditilang sesuai UU Nomor 22 Tahun 2009.", ["legal_citation"]),
    ("Sanksi bagi pengendara diatur dalam UU LLAJ.", ["legal_citation"]),
    # off-topic appeals, public appeals, vague rules and background: other
    ("Polisi mengimbau pengendara mematuhi aturan lalu lintas selama mudik.", []),
    ("Polisi mengingatkan pengendara agar tidak melanggar lalu lintas.", []),
    ("Masyarakat diimbau untuk melapor apabila menemukan ASN berkampanye.", []),
    ("Bawaslu mengimbau warga melaporkan ASN yang tidak netral.", []),
    ("Penertiban dilakukan sesuai aturan yang berlaku.", []),
    ("Netralitas berarti ASN tidak berpihak kepada siapa pun.", []),
    ("Warga memadati pasar pada pagi hari.", []),
]


@pytest.mark.parametrize(("text", "expected"), SILVER)
def test_silver_labels(text: str, expected: list[str]) -> None:
    assert silver(text) == expected, votes_of(text)


def test_rule_predictor_scores_are_vote_shares() -> None:
    texts = [
        "Bupati mengimbau seluruh ASN tetap netral dalam pilkada.",
        "Warga memadati pasar pada pagi hari.",
    ]
    scores = rule_predictor()(texts)
    assert scores.shape == (2, len(LABEL_IDS))
    assert scores[0, LABEL_IDS.index("exhortation")] == 1.0
    assert not scores[1].any()


# --- regressions: bugs found while writing these tests, now fixed --------------------


def test_dropped_case_is_not_a_sanction_warning() -> None:
    text = "Dugaan pelanggaran netralitas oleh kepala desa itu tidak dapat ditindaklanjuti."
    assert "no_violation" in silver(text)
    assert FUNCTIONS["sanction_warning"](text) == ABSTAIN
    assert "exhortation" not in silver(text)


def test_kecamatan_is_not_a_subject() -> None:
    # Control: with 'desa' instead of 'kecamatan' nothing fires.
    assert (
        silver("Kampanye pasangan calon di lapangan desa itu dihentikan karena hujan deras.") == []
    )
    assert silver("Bawaslu menemukan pelanggaran alat peraga kampanye di wilayah desa itu.") == []
    assert (
        silver("Kampanye pasangan calon di lapangan kecamatan itu dihentikan karena hujan deras.")
        == []
    )
    assert (
        silver("Bawaslu menemukan pelanggaran alat peraga kampanye di wilayah kecamatan itu.") == []
    )


def test_negated_violation_is_not_reported() -> None:
    text = "Hasil klarifikasi Bawaslu menyatakan camat itu tidak melanggar netralitas."
    assert "violation_reported" not in silver(text)


def test_year_is_not_a_case_count() -> None:
    assert silver("Pada Pemilu 2024, ASN wajib menjaga netralitas.") == ["exhortation"]  # control
    assert silver("Pada Pemilu 2024 ASN wajib menjaga netralitas.") == ["exhortation"]


def test_numbered_circular_with_issuer_is_a_citation() -> None:
    assert "legal_citation" in silver(
        "Surat Edaran Nomor 2 Tahun 2024 mengatur hal itu."
    )  # control
    assert "legal_citation" in silver(
        "Larangan itu tertuang dalam Surat Edaran Menteri PANRB Nomor 1 Tahun 2023."
    )
    assert "legal_citation" in silver(
        "Peraturan Menteri Dalam Negeri Nomor 1 Tahun 2020 mengatur hal itu."
    )


# --- aggregation ---------------------------------------------------------------------------------


def _lf(name: str, label: str, vote: int, pattern: str) -> LabelingFunction:
    return LabelingFunction(name, label, vote, re.compile(pattern))


CUSTOM = [
    _lf("v_pos_a", "violation_reported", POSITIVE, "A"),
    _lf("v_pos_b", "violation_reported", POSITIVE, "B"),
    _lf("v_neg_c", "violation_reported", NEGATIVE, "C"),
    _lf("e_pos_d", "exhortation", POSITIVE, "D"),
    _lf("e_neg_e", "exhortation", NEGATIVE, "E"),
]


def test_labeling_function_context_and_unless() -> None:
    f = LabelingFunction(
        "f", "exhortation", POSITIVE, re.compile("alpha"), re.compile("beta"), re.compile("gamma")
    )
    assert f("alpha beta") == POSITIVE
    assert f("alpha") == ABSTAIN  # context missing
    assert f("alpha beta gamma") == ABSTAIN  # unless present
    assert f("beta") == ABSTAIN  # pattern missing
    g = LabelingFunction("g", "exhortation", NEGATIVE, re.compile("alpha"))
    assert g("alpha") == NEGATIVE
    assert g("beta") == ABSTAIN


def test_apply_functions_matrix() -> None:
    votes = apply_functions(["A C", "D", "zzz"], CUSTOM)
    assert votes.shape == (3, 5)
    assert votes.tolist() == [
        [POSITIVE, ABSTAIN, NEGATIVE, ABSTAIN, ABSTAIN],
        [ABSTAIN, ABSTAIN, ABSTAIN, POSITIVE, ABSTAIN],
        [ABSTAIN] * 5,
    ]


@pytest.mark.parametrize(
    ("text", "violation_score", "exhortation_score", "labels"),
    [
        ("A B C", 2 / 3, 0.0, ["violation_reported"]),  # 2 for, 1 against
        ("A C", 0.5, 0.0, []),  # tie -> off
        ("A C D E", 0.5, 0.5, []),  # ties on both labels -> off
        ("C", 0.0, 0.0, []),  # only a negative vote
        ("D", 0.0, 1.0, ["exhortation"]),
        ("A D E", 1.0, 0.5, ["violation_reported"]),
        ("nothing here", 0.0, 0.0, []),  # all abstain -> off
    ],
)
def test_vote_scores_and_majority(
    text: str, violation_score: float, exhortation_score: float, labels: list[str]
) -> None:
    votes = apply_functions([text], CUSTOM)
    scores = vote_scores(votes, CUSTOM)
    assert scores.shape == (1, len(LABEL_IDS))
    assert scores[0, LABEL_IDS.index("violation_reported")] == pytest.approx(violation_score)
    assert scores[0, LABEL_IDS.index("exhortation")] == pytest.approx(exhortation_score)
    # labels without any function score 0
    assert scores[0, LABEL_IDS.index("no_violation")] == 0.0
    assert scores[0, LABEL_IDS.index("legal_citation")] == 0.0
    assert from_multi_hot(majority_vote(votes, CUSTOM)[0]) == labels


def test_function_report_hand_computed() -> None:
    P, N, A = POSITIVE, NEGATIVE, ABSTAIN
    # columns: v_pos_a, v_pos_b, v_neg_c (violation_reported), e_pos_d, e_neg_e (exhortation)
    votes = np.array(
        [
            [P, P, A, A, A],  # row 0
            [P, A, N, P, A],  # row 1
            [A, A, N, P, N],  # row 2
            [A, P, A, A, A],  # row 3
            [A, A, A, A, A],  # row 4
        ],
        dtype=np.int8,
    )
    # gold for rows 0-2 only (a prefix), columns in LABEL_IDS order
    gold = np.zeros((3, len(LABEL_IDS)), dtype=int)
    v, e = LABEL_IDS.index("violation_reported"), LABEL_IDS.index("exhortation")
    gold[0, v] = 1
    gold[1, e] = 1
    gold[2, e] = 1
    rows = {r["function"]: r for r in function_report(votes, gold, CUSTOM)}
    assert list(rows) == [f.name for f in CUSTOM]
    expected = {
        # coverage = votes/5; overlap = rows where a same-label peer also votes;
        # conflicts = rows where a same-label peer votes the other way.
        # accuracy over gold rows 0-2 where the function votes.
        "v_pos_a": (2 / 5, 2 / 5, 1 / 5, 2, 1 / 2),  # rows 0,1; peer b row 0, c row 1 (opp.)
        "v_pos_b": (2 / 5, 1 / 5, 0.0, 1, 1.0),  # rows 0,3; peer a row 0
        "v_neg_c": (2 / 5, 1 / 5, 1 / 5, 2, 1.0),  # rows 1,2; peer a row 1 (opp.); gold v=0 both
        "e_pos_d": (2 / 5, 1 / 5, 1 / 5, 2, 1.0),  # rows 1,2; peer e row 2 (opp.)
        "e_neg_e": (1 / 5, 1 / 5, 1 / 5, 1, 0.0),  # row 2; gold e=1 there
    }
    for name, (coverage, overlap, conflicts, gold_votes, accuracy) in expected.items():
        row = rows[name]
        assert row["coverage"] == pytest.approx(coverage), name
        assert row["overlap"] == pytest.approx(overlap), name
        assert row["conflicts"] == pytest.approx(conflicts), name
        assert row["gold_votes"] == gold_votes, name
        assert row["accuracy"] == pytest.approx(accuracy), name
    assert rows["v_neg_c"]["vote"] == "negative" and rows["v_pos_a"]["vote"] == "positive"
    assert rows["e_pos_d"]["label"] == "exhortation"


def test_function_report_no_gold_and_no_gold_votes() -> None:
    votes = np.array([[POSITIVE, ABSTAIN, ABSTAIN, ABSTAIN, ABSTAIN]] * 2, dtype=np.int8)
    rows = function_report(votes, None, CUSTOM)
    assert all("accuracy" not in r for r in rows)
    assert rows[0]["coverage"] == 1.0 and rows[0]["overlap"] == 0.0
    gold = np.zeros((2, len(LABEL_IDS)), dtype=int)
    rows = function_report(votes, gold, CUSTOM)
    assert rows[0]["accuracy"] == 0.0 and rows[0]["gold_votes"] == 2
    assert rows[1]["accuracy"] is None and rows[1]["gold_votes"] == 0
    table = report_markdown(rows, "T")
    assert table.startswith("# T\n")
    assert (
        "| v_pos_a | violation_reported | positive | 1.000 | 0.000 | 0.000 | 2 | 0.000 |" in table
    )
    assert "| v_pos_b | violation_reported | positive | 0.000 | 0.000 | 0.000 | 0 |  |" in table


# --- classifier label, end to end -----------------------------------------------------------------

ARTICLES = [
    {
        "id": "berita-1",
        "text": "Bupati mengimbau seluruh ASN tetap netral dalam pilkada. "
        "Warga memadati pasar pada pagi hari.\n"
        "Larangan itu diatur dalam UU Nomor 20 Tahun 2023 tentang ASN.",
    },
    {
        "id": "berita-2",
        "text": "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye. "
        "Laporan dugaan ketidaknetralan kepala desa itu tidak terbukti.",
    },
    {
        "id": "berita-3",
        "text": "Polisi mengimbau pengendara mematuhi aturan lalu lintas selama mudik.",
    },
]
EXPECTED_SILVER = {
    ("berita-1", 0): ["exhortation"],
    ("berita-1", 1): [],
    ("berita-1", 2): ["legal_citation"],
    ("berita-2", 0): ["violation_reported"],
    ("berita-2", 1): ["no_violation"],
    ("berita-3", 0): [],
}
# Gold labels (by hand); one of them disagrees with the rules on purpose.
GOLD = {
    ("berita-1", 0): ["exhortation"],
    ("berita-1", 1): [],
    ("berita-2", 0): ["violation_reported"],
    ("berita-2", 1): ["violation_reported"],  # disagrees with no_findings / allegation_cleared
}


def _label_project(tmp_path: Path) -> tuple[Path, Path, dict[tuple[str, int], str]]:
    articles = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    texts = {(d.id, s.index): s.text for d in iter_documents([articles]) for s in d.sentences}
    assert set(texts) == set(EXPECTED_SILVER)  # the corpus splits as the test assumes
    gold_rows = [
        {
            "article_id": a,
            "sentence_index": i,
            "sentence_hash": sentence_hash(texts[a, i]),
            "labels": labels,
            "annotator": "test",
        }
        for (a, i), labels in GOLD.items()
    ]
    # A stale gold row (hash of other text) must not count.
    gold_rows.append(
        {
            "article_id": "berita-1",
            "sentence_index": 2,
            "sentence_hash": sentence_hash("Kalimat lama yang sudah berubah."),
            "labels": [],
        }
    )
    gold = write_jsonl(tmp_path / "gold" / "gold.jsonl", gold_rows)
    return articles, gold, texts


def test_label_cli_end_to_end(tmp_path: Path) -> None:
    articles, gold, texts = _label_project(tmp_path)
    out, report = tmp_path / "out" / "silver.jsonl", tmp_path / "out" / "report.md"
    result = run_cli(
        "label", str(articles), "-o", str(out), "--report", str(report), "--gold", str(gold)
    )
    assert result.returncode == 0, result.stderr
    assert "6 sentences" in result.stdout and "4 gold sentences" in result.stdout

    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["article_id"], r["sentence_index"]) for r in rows] == list(EXPECTED_SILVER)
    names = {f.name for f in LABELING_FUNCTIONS}
    for row in rows:
        key = (row["article_id"], row["sentence_index"])
        assert row["text"] == texts[key]
        assert row["sentence_hash"] == sentence_hash(texts[key])
        assert row["labels"] == EXPECTED_SILVER[key], (key, row["votes"])
        # votes: only non-abstaining functions, and the labels follow from them by majority
        assert set(row["votes"]) <= names
        assert set(row["votes"].values()) <= {POSITIVE, NEGATIVE}
        for label in LABEL_IDS:
            cast = [v for n, v in row["votes"].items() if FUNCTIONS[n].label == label]
            assert (label in row["labels"]) == (cast.count(POSITIVE) > cast.count(NEGATIVE))
    assert rows[0]["votes"] == {"appeal_verb": POSITIVE}

    table = report.read_text("utf-8")
    assert table.startswith("# ")
    listed = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
    assert listed[0] == "function"
    assert sorted(listed[1:]) == sorted(names)


def test_label_cli_json_report_accuracy(tmp_path: Path) -> None:
    articles, gold, _ = _label_project(tmp_path)
    out, report = tmp_path / "silver.jsonl", tmp_path / "report.json"
    result = run_cli(
        "label", str(articles), "-o", str(out), "--report", str(report), "--gold", str(gold)
    )
    assert result.returncode == 0, result.stderr
    table = {r["function"]: r for r in json.loads(report.read_text("utf-8"))}
    assert set(table) == set(FUNCTIONS)
    silver_rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    # Recompute coverage and accuracy from the silver votes and the hand-written gold.
    for name, function in FUNCTIONS.items():
        voted = [r for r in silver_rows if name in r["votes"]]
        assert table[name]["coverage"] == pytest.approx(len(voted) / len(silver_rows)), name
        on_gold = [r for r in voted if (r["article_id"], r["sentence_index"]) in GOLD]
        assert table[name]["gold_votes"] == len(on_gold), name
        if on_gold:
            right = sum(
                r["votes"][name]
                == int(function.label in GOLD[r["article_id"], r["sentence_index"]])
                for r in on_gold
            )
            assert table[name]["accuracy"] == pytest.approx(right / len(on_gold)), name
        else:
            assert table[name]["accuracy"] is None
    # the disagreeing gold row makes the no_violation functions wrong there
    assert table["allegation_cleared"]["gold_votes"] == 1
    assert table["allegation_cleared"]["accuracy"] == 0.0
    assert table["appeal_verb"]["accuracy"] == 1.0


def test_label_cli_refuses_to_overwrite(tmp_path: Path) -> None:
    articles, _, _ = _label_project(tmp_path)
    out, report = tmp_path / "silver.jsonl", tmp_path / "report.md"
    args = ["label", str(articles), "-o", str(out), "--report", str(report)]
    assert run_cli(*args).returncode == 0
    before = (out.read_bytes(), report.read_bytes())
    # change the input so a second run would write something different
    write_jsonl(articles, ARTICLES[:1])
    result = run_cli(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "already exists" in lines[0] and str(out) in lines[0]
    assert (out.read_bytes(), report.read_bytes()) == before
    # only the report existing is refused too
    out.unlink()
    result = run_cli(*args)
    assert result.returncode != 0 and str(report) in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles.jsonl", "gold", "report.md"]
    # --overwrite replaces both
    assert run_cli(*args, "--overwrite").returncode == 0
    assert len(out.read_text("utf-8").splitlines()) == 3
