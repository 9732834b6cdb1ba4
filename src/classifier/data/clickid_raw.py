"""Read the whole raw CLICK-ID dataset (xlsx and csv files) into articles, cleaned mechanically.

The raw ``content`` field is the list of an article's direct ``<p>`` text nodes joined with
commas, so a comma may be punctuation, a paragraph break, or a hole where a link or bold word
was not scraped. This module undoes that as the corpus README describes (its *Cleaning*
section): paragraph breaks rebuilt from the separators, Mac Roman mojibake reversed, special
spaces and Excel's ``_x000D_`` normalised, dateline residue and boilerplate lines dropped, and
duplicates removed by normalised text and by (publisher, title). No word is changed.

Article ids follow the corpus scheme: ``clickid-`` + the first 12 hex digits of sha1(url).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from classifier.errors import InputError
from classifier.text.ingest import RawArticle

COLUMNS = ("title", "source", "date", "category", "content", "url")
_MOJIBAKE = re.compile("[‚Ä¬√][\u0080-\u00ff\u2018-\u203a\u2020-\u2030ƒ]")
_SPECIAL_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_SENTENCE_END_THEN_SEPARATORS = re.compile(r"([.!?:…][\"'”’)\]]*)[ \t]*(?:,[ \t]*)+(?=\S)")
_COMMA_RUN = re.compile(r"(?:[ \t]*,){2,}[ \t]*")
_HOLE_AFTER_SPACE = re.compile(r"[ \t]+,(?=[\s.,;:!?)\]]|$)")
_HOLE_BEFORE_PUNCT = re.compile(r",(?=[.;:!?)\]])")
_GLUED_HOLE = re.compile(r"(?<=[^\W\d_]),(?=[^\W\d_])|(?<=\d),(?=[^\W\d_])|(?<=[^\W\d_]),(?=\d)")
_BOILERPLATE = re.compile(
    r"^(#GrowFearless with FIMELA|loading\.*|(Penulis|Editor|Reporter|Pewarta)\s*:.*"
    r"|Baca( juga)?\s*:?\s*|Artikel ini telah tayang di .*|\d{1,2}\.?|[A-Z][A-Z /.&-]{2,40})$"
)


@dataclass
class RawRow:
    """One row of a raw file, before cleaning."""

    title: str
    publisher: str
    date: str
    category: str
    content: str
    url: str
    origin: str


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Mac Roman (``‚Äú`` -> ``“``) where the text shows that pattern."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text  # mixed text: leave it as published rather than guess


def clean_content(content: str) -> str:
    """Rebuild paragraphs from comma-joined text nodes and drop boilerplate lines."""
    text = fix_mojibake(content.replace("_x000D_", ""))
    text = _INVISIBLE.sub("", _SPECIAL_SPACES.sub(" ", unicodedata.normalize("NFC", text)))
    text = re.sub(r"^[\s,\-–—]+", "", text)
    # A separator right after a sentence end is a paragraph break; elsewhere a run of them is
    # a hole where an unscraped link or bold word stood.
    text = _SENTENCE_END_THEN_SEPARATORS.sub(lambda m: m.group(1) + "\n", text)
    text = _COMMA_RUN.sub(" ", text)
    text = _HOLE_AFTER_SPACE.sub("", text)
    text = _HOLE_BEFORE_PUNCT.sub("", text)
    text = _GLUED_HOLE.sub(" ", text)
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip(" ,")
        if line and not _BOILERPLATE.match(line):
            lines.append(line)
    return "\n".join(lines)


def article_id(url: str) -> str:
    """The corpus id of an article: ``clickid-`` + 12 hex digits of sha1(url)."""
    return "clickid-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


def _read_xlsx(path: Path) -> Iterator[RawRow]:
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise InputError("reading .xlsx needs openpyxl: pip install openpyxl") from None
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(
            values_only=True
        )  # the data sheet; "active" may be another
        header = [str(cell or "").strip() for cell in next(rows)]
        yield from _records(path, header, rows)
    finally:
        workbook.close()


def _read_csv(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader)]
        yield from _records(path, header, reader)


def _records(path: Path, header: list[str], rows: Iterator) -> Iterator[RawRow]:
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r} (have {header})")
    where = {name: header.index(name) for name in COLUMNS}
    for number, row in enumerate(rows):
        values = {name: "" if row[i] is None else str(row[i]) for name, i in where.items()}
        yield RawRow(
            title=values["title"].strip(),
            publisher=values["source"].strip(),
            date=values["date"].strip(),
            category=values["category"].strip(),
            content=values["content"],
            url=values["url"].strip(),
            origin=f"{path}:{number}",
        )


def iter_raw_rows(directory: Path) -> Iterator[RawRow]:
    """Every row of every ``*.xlsx`` and ``*.csv`` file under ``directory``, in path order."""
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory")
    files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in (".xlsx", ".csv"))
    if not files:
        raise InputError(f"{directory}: no .xlsx or .csv files")
    for file in files:
        yield from (_read_xlsx(file) if file.suffix.lower() == ".xlsx" else _read_csv(file))


def read_raw_articles(directory: Path, min_chars: int = 200) -> Iterator[RawArticle]:
    """Cleaned, de-duplicated articles; rows with no URL or almost no text are skipped."""
    seen_text: set[str] = set()
    seen_title: set[tuple[str, str]] = set()
    seen_id: set[str] = set()
    for row in iter_raw_rows(directory):
        if not row.url:
            continue
        text = clean_content(row.content)
        normalised = re.sub(r"\W+", " ", text.lower()).strip()
        title_key = (row.publisher, row.title.lower())
        identifier = article_id(row.url)
        if len(text) < min_chars or normalised in seen_text or title_key in seen_title:
            continue
        if identifier in seen_id:
            continue
        seen_text.add(normalised)
        seen_title.add(title_key)
        seen_id.add(identifier)
        yield RawArticle(
            id=identifier,
            text=text,
            title=row.title,
            date=row.date,
            url=row.url,
            source="clickid_raw",
            meta={"publisher": row.publisher, "category": row.category},
            origin=row.origin,
        )
