"""Page furniture glued into a paragraph, for sites whose scrapes lose the line breaks.

Line-based cleaning (``classifier.text.clean``) drops a "Baca juga" link or a byline that stands
on its own line. Some scrapes (for example ANTARA pages flattened to one line) glue them into
the text instead: "... kata Uus. Baca juga: <headline> Oleh karena itu, ...", a trailer
"Pewarta: X Editor: Y COPYRIGHT © ANTARA 2023", or a teaser fragment before the dateline
"...masyarakatJakarta (ANTARA) - ...". This module removes those pieces and reports what it
removed. It is conservative: when the end of an inline headline cannot be found, the line is
left as it was.
"""

from __future__ import annotations

import re

# "Pewarta: A Editor: B COPYRIGHT © ANTARA 2023" (or only "COPYRIGHT © ...") ending a line.
_CREDITS = re.compile(
    r"\s*(?:(?:Pewarta|Reporter|Penulis)\s*:[^\n]{0,160}?Editor\s*:[^\n]*"
    r"|COPYRIGHT\s*©[^\n]*)$"
)
_READ_ALSO = re.compile(r"\s*\b(?:Baca juga|Baca pula|Simak juga|Lihat juga)\s*:\s*", re.I)
# A dateline such as "Jakarta (ANTARA) -"; text glued before the city is a teaser fragment.
_DATELINE = re.compile(r"([A-Z][\w.]*(?: [A-Z][\w.]*){0,3}) \((?:ANTARA|Antara)\)\s*[-–—]")
_TOKEN = re.compile(r"\S+")
_TERMINAL_END = re.compile(r"[.!?…][\"')]*$")
_MAX_HEADLINE_WORDS = 20


def lowercase_vocabulary(text: str) -> set[str]:
    """Words that occur in lower case somewhere in ``text`` (ordinary words, not names)."""
    return {word for word in re.findall(r"\b[a-z][a-z-]+\b", text)}


def strip_inline_furniture(
    line: str, vocabulary: set[str], first_line: bool
) -> tuple[str, list[tuple[str, str]]]:
    """Return ``line`` without glued furniture, and the removed pieces as (reason, text)."""
    removed: list[tuple[str, str]] = []
    credits = _CREDITS.search(line)
    if credits and credits.start() > 0:
        removed.append(("credits", line[credits.start() :].strip()))
        line = line[: credits.start()].rstrip()
    if first_line:
        dateline = _DATELINE.search(line, 0, 400)
        if dateline and dateline.start(1) > 0:
            removed.append(("teaser", line[: dateline.start(1)].strip()))
            line = line[dateline.start(1) :]
    pos = 0
    while match := _READ_ALSO.search(line, pos):
        end = _headline_end(line, match.end(), vocabulary)
        if end is None:
            pos = match.end()
            continue
        removed.append(("read_also", line[match.start() : end].strip()))
        joiner = " " if match.start() > 0 and end < len(line) else ""
        line = line[: match.start()].rstrip() + joiner + line[end:]
        pos = match.start()
    return line.strip(), removed


def _headline_end(line: str, start: int, vocabulary: set[str]) -> int | None:
    """Where the glued headline after "Baca juga:" ends (the next sentence's start), or None.

    Headlines of a link have no final full stop, so the next sentence begins at the first
    capitalised ordinary word: one whose lower-case form occurs in the article ("Oleh", not
    "Jakbar"), which is not part of a name with a number ("Pemilu 2024"). At the end of the
    line the whole rest is the headline, unless it ends like a sentence.
    """
    tokens = list(_TOKEN.finditer(line, start))
    if not tokens:
        return None
    for index, token in enumerate(tokens[1 : _MAX_HEADLINE_WORDS + 1], start=1):
        word = token.group()
        bare = word.strip("\"'(),:;")
        following = tokens[index + 1].group() if index + 1 < len(tokens) else ""
        if (
            bare[:1].isupper()
            and bare[1:].islower()
            and bare.lower() in vocabulary
            and not following[:1].isdigit()
        ):
            return token.start()
    if len(tokens) <= _MAX_HEADLINE_WORDS and not _TERMINAL_END.search(line):
        return len(line)
    return None
