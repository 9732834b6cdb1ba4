"""`classifier annotate export|import|rekey`: the annotation round trip."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from classifier.data.annotate import (
    ExportOptions,
    export_sentences,
    import_annotations,
    rekey_annotations,
)
from classifier.data.annotations import read_annotations, sentence_hash
from classifier.errors import AnnotationError, ClassifierError
from classifier.text.documents import iter_documents
from helpers import run_cli, write_jsonl

A1 = [
    "Bupati mengimbau seluruh ASN tetap netral dalam pilkada.",
    "Warga memadati pasar pada pagi hari.",
    "Larangan itu diatur dalam UU Nomor 20 Tahun 2023 tentang ASN.",
    "Cuaca cerah sepanjang hari itu.",
    "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye.",
    "Acara ditutup dengan makan siang bersama.",
]
A2 = [
    "Hingga kini Bawaslu belum menemukan pelanggaran netralitas ASN.",
    "Pedagang menjual sayur di tepi jalan.",
    "Anak-anak bermain bola di lapangan.",
    "Kepala desa dilarang ikut kampanye pasangan calon.",
    "Hujan turun sejak sore.",
]
A3 = [
    "Panen padi tahun ini melimpah.",
    "Petani menjual gabah ke koperasi.",
    "Harga pupuk tetap stabil.",
]
CORPUS = {"a1": A1, "a2": A2, "a3": A3}
# Sentences with a trigger word (ASN, UU, Bawaslu, dilarang, ...): the rest have none.
TRIGGERED = {("a1", 0), ("a1", 2), ("a1", 4), ("a2", 0), ("a2", 3)}
ALL_KEYS = [(a, i) for a, texts in CORPUS.items() for i in range(len(texts))]


def write_articles(path: Path, corpus: dict[str, list[str]] = CORPUS) -> Path:
    """Articles as JSONL, two paragraphs each; checks they split as the tests assume."""
    rows = []
    for article_id, texts in corpus.items():
        half = (len(texts) + 1) // 2
        rows.append(
            {"id": article_id, "text": " ".join(texts[:half]) + "\n" + " ".join(texts[half:])}
        )
    write_jsonl(path, rows)
    got = {d.id: [s.text for s in d.sentences] for d in iter_documents([path])}
    assert got == corpus
    return path


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def keys_of(rows: list[dict]) -> list[tuple[str, int]]:
    return [(r["article_id"], int(r["sentence_index"])) for r in rows]


def export(tmp_path: Path, name: str, articles: Path | None = None, **options) -> list[dict]:
    out = tmp_path / name
    count = export_sentences(
        [articles or write_articles(tmp_path / "articles.jsonl")], out, ExportOptions(**options)
    )
    rows = read_rows(out)
    assert count == len(rows)
    return rows


def annotation(article_id: str, index: int, labels: list[str], text: str | None = None) -> dict:
    text = CORPUS[article_id][index] if text is None else text
    return {
        "article_id": article_id,
        "sentence_index": index,
        "sentence_hash": sentence_hash(text),
        "labels": labels,
        "annotator": "test",
        "note": "",
    }


# --- export -----------------------------------------------------------------------------------------


def test_export_csv_through_cli(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    out = tmp_path / "todo.csv"
    result = run_cli("annotate", "export", str(articles), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {len(ALL_KEYS)} sentences" in result.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        header = reader.fieldnames
    expected_columns = {
        "article_id",
        "sentence_index",
        "sentence_hash",
        "text",
        "context_before",
        "context_after",
        "suggested",
        "labels",
    }
    assert header is not None and expected_columns <= set(header)
    assert keys_of(rows) == ALL_KEYS
    for row in rows:
        a, i = row["article_id"], int(row["sentence_index"])
        texts = CORPUS[a]
        assert row["text"] == texts[i]
        assert row["sentence_hash"] == sentence_hash(texts[i])
        assert row["context_before"] == (texts[i - 1] if i > 0 else "")
        assert row["context_after"] == (texts[i + 1] if i + 1 < len(texts) else "")
        assert row["labels"] == "" and row["annotator"] == "" and row["note"] == ""
    suggested = {key: row["suggested"] for key, row in zip(keys_of(rows), rows, strict=True)}
    assert suggested["a1", 0] == "exhortation"
    assert suggested["a1", 1] == "other"
    assert suggested["a1", 2] == "legal_citation"
    assert suggested["a1", 4] == "violation_reported"
    assert suggested["a2", 0] == "no_violation"
    assert suggested["a3", 1] == "other"
    # a second export to the same file is refused, the first one kept
    before = out.read_bytes()
    result = run_cli("annotate", "export", str(articles), "-o", str(out), "--select", "triggers")
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith("error:")
    assert out.read_bytes() == before


def test_export_jsonl(tmp_path: Path) -> None:
    rows = export(tmp_path, "todo.jsonl")
    assert keys_of(rows) == ALL_KEYS
    for row in rows:
        assert row["sentence_hash"] == sentence_hash(row["text"])
        assert row["labels"] == ""
        assert isinstance(row["sentence_index"], int)
    by_key = dict(zip(keys_of(rows), rows, strict=True))
    assert by_key["a2", 1]["context_before"] == A2[0]
    assert by_key["a2", 1]["context_after"] == A2[2]
    assert by_key["a2", 3]["suggested"] == "exhortation"


def test_export_select_triggers(tmp_path: Path) -> None:
    rows = export(tmp_path, "todo.csv", select="triggers")
    assert set(keys_of(rows)) == TRIGGERED
    # context still comes from the full article, not from the selection
    by_key = dict(zip(keys_of(rows), rows, strict=True))
    assert by_key["a1", 2]["context_before"] == A1[1]
    assert by_key["a1", 2]["context_after"] == A1[3]


def test_export_rejects_bad_select_and_suffix(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="--select"):
        ExportOptions(select="some")
    articles = write_articles(tmp_path / "articles.jsonl")
    with pytest.raises(ClassifierError, match=r"\.csv, \.jsonl or \.json"):
        export_sentences([articles], tmp_path / "todo.txt", ExportOptions())
    assert not (tmp_path / "todo.txt").exists()


def test_export_max_per_article_is_capped_and_seeded(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    first = export(tmp_path, "a.jsonl", articles, max_per_article=2, seed=5)
    again = export(tmp_path, "b.jsonl", articles, max_per_article=2, seed=5)
    assert first == again
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    keys = keys_of(first)
    for article_id in CORPUS:
        indices = [i for a, i in keys if a == article_id]
        assert len(indices) == 2
        assert indices == sorted(indices)
    assert set(keys) <= set(ALL_KEYS)
    # the sample depends on the seed
    picks = {
        tuple(keys_of(export(tmp_path, f"s{seed}.jsonl", articles, max_per_article=2, seed=seed)))
        for seed in range(8)
    }
    assert len(picks) > 1
    # a cap above the article size keeps everything
    assert keys_of(export(tmp_path, "all.jsonl", articles, max_per_article=10)) == ALL_KEYS


def test_export_limit_is_capped_and_seeded(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    first = export(tmp_path, "a.csv", articles, limit=4, seed=3)
    assert first == export(tmp_path, "b.csv", articles, limit=4, seed=3)
    keys = keys_of(first)
    assert len(keys) == 4 and len(set(keys)) == 4
    assert keys == sorted(keys)
    assert set(keys) <= set(ALL_KEYS)
    both = keys_of(export(tmp_path, "c.csv", articles, limit=3, max_per_article=1, seed=3))
    assert len(both) == 3 and len({a for a, _ in both}) == 3  # one per article
    triggered = keys_of(export(tmp_path, "d.csv", articles, limit=2, select="triggers"))
    assert len(triggered) == 2 and set(triggered) <= TRIGGERED
    assert keys_of(export(tmp_path, "e.csv", articles, limit=100)) == ALL_KEYS


def test_export_skip_annotated(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    done = write_jsonl(
        tmp_path / "ann" / "gold.jsonl",
        [annotation("a1", 0, ["exhortation"]), annotation("a2", 3, []), annotation("a3", 2, [])],
    )
    skipped = {("a1", 0), ("a2", 3), ("a3", 2)}
    for source in (done, done.parent):  # a file or a directory of files
        keys = keys_of(export(tmp_path, f"todo-{source.name}.csv", articles, skip_annotated=source))
        assert keys == [k for k in ALL_KEYS if k not in skipped]
    keys = keys_of(export(tmp_path, "t.csv", articles, skip_annotated=done, select="triggers"))
    assert set(keys) == TRIGGERED - skipped


# --- import -----------------------------------------------------------------------------------------


def fill_csv(path: Path, labels: dict[tuple[str, int], str], edit: dict | None = None) -> Path:
    """Write labels (and optionally edited texts) into an exported CSV, as a person would."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        key = (row["article_id"], int(row["sentence_index"]))
        row["labels"] = labels.get(key, "")
        if edit and key in edit:
            row["text"] = edit[key]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_round_trip_csv(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    edited = tmp_path / "todo.csv"
    export_sentences([articles], edited, ExportOptions())
    into = tmp_path / "ann" / "gold.jsonl"
    # an earlier annotation of another sentence must survive the merge
    write_jsonl(into, [annotation("a3", 0, [])])
    fill_csv(
        edited,
        {
            ("a1", 0): "exhortation",
            ("a1", 1): "other",
            ("a1", 2): "exhortation;legal_citation",
        },
    )
    args = ["annotate", "import", str(edited), "--into", str(into), "--articles", str(articles)]
    result = run_cli(*args, "--annotator", "ana")
    assert result.returncode == 0, result.stderr
    skipped = len(ALL_KEYS) - 3
    assert (
        f"imported 3 rows into {into} (3 new, 0 changed, {skipped} unlabelled rows skipped)"
        in result.stdout
    )
    rows = [json.loads(line) for line in into.read_text("utf-8").splitlines()]
    assert keys_of(rows) == [("a1", 0), ("a1", 1), ("a1", 2), ("a3", 0)]
    by_key = dict(zip(keys_of(rows), rows, strict=True))
    assert by_key["a1", 0]["labels"] == ["exhortation"]
    assert by_key["a1", 1]["labels"] == []
    assert by_key["a1", 2]["labels"] == ["exhortation", "legal_citation"]
    assert by_key["a3", 0]["annotator"] == "test"  # untouched
    for key in [("a1", 0), ("a1", 1), ("a1", 2)]:
        assert by_key[key]["sentence_hash"] == sentence_hash(CORPUS[key[0]][key[1]])
        assert by_key[key]["annotator"] == "ana"
    assert set(read_annotations([into])) == set(by_key)  # the merged file reads back

    # Second pass: one label changed, one new, the others the same.
    fill_csv(
        edited,
        {
            ("a1", 0): "no_violation",
            ("a1", 1): "other",
            ("a1", 2): "legal_citation,exhortation",
            ("a1", 4): "violation_reported",
        },
    )
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert (
        f"imported 4 rows into {into} (1 new, 1 changed, {skipped - 1} unlabelled rows skipped)"
        in result.stdout
    )
    merged = read_annotations([into])
    assert {k: v.labels for k, v in merged.items()} == {
        ("a1", 0): ["no_violation"],
        ("a1", 1): [],
        ("a1", 2): ["exhortation", "legal_citation"],
        ("a1", 4): ["violation_reported"],
        ("a3", 0): [],
    }
    assert merged["a1", 4].annotator == ""  # no --annotator this time, the cell was empty


def test_import_round_trip_jsonl(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "articles.jsonl")
    edited = tmp_path / "todo.jsonl"
    export_sentences([articles], edited, ExportOptions(select="triggers"))
    rows = read_rows(edited)
    filled = {("a1", 0): ["exhortation"], ("a2", 0): "no_violation", ("a2", 3): "Other"}
    for row in rows:
        row["labels"] = filled.get((row["article_id"], row["sentence_index"]), "")
    write_jsonl(edited, rows)
    into = tmp_path / "gold.jsonl"
    stats = import_annotations(edited, into, [articles], annotator="budi")
    assert stats == {"imported": 3, "added": 3, "changed": 0, "skipped": len(TRIGGERED) - 3}
    merged = read_annotations([into])
    assert {k: v.labels for k, v in merged.items()} == {
        ("a1", 0): ["exhortation"],
        ("a2", 0): ["no_violation"],
        ("a2", 3): [],
    }
    assert {v.annotator for v in merged.values()} == {"budi"}
    # importing the same file again changes nothing
    before = into.read_bytes()
    stats = import_annotations(edited, into, [articles], annotator="budi")
    assert stats == {"imported": 3, "added": 0, "changed": 0, "skipped": len(TRIGGERED) - 3}
    assert into.read_bytes() == before


def expect_import_error(args: list[str], into: Path, needle: str) -> str:
    """Run `annotate import` through the CLI: one-line error, non-zero exit, `into` untouched."""
    before = into.read_bytes() if into.exists() else None
    result = run_cli("annotate", "import", *args, "--into", str(into))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert needle in lines[0], lines[0]
    after = into.read_bytes() if into.exists() else None
    assert after == before  # unchanged, byte for byte (or still absent)
    assert not list(into.parent.glob(f".{into.name}*"))  # no temporary file left behind
    return lines[0]


def expect_refused(edited: Path, into: Path, needle: str, articles: Path | None = None) -> None:
    """The same checks through the library (faster than a subprocess)."""
    before = into.read_bytes() if into.exists() else None
    with pytest.raises(ClassifierError) as caught:
        import_annotations(edited, into, [articles] if articles else None)
    assert needle in str(caught.value) and "\n" not in str(caught.value)
    assert (into.read_bytes() if into.exists() else None) == before
    assert not list(into.parent.glob(f".{into.name}*"))


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Articles, their CSV export and an existing annotation file."""
    articles = write_articles(tmp_path / "articles.jsonl")
    edited = tmp_path / "todo.csv"
    export_sentences([articles], edited, ExportOptions())
    into = write_jsonl(tmp_path / "ann" / "gold.jsonl", [annotation("a3", 0, ["exhortation"])])
    return articles, edited, into


def test_import_unknown_label_names_line(exported: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, edited, into = exported
    # data rows start on line 2: a1#0 is line 2, a1#2 is line 4
    fill_csv(edited, {("a1", 0): "exhortation", ("a1", 2): "exhortaton"})
    expect_import_error([str(edited)], into, f"{edited}:4: unknown label 'exhortaton'")
    # ... and into a file that does not exist yet: not created
    fresh = tmp_path / "new" / "gold.jsonl"
    expect_refused(edited, fresh, f"{edited}:4: unknown label 'exhortaton'")
    assert not fresh.exists()
    fill_csv(edited, {("a1", 0): "exhortation", ("a1", 1): "other;exhortation"})
    expect_refused(edited, into, f"{edited}:3: 'other' cannot be combined")


def test_import_edited_text_names_line(exported: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, edited, into = exported
    fill_csv(
        edited,
        {("a1", 0): "exhortation", ("a1", 4): "violation_reported"},
        edit={("a1", 4): "Bawaslu menemukan tiga ASN melanggar netralitas saat kampanye."},
    )
    expect_import_error([str(edited)], into, f"{edited}:6: the sentence text was edited")
    # in a JSONL export the line is the row's line
    jsonl = tmp_path / "todo.jsonl"
    export_sentences([exported[0]], jsonl, ExportOptions())
    rows = read_rows(jsonl)
    rows[2]["labels"] = ["legal_citation"]
    rows[2]["text"] = rows[2]["text"].replace("2023", "2014")
    write_jsonl(jsonl, rows)
    expect_refused(jsonl, into, f"{jsonl}:3: the sentence text was edited")


def test_import_hash_no_longer_matches_corpus(
    exported: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    articles, edited, into = exported
    fill_csv(edited, {("a1", 0): "exhortation", ("a1", 2): "legal_citation"})
    # The articles changed since the export: a1#2 reads differently now, a1 lost its tail.
    changed = dict(CORPUS)
    changed["a1"] = [*A1[:2], "Larangan itu diatur dalam UU Nomor 5 Tahun 2014 tentang ASN.", A1[3]]
    new_articles = write_articles(tmp_path / "articles-v2.jsonl", changed)
    expect_import_error(
        [str(edited), "--articles", str(new_articles)],
        into,
        f"{edited}:4: a1#2: hash no longer matches",
    )
    fill_csv(edited, {("a1", 5): "other"})
    expect_refused(edited, into, f"{edited}:7: a1#5: no such sentence", new_articles)
    # against the original articles the same file imports fine
    assert import_annotations(edited, into, [articles])["added"] == 1


def test_import_missing_file(tmp_path: Path) -> None:
    into = tmp_path / "ann" / "gold.jsonl"
    missing = tmp_path / "nowhere.csv"
    line = expect_import_error([str(missing)], into, "no such file or directory")
    assert str(missing) in line
    assert not into.exists()
    # a CSV without a labels column, or a file of another kind, is refused too
    (tmp_path / "bare.csv").write_text("article_id,sentence_index\na1,0\n", encoding="utf-8")
    expect_refused(tmp_path / "bare.csv", into, "no 'labels' column")
    (tmp_path / "todo.txt").write_text("a1,0,exhortation\n", encoding="utf-8")
    expect_refused(tmp_path / "todo.txt", into, ".csv, .jsonl or .json")
    assert not into.exists()


# --- rekey ------------------------------------------------------------------------------------------

# The current splitter keeps "Kec. Depok" together; an older one split after "Kec.".
R1 = [
    "Bupati mengimbau seluruh ASN tetap netral dalam pilkada.",
    "Hal itu disampaikan Kepala Kec. Depok Budi Santoso di kantornya.",
    "Larangan itu diatur dalam UU Nomor 20 Tahun 2023 tentang ASN.",
    "Warga memadati pasar pada pagi hari.",
]
R1_OLD = [
    R1[0],
    "Hal itu disampaikan Kepala Kec.",
    "Depok Budi Santoso di kantornya.",
    R1[2],
    R1[3],
]
# The current splitter splits two sentences an older one kept as one.
R2 = ["Camat diduga berkampanye.", "Ia membantah tuduhan itu.", "Hujan turun sejak sore."]
R2_OLD = [f"{R2[0]} {R2[1]}", R2[2]]


def _old_rows() -> list[dict]:
    def row(article_id: str, index: int, text: str, labels: list[str], **extra: str) -> dict:
        return {
            "article_id": article_id,
            "sentence_index": index,
            "sentence_hash": sentence_hash(text),
            "labels": labels,
            "annotator": extra.get("annotator", "gold-a"),
            "note": extra.get("note", ""),
        }

    return [
        row("r1", 0, R1_OLD[0], ["exhortation"], note="cek ulang"),
        row("r1", 1, R1_OLD[1], ["violation_reported"], annotator="gold-b"),
        row("r1", 2, R1_OLD[2], ["exhortation"]),
        row("r1", 3, R1_OLD[3], ["legal_citation"]),
        row("r1", 4, R1_OLD[4], []),
        row("r1", 7, "Kalimat ini sudah dihapus dari artikel.", ["exhortation"]),
        row("r2", 0, R2_OLD[0], ["violation_reported"]),
        row("r2", 1, R2_OLD[1], []),
    ]


def _rekey_project(tmp_path: Path) -> tuple[Path, Path]:
    articles = write_jsonl(
        tmp_path / "articles.jsonl",
        [{"id": "r1", "text": " ".join(R1)}, {"id": "r2", "text": " ".join(R2)}],
    )
    got = {d.id: [s.text for s in d.sentences] for d in iter_documents([articles])}
    assert got == {"r1": R1, "r2": R2}
    return articles, write_jsonl(tmp_path / "gold.jsonl", _old_rows())


def test_rekey_moves_merges_and_splits(tmp_path: Path) -> None:
    articles, gold = _rekey_project(tmp_path)
    result = run_cli("annotate", "rekey", str(gold), "--articles", str(articles))
    assert result.returncode == 0, result.stderr
    # r1: 0 kept, 1 merged (review), 2 and 3 moved; r2: 0 and 1 split (review), 2 moved
    assert f"{gold}: 7 rows kept, 3 moved, 3 need review" in result.stdout
    assert "1 unmatched (kept aside in" in result.stdout and "r1#7" in result.stdout
    aside = [json.loads(line) for line in gold.with_name("gold.unmatched.jsonl").open()]
    assert [(r["article_id"], r["sentence_index"]) for r in aside] == [("r1", 7)]
    rows = {(r["article_id"], r["sentence_index"]): r for r in read_rows(gold)}
    assert sorted(rows) == [
        ("r1", 0),
        ("r1", 1),
        ("r1", 2),
        ("r1", 3),
        ("r2", 0),
        ("r2", 1),
        ("r2", 2),
    ]
    current = {"r1": R1, "r2": R2}
    for (a, i), row in rows.items():
        assert row["sentence_hash"] == sentence_hash(current[a][i])
    merged = read_annotations([gold])
    labels = {k: v.labels for k, v in merged.items()}
    assert labels == {
        ("r1", 0): ["exhortation"],
        ("r1", 1): ["violation_reported", "exhortation"],  # union of the two halves
        ("r1", 2): ["legal_citation"],
        ("r1", 3): [],
        ("r2", 0): ["violation_reported"],  # both parts inherit the old sentence's labels
        ("r2", 1): ["violation_reported"],
        ("r2", 2): [],
    }
    notes = {k: v.note for k, v in merged.items()}
    assert notes["r1", 0] == "cek ulang"  # unchanged rows keep their note
    assert notes["r1", 2] == "" and notes["r1", 3] == "" and notes["r2", 2] == ""
    assert "needs review" in notes["r1", 1] and "1, 2" in notes["r1", 1]
    assert "needs review" in notes["r2", 0] and "needs review" in notes["r2", 1]
    assert merged["r1", 0].annotator == "gold-a"
    assert merged["r1", 1].annotator == "gold-b"  # from the first half


def test_rekey_is_stable_on_aligned_annotations(tmp_path: Path) -> None:
    articles, gold = _rekey_project(tmp_path)
    first = rekey_annotations(gold, [articles])
    assert first["kept"] == 7 and first["unmatched"] == ["r1#7"]
    again = rekey_annotations(gold, [articles])
    assert again == {
        "kept": 7,
        "moved": 0,
        "needs_review": 0,
        "unmatched": [],
        "unchecked": 0,
        "aside": None,
    }
    # the file stays valid for prepare-style hash checks
    texts = {("r1", i): t for i, t in enumerate(R1)} | {("r2", i): t for i, t in enumerate(R2)}
    for key, row in read_annotations([gold]).items():
        assert row.sentence_hash == sentence_hash(texts[key])


def test_rekey_writes_labels_in_schema_order(tmp_path: Path) -> None:
    articles, gold = _rekey_project(tmp_path)
    rekey_annotations(gold, [articles])
    raw = {(r["article_id"], r["sentence_index"]): r["labels"] for r in read_rows(gold)}
    assert raw["r1", 1] == ["violation_reported", "exhortation"]


def test_rekey_leaves_articles_not_given_untouched(tmp_path: Path) -> None:
    articles, gold = _rekey_project(tmp_path)
    other = {
        "article_id": "elsewhere",
        "sentence_index": 4,
        "sentence_hash": "0" * 16,
        "labels": ["exhortation"],
        "annotator": "gold-a",
        "note": "not in these articles",
    }
    with gold.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(other) + "\n")
    stats = rekey_annotations(gold, [articles])
    assert stats["unchecked"] == 1
    kept = [r for r in read_rows(gold) if r["article_id"] == "elsewhere"]
    assert kept == [other]
