"""Rule-based Indonesian sentence splitter with character offsets.

Works on cleaned text (one paragraph per line): every line break ends a sentence, and inside
a paragraph a boundary is a run of ``. ! ? …`` (plus closing quotes or brackets) followed by
whitespace and a plausible sentence start. Abbreviations, initials, titles, numbers, outlet
domains before a dateline and list markers do not end sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lower-cased tokens (without their final period) that never end a sentence.
ABBREVIATIONS = frozenset(
    """
    no kab kec kel prov ds jl jln gg rt rw kp dr drs dra ir prof h hj kh ust s.h
    moh moch muh muhd mochd hi abd kms
    s.e s.t s.pd s.sos s.ag s.ip s.kom s.km s.farm s.ked s.kep s.hut s.pd.i s.h.i s.th m.si
    m.h m.m m.pd m.kes m.ag m.t m.kom m.ap m.sc m.a m.hum m.ikom m.b.a ph.d ll.m sp dll dsb
    dst dkk dlsb tsb yth sdr sdri bpk tn ny nn mr mrs ms rp usd tgl hlm
    vol no.reg ttd a.n u.p s.d vs cf kol letkol brigjen mayjen jend kapt lettu
    letda serka sertu kopda pol akbp akp kompol iptu ipda aiptu aipda bripka brigpol bripda
    irjen komjen kombes kepres perpres permen pergub perbup perwal
    """.split()
)
_DOMAIN = re.compile(
    r"^[\w-]+(\.[\w-]+)*\.(com|id|co\.id|net|org|news|info|tv|online|web\.id|or\.id|go\.id)$", re.I
)
_CLOSERS = "\"')]}»"
_OPENERS = "\"'([{«"
_CANDIDATE = re.compile(r"(?:[.!?…]+)[\"')\]}»]*(?=\s)")
_TRAILING_CREDIT = re.compile(r"^\([^()]{1,30}\)\s*$")
_LIST_ITEM_START = re.compile(r"^\s*(\d{1,2}|[a-zA-Z])[.)]\s*$")
# The longest sentence the splitter returns. A run without boundaries (a 50 MB line of scraped
# text, a table flattened into one line) is cut into pieces of at most this many characters,
# at the last space before the limit, so that no model ever sees a single giant input and
# memory stays bounded. Real sentences of the corpus stay under 1,000 characters; the models
# read at most 128 tokens (about 500 characters) of a sentence anyway.
MAX_SENTENCE_CHARS = 1500


@dataclass(frozen=True)
class Sentence:
    """A sentence with ``start``/``end`` character offsets into the cleaned article text."""

    index: int
    start: int
    end: int
    text: str


def _token_before(text: str, pos: int) -> str:
    """The whitespace-delimited token that ends at ``pos`` (exclusive), without openers."""
    start = pos
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:pos].lstrip(_OPENERS)


def _is_boundary(paragraph: str, match: re.Match[str]) -> bool:
    punct = match.group(0)
    end = match.end()
    rest = paragraph[end:].lstrip()
    if not rest:
        return False
    if _TRAILING_CREDIT.match(rest):
        return False  # "(adv/diskominfo)", "(ant)": a credit tag belongs to its sentence
    nxt = rest[0]
    core = punct.rstrip(_CLOSERS)
    has_closer = len(core) < len(punct)
    token = _token_before(paragraph, match.start())
    if core == ".":
        bare = token.rstrip(".").casefold()
        if bare in ABBREVIATIONS or _DOMAIN.match(token):
            return False
        # Initials ("M. Yamin", "A.B.") and list markers ("1.", "a.") at a paragraph start.
        if re.fullmatch(r"[A-Za-z]", bare) or re.fullmatch(r"([A-Za-z]\.)+[A-Za-z]", bare):
            return False
        if _LIST_ITEM_START.match(paragraph[: match.start() + 1]):
            return False
    if nxt.isupper() or nxt.isdigit() or nxt in _OPENERS:
        return True
    if nxt.islower():
        # "…," kata dia / "Apa?" tanya dia: an attribution continues the sentence.
        if has_closer or core != ".":
            return False
        # A lost word after a period ("… ASN. menegaskan …"): split after a real word only.
        return len(token.rstrip(".")) >= 3 and token.rstrip(".").isalpha()
    return False


def split_paragraph(paragraph: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences of one paragraph, stripped of spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        if _is_boundary(paragraph, match):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(paragraph)))
    stripped: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if e > s:
            stripped.extend(_capped(paragraph, s, e))
    return stripped


def _capped(paragraph: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``paragraph[start:end]`` into spans of at most ``MAX_SENTENCE_CHARS``."""
    spans: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = paragraph.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit + 1)
        cut = cut if cut > start else limit  # no space in reach: a hard cut
        spans.append((start, cut))
        start = cut
        while start < end and paragraph[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Split cleaned article text into sentences with offsets into ``text``."""
    sentences: list[Sentence] = []
    offset = 0
    for paragraph in text.split("\n"):
        for start, end in split_paragraph(paragraph):
            sentences.append(
                Sentence(len(sentences), offset + start, offset + end, paragraph[start:end])
            )
        offset += len(paragraph) + 1
    return sentences
