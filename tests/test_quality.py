"""Corpus quality: exact near-duplicate search and Cohen's kappa per label."""

from __future__ import annotations

import math
import random
import re

import pytest

from classifier.data.quality import jaccard, kappa_markdown, kappa_table, near_duplicates, tokens
from classifier.labels import LABEL_IDS

# --- near-duplicates --------------------------------------------------------------------------------


def words(n: int, offset: int = 0) -> list[str]:
    return [f"kata{i}" for i in range(offset, offset + n)]


def pairs_of(texts: list[str], limit: float = 0.8) -> set[tuple[int, int]]:
    return {(d.first, d.second) for d in near_duplicates(texts, limit)}


def test_tokens_and_jaccard() -> None:
    assert tokens("ASN, asn dan Netralitas!") == frozenset({"asn", "dan", "netralitas"})
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("first", "second", "counted"),
    [
        (words(4), words(5), False),  # 4/5 = 0.8: not above the limit
        (words(9), words(10), True),  # 9/10 = 0.9
        ([*words(8), "x"], [*words(8), "y"], False),  # 8/10 = 0.8
        ([*words(10), "x"], [*words(10), "y"], True),  # 10/12 = 0.833...
        (words(16), words(20), False),  # 16/20 = 0.8 exactly, larger sets
        (words(17), words(20), True),  # 17/20 = 0.85
        (words(28), words(35), False),  # 28/35 = 0.8
        (words(29), words(35), True),  # 29/35
        (words(3), words(3, offset=1), False),  # 2/4
    ],
)
def test_near_duplicate_boundaries(first: list[str], second: list[str], counted: bool) -> None:
    size = len(set(first) & set(second)) / len(set(first) | set(second))
    assert (size > 0.8) == counted  # the table itself is right
    filler = ["Warga memadati pasar pada pagi hari.", "Hujan turun sejak sore."]
    texts = [filler[0], " ".join(first), filler[1], " ".join(second)]
    found = near_duplicates(texts)
    assert bool(found) == counted
    if counted:
        assert [(d.first, d.second) for d in found] == [(1, 3)]
        assert found[0].similarity == pytest.approx(size)
    # the order of the two sentences does not matter
    assert bool(near_duplicates([" ".join(second), " ".join(first)])) == counted


@pytest.mark.parametrize("limit", [0.7, 0.9])
def test_near_duplicate_boundaries_other_limits(limit: float) -> None:
    at = round(limit * 10)
    texts = [
        " ".join(words(at)),
        " ".join(words(10)),
        " ".join(words(at + 1, offset=20)),
        " ".join(words(10, offset=20)),
    ]
    assert pairs_of(texts, limit) == {(2, 3)}  # (at + 1)/10 is above the limit, at/10 is not


def test_near_duplicates_case_punctuation_and_order() -> None:
    texts = [
        "ASN wajib netral dalam pilkada.",  # 0
        "Hujan turun sejak sore di kota itu.",  # 1
        "asn WAJIB netral dalam Pilkada",  # 2: same tokens as 0
        "Dalam pilkada, ASN wajib netral!",  # 3: same tokens as 0, other order
        "Hujan turun sejak sore di kota ini.",  # 4: 6/8 with 1
        "Hujan turun deras sejak sore di kota itu.",  # 5: 7/8 with 1
    ]
    found = near_duplicates(texts)
    assert [(d.first, d.second, d.similarity) for d in found] == [
        (0, 2, 1.0),
        (0, 3, 1.0),
        (2, 3, 1.0),
        (1, 5, pytest.approx(7 / 8)),
    ]
    assert all(d.first < d.second for d in found)
    assert near_duplicates([]) == []
    assert near_duplicates(["Satu kalimat saja."]) == []


VOCABULARY = [
    *["asn", "pns", "netral", "kampanye", "bawaslu", "camat", "desa", "warga", "pilkada"],
    *["pemilu", "sanksi", "laporan", "bupati", "imbau", "calon", "tidak", "ada", "temuan"],
    *["pasar", "hujan"],
]


def random_corpus(seed: int, n: int = 300) -> list[str]:
    """Short sentences from a small word list, with many near copies (edits of earlier ones)."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.6:
            base = rng.choice(texts).rstrip(".").split()
            edit = rng.choice(["swap", "add", "drop", "shuffle", "upper"])
            if edit == "swap":
                base[rng.randrange(len(base))] = rng.choice(VOCABULARY)
            elif edit == "add":
                base.insert(rng.randrange(len(base) + 1), rng.choice(VOCABULARY))
            elif edit == "drop" and len(base) > 1:
                base.pop(rng.randrange(len(base)))
            elif edit == "shuffle":
                rng.shuffle(base)
            else:
                base = [w.upper() if rng.random() < 0.5 else w for w in base]
            texts.append(" ".join(base) + ".")
        else:
            texts.append(" ".join(rng.choices(VOCABULARY, k=rng.randint(2, 12))) + ".")
    return texts


def brute_force(texts: list[str], limit: float) -> dict[tuple[int, int], float]:
    sets = [set(re.findall(r"\w+", t.lower())) for t in texts]
    return {
        (i, j): len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if sets[i] and sets[j] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) > limit
    }


@pytest.mark.parametrize(("seed", "limit"), [(1, 0.8), (2, 0.8), (3, 0.8), (4, 0.5), (5, 0.9)])
def test_near_duplicates_match_brute_force(seed: int, limit: float) -> None:
    texts = random_corpus(seed)
    expected = brute_force(texts, limit)
    found = near_duplicates(texts, limit)
    assert len(expected) > 20  # the corpus has something to find
    assert {(d.first, d.second) for d in found} == set(expected)
    assert len(found) == len(expected)  # no pair twice
    for d in found:
        assert d.first < d.second
        assert d.similarity == pytest.approx(expected[d.first, d.second])
    assert found == sorted(found, key=lambda d: (-d.similarity, d.first, d.second))
    if limit == 0.8:
        # pairs exactly at the limit exist in these corpora and are left out
        sets = [set(re.findall(r"\w+", t.lower())) for t in texts]
        at_limit = [
            (i, j)
            for i in range(len(texts))
            for j in range(i + 1, len(texts))
            if 5 * len(sets[i] & sets[j]) == 4 * len(sets[i] | sets[j])
        ]
        assert at_limit and not set(at_limit) & pairs_of(texts)


# --- kappa ------------------------------------------------------------------------------------------


def kappa(first: list[int], second: list[int]) -> float:
    """Cohen's kappa for two binary ratings, written out (independent of scikit-learn)."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    chance = p1 * p2 + (1 - p1) * (1 - p2)
    return (observed - chance) / (1 - chance)


def test_kappa_helper_matches_a_textbook_example() -> None:
    # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po = 0.7, pe = 0.5, kappa = 0.4
    first = [1] * 25 + [0] * 25
    second = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert kappa(first, second) == pytest.approx(0.4)


E, L, V = "exhortation", "legal_citation", "violation_reported"
# (source, first pass, second pass). For exhortation: 4 yes/yes, 1 yes/no, 2 no/yes, 3 no/no.
KAPPA_ROWS = [
    ("synthetic", [E, V], [E]),  # r0: yes/yes
    ("synthetic", [E], [E]),  # r1: yes/yes
    ("clickid", [E, L], [E, L]),  # r2: yes/yes
    ("clickid", [E], [E]),  # r3: yes/yes
    ("synthetic", [E], []),  # r4: yes/no
    ("synthetic", [], [E]),  # r5: no/yes
    ("clickid", [], [E]),  # r6: no/yes
    ("synthetic", [], []),  # r7: no/no
    ("synthetic", [], []),  # r8: no/no
    ("clickid", [], []),  # r9: no/no
]


def test_kappa_table_hand_computed() -> None:
    rows = [{"source": s, "labels_first": a, "labels_second": b} for s, a, b in KAPPA_ROWS]
    table = {(r["group"], r["label"]): r for r in kappa_table(rows)}
    assert {group for group, _ in table} == {"all", "synthetic", "clickid"}
    assert len(table) == 3 * len(LABEL_IDS)
    # exhortation, all 10: po = 7/10; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4
    assert table["all", E]["kappa"] == pytest.approx(0.4)
    assert table["all", E]["agreement"] == pytest.approx(0.7)
    assert (table["all", E]["positives_first"], table["all", E]["positives_second"]) == (5, 6)
    assert table["all", E]["n"] == 10
    # synthetic (r0 r1 r4 r5 r7 r8): 2 yy, 1 yn, 1 ny, 2 nn -> po = 2/3, pe = 1/2, kappa = 1/3
    assert table["synthetic", E]["kappa"] == pytest.approx(1 / 3)
    assert table["synthetic", E]["n"] == 6
    # clickid (r2 r3 r6 r9): 2 yy, 1 ny, 1 nn -> po = 3/4, pe = 0.5*0.75 + 0.5*0.25 = 0.5
    assert table["clickid", E]["kappa"] == pytest.approx(0.5)
    assert table["clickid", E]["n"] == 4
    # cross-check with the written-out formula
    first = [int(E in a) for _, a, _ in KAPPA_ROWS]
    second = [int(E in b) for _, _, b in KAPPA_ROWS]
    assert table["all", E]["kappa"] == pytest.approx(kappa(first, second))
    # violation_reported: only the first pass used it once -> po = pe = 0.9 -> kappa 0
    assert table["all", V]["kappa"] == pytest.approx(0.0)
    assert table["synthetic", V]["kappa"] == pytest.approx(0.0)
    assert math.isnan(table["clickid", V]["kappa"])  # neither pass used it there
    assert table["clickid", V]["agreement"] == 1.0
    # legal_citation: one agreed use, in clickid only
    assert table["all", L]["kappa"] == pytest.approx(1.0)
    assert table["clickid", L]["kappa"] == pytest.approx(1.0)
    assert math.isnan(table["synthetic", L]["kappa"])
    # no_violation: never used -> n/a everywhere
    assert all(
        math.isnan(table[g, "no_violation"]["kappa"]) for g in ("all", "synthetic", "clickid")
    )

    markdown = kappa_markdown(kappa_table(rows)).splitlines()
    assert markdown[0].startswith("| group | n | kappa ")
    body = {line.split("|")[1].strip(): line for line in markdown[2:]}
    assert list(body) == ["all", "clickid", "synthetic"]
    cells = {g: [c.strip() for c in line.strip("|").split("|")] for g, line in body.items()}
    order = {label: 2 + LABEL_IDS.index(label) for label in LABEL_IDS}
    assert cells["all"][1] == "10" and cells["synthetic"][1] == "6" and cells["clickid"][1] == "4"
    assert cells["all"][order[E]] == "0.400"
    assert cells["synthetic"][order[E]] == "0.333"
    assert cells["clickid"][order[E]] == "0.500"
    assert cells["all"][order["no_violation"]] == "n/a"
    assert cells["synthetic"][order[L]] == "n/a"
    assert cells["clickid"][order[L]] == "1.000"


def test_kappa_perfect_agreement() -> None:
    labels = [[E], [E, L], [], [V], ["no_violation"], [V, L]]
    rows = [
        {"source": "synthetic" if i % 2 else "seed", "labels_first": x, "labels_second": list(x)}
        for i, x in enumerate(labels)
    ]
    table = kappa_table(rows)
    overall = [r for r in table if r["group"] == "all"]
    assert len(overall) == len(LABEL_IDS)
    for row in overall:
        assert row["kappa"] == pytest.approx(1.0), row["label"]
        assert row["agreement"] == 1.0
        assert row["positives_first"] == row["positives_second"] > 0
    assert {r["group"] for r in table} == {"all", "seed", "synthetic"}


def test_kappa_all_positive_is_undefined() -> None:
    # Both passes give the label to every sentence: kappa is undefined, not 1.
    rows = [{"source": "s", "labels_first": [E], "labels_second": [E]} for _ in range(3)]
    row = next(r for r in kappa_table(rows) if r["group"] == "all" and r["label"] == E)
    assert math.isnan(row["kappa"]) and row["agreement"] == 1.0 and row["positives_first"] == 3
