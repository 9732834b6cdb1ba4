"""Deterministic cleaning of scraped article text.

Removes page furniture (breadcrumbs, share buttons, "BACA JUGA" links, comment forms,
counters, copyright and editor lines, captions, repeated headlines; the same furniture glued
into a paragraph via ``classifier.text.clean_inline``), drops repeated
paragraphs, and normalises unicode, quotes and whitespace. The result has one paragraph per
line; sentence offsets are defined on this cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from classifier.text.clean_inline import lowercase_vocabulary, strip_inline_furniture
from classifier.text.ingest import RawArticle

# Characters that are layout artefacts, not text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\t\x0b\x0c"), " ")
# Quote variants are unified to ASCII so the splitter and the models see one form.
_QUOTES = {
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e"), '"'),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"), "'"),
}
_DOUBLED_SINGLE = re.compile(r"(?:\u2018\u2018|\u2019\u2019|'')")

SHARE_WORDS = {
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "whatsapp",
    "telegram",
    "line",
    "print",
    "reddit",
    "pinterest",
    "email",
    "e-mail",
    "copy link",
    "salin link",
    "salin tautan",
    "bagikan",
    "share",
    "tweet",
    "bagikan:",
    "share:",
    "share this",
    "kirim",
    "copy",
    "instagram",
    "tiktok",
    "youtube",
    "google news",
    "google+",
}
_NOISE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE))
    for reason, pattern in (
        ("read_also", r"^(baca juga|lihat juga|simak juga|baca pula|artikel terkait)\b"),
        (
            "comment_form",
            r"^(tinggalkan (komentar|balasan)|leave a (reply|comment)|tulis komentar"
            r"|kirim komentar|silakan masukkan (komentar|nama|alamat)|simpan nama|situs ini "
            r"menggunakan akismet|komentar\s*\*?$|nama\s*\*?$|e-?mail\s*\*?$|situs web\s*\*?$"
            r"|website\s*\*?$|\d+\s+komentar$|belum ada komentar|alamat e-?mail anda tidak akan"
            r"|ruas yang wajib ditandai|your email address will not be published)",
        ),
        ("copyright", r"^(copyright\b|©|\(c\)\s*\d{4}|hak cipta\b|all rights reserved)"),
        (
            "byline",
            r"^(editor|penulis|reporter|pewarta|redaktur|penyunting|sumber|foto|"
            r"fotografer|kontributor|laporan wartawan)\s*:",
        ),
        (
            "counter",
            r"^(dibaca\s+[\d.,]+\s*(kali|x)?|[\d.,]+\s*(views?|kali dibaca|dilihat|"
            r"komentar|comments?|shares?)|[\d.,]+)$",
        ),
        ("breadcrumb", r"^(beranda|home)\b.{0,160}$"),
        ("symbols", r"^[\W_]{1,5}$"),
        ("tags", r"^(tags?|tagar|topik)\s*:"),
    )
)
_BREADCRUMB_SEPARATOR = re.compile(r"\s[»›>/|]\s")
_NUMBERED = re.compile(r"^\d{1,2}\.\s+(.*)$")
_TERMINAL = re.compile(r"[.!?…:;\"')\]]$")
_CAPTION_CREDIT = re.compile(
    r"\((foto|ist|dok|istimewa|prokom|humas|antara|net)\b[^)]{0,40}\)$", re.I
)
_LIST_MARKER = re.compile(r"^([-•*·–]|\d{1,2}[.)]|[a-z][.)])\s+")


@dataclass
class CleanedArticle:
    """An article after cleaning: one paragraph per line in ``text``."""

    id: str
    text: str
    title: str | None
    source: str | None
    date: str | None = None
    url: str | None = None
    meta: dict[str, object] = field(default_factory=dict)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (reason, line)


def normalize_text(text: str) -> str:
    """NFC, unified quotes, no invisible characters, single spaces; newlines are kept."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _DOUBLED_SINGLE.sub('"', text)
    text = text.translate(_INVISIBLE).translate(_SPACES).translate(_QUOTES)
    text = re.sub(r"\.{3,}", "…", text)
    text = re.sub(r" {2,}", " ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _key(line: str) -> str:
    """Comparison key for duplicate and title detection."""
    return re.sub(r"\W+", " ", line.casefold()).strip()


def _noise_reason(line: str, title_key: str | None) -> str | None:
    lowered = line.casefold().strip()
    if lowered in SHARE_WORDS:
        return "share_button"
    for reason, pattern in _NOISE_PATTERNS:
        if pattern.search(line):
            if reason == "breadcrumb" and _TERMINAL.search(line) and len(line) > 80:
                continue  # a real sentence that happens to start with "Home"
            return reason
    if (
        _BREADCRUMB_SEPARATOR.search(line)
        and not _TERMINAL.search(line)
        and len(line.split()) <= 14
    ):
        return "breadcrumb"
    if title_key:
        key = _key(line)
        # The headline repeated, or truncated with an ellipsis in a breadcrumb.
        if key == title_key or (line.endswith("…") and title_key.startswith(key.rstrip())):
            return "title"
    if _CAPTION_CREDIT.search(line) and not _TERMINAL.search(line.removesuffix(")")[:-1]):
        return "caption"
    return None


def _is_heading(line: str) -> bool:
    """A short line with no final punctuation that is neither a list item nor a quote."""
    if _TERMINAL.search(line) or _LIST_MARKER.match(line) or '"' in line:
        return False
    return len(line.split()) <= 8


def _drop_numbered_breadcrumb(lines: list[str], dropped: list[tuple[str, str]]) -> list[str]:
    """Drop a leading run of numbered lines that is a breadcrumb ("1. Home", "2. »", ...)."""
    run = 0
    while run < len(lines) and (not lines[run] or _NUMBERED.match(lines[run])):
        run += 1
    items = [_NUMBERED.match(line).group(1) for line in lines[:run] if line]  # type: ignore[union-attr]
    if items and any(item.casefold() in {"home", "beranda"} for item in items):
        dropped.extend(("breadcrumb", line) for line in lines[:run] if line)
        return lines[run:]
    return lines


def clean_article(article: RawArticle) -> CleanedArticle:
    """Clean one raw article. Deterministic: the same input always gives the same output."""
    dropped: list[tuple[str, str]] = []
    normalized = normalize_text(article.text)
    vocabulary = lowercase_vocabulary(normalized)
    lines = _drop_numbered_breadcrumb(normalized.split("\n"), dropped)
    title = normalize_text(article.title).strip() if article.title else None
    title_key = _key(title) if title else None
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if not line:
            continue
        reason = _noise_reason(line, title_key)
        if reason is None and title is None and not kept and _is_heading_like_title(line):
            # A .txt article starts with its headline: keep it as the title, not as text.
            title, title_key, reason = line, _key(line), "title"
        elif reason is None and _is_heading(line) and not _LIST_MARKER.match(line):
            reason = "heading"
        if reason is None:
            line, glued = strip_inline_furniture(line, vocabulary, first_line=not kept)
            dropped.extend(glued)
            reason = None if line else "furniture_only"
        if reason is None and _key(line) in seen:
            reason = "duplicate_paragraph"
        if reason:
            dropped.append((reason, line))
            continue
        seen.add(_key(line))
        kept.append(line)
    return CleanedArticle(
        id=article.id,
        text="\n".join(kept),
        title=title,
        source=article.source,
        date=article.date,
        url=article.url,
        meta=dict(article.meta),
        dropped=dropped,
    )


def _is_heading_like_title(line: str) -> bool:
    """The first line of a .txt article is its headline when it lacks final punctuation."""
    stripped = line.rstrip("\"'")
    return not re.search(r"[.!?…]$", stripped) and len(line.split()) <= 30
