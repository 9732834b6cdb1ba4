"""Extract and normalise the legal instruments a sentence cites.

``UU Nomor 20 Tahun 2023`` / ``Undang-Undang No. 20/2023`` -> ``UU 20/2023``; ``Pasal 280 ayat (2)
UU 7/2017`` -> ``Pasal 280 UU 7/2017``; ``PP 94/2021``, ``Perbawaslu 6/2024``, ``SE MenPAN-RB
1/2024``, ``SKB 5 Lembaga 2022``; established names such as ``UU ASN`` or ``KUHP`` as written.
"""

from __future__ import annotations

import re

# Instrument types and their normalised short names (the longest spellings first).
TYPES: tuple[tuple[str, str], ...] = (
    (r"Peraturan\s+Pemerintah\s+Pengganti\s+Undang-?\s?[Uu]ndang|Perppu|Perpu", "Perppu"),
    (r"Undang-?\s?[Uu]ndang(?:\s+Republik\s+Indonesia)?|UU(?:\s+RI)?", "UU"),
    (r"Peraturan\s+Pemerintah|PP", "PP"),
    (r"Peraturan\s+Presiden|Perpres", "Perpres"),
    (r"Keputusan\s+Presiden|Keppres", "Keppres"),
    (r"Peraturan\s+(?:Badan\s+Pengawas\s+Pemilu|Bawaslu)|Perbawaslu", "Perbawaslu"),
    (r"Peraturan\s+(?:Komisi\s+Pemilihan\s+Umum|KPU)|PKPU", "PKPU"),
    (r"Peraturan\s+Menteri\s+Dalam\s+Negeri|Permendagri", "Permendagri"),
    (r"Peraturan\s+Menteri\s+PAN-?RB|Permenpan-?RB|PermenPAN-?RB", "PermenPAN-RB"),
    (r"Peraturan\s+Daerah|Perda", "Perda"),
    (r"Peraturan\s+Gubernur|Pergub", "Pergub"),
    (r"Peraturan\s+Bupati|Perbup", "Perbup"),
    (r"Peraturan\s+Wali\s?kota|Perwal", "Perwal"),
    (
        r"Surat\s+Edaran(?:\s+(?:Menteri\s+PAN-?RB|MenPAN-?RB|Mendagri|"
        r"Menteri\s+Dalam\s+Negeri|KASN|Bawaslu|BKN))?|SE(?:\s+(?:MenPAN-?RB|Mendagri|KASN|BKN))?",
        "SE",
    ),
)
_NUMBER = (
    r"(?:Nomor|No\.?|Nmr\.?)?\s*(?P<num>\d+[A-Z]?)"
    r"(?:\s*(?:Tahun|/|th\.?)\s*(?P<year>(?:19|20)\d{2}))?"
)
_TYPE_PATTERNS = [
    (re.compile(rf"\b(?:{pattern})\b\s*(?:\([A-Z]+\)\s*)?{_NUMBER}", re.IGNORECASE), short)
    for pattern, short in TYPES
]
_SE_ISSUER = re.compile(
    r"MenPAN-?RB|Menteri\s+PAN-?RB|Mendagri|Menteri\s+Dalam\s+Negeri|KASN|Bawaslu|BKN", re.I
)
_PASAL = re.compile(
    r"\bPasal\s+(?P<pasal>\d+[A-Z]?)(?:\s+(?:ayat|huruf)\s*\(?\w+\)?)*"
    r"(?:\s+(?:juncto|jo\.?)?\s*"
    r"(?P<law>(?:UU|Undang-?\s?[Uu]ndang)(?:\s+RI)?\s*(?:Nomor|No\.?)?\s*\d+"
    r"(?:\s*(?:Tahun|/)\s*(?:19|20)\d{2})?))?",
    re.IGNORECASE,
)
# Laws cited by their subject ("UU ASN", "Undang-Undang Narkotika"): the one vocabulary the
# weak rules, the summaries' instrument lists and the annotation triggers share. Keys are the
# subject as written (case-insensitive); values the normalised name.
NAMED_LAWS: dict[str, str] = {
    "asn": "UU ASN",
    "pemilu": "UU Pemilu",
    "pilkada": "UU Pilkada",
    "ite": "UU ITE",
    "tipikor": "UU Tipikor",
    "desa": "UU Desa",
    "kpk": "UU KPK",
    "pers": "UU Pers",
    "llaj": "UU LLAJ",
    "lalu lintas": "UU LLAJ",
    "cipta kerja": "UU Cipta Kerja",
    "md3": "UU MD3",
    "narkotika": "UU Narkotika",
    "perlindungan anak": "UU Perlindungan Anak",
    "penyiaran": "UU Penyiaran",
    "kesehatan": "UU Kesehatan",
    "pemda": "UU Pemda",
}
_SUBJECTS = "|".join(
    re.sub(r"\s+", r"\\s+", key) for key in sorted(NAMED_LAWS, key=len, reverse=True)
)
# Instruments named without a number: a law by subject, the criminal codes, the joint decree.
NAMED_INSTRUMENT = (
    rf"(?:UU|Undang-?\s?[Uu]ndang)\s+(?:{_SUBJECTS})|KUHP|KUHAP"
    r"|SKB\s+(?:5|lima)\s+(?:Lembaga|Kementerian(?:/Lembaga)?)"
)
# Words that open an instrument's name, numbered or not (the weak rules' citation cue). Used
# case-insensitively, except "SE", which lower-case is the prefix of "se-Indonesia".
INSTRUMENT_TYPE = (
    r"(UU|Undang-?\s?[Uu]ndang|PP|Peraturan Pemerintah|Perpres|Peraturan Presiden|Permen\w*|"
    r"Peraturan Menteri|Perda|Peraturan Daerah|Pergub|Perbup|Perwal|Perbawaslu|Peraturan Bawaslu|"
    r"PKPU|Peraturan KPU|Keppres|Inpres|Perppu|Perkap|Perpol|Surat Edaran|(?-i:SE)|SKB|"
    r"Keputusan Bersama)"
)
_NAMED = re.compile(
    rf"\b(?P<name>(?:UU|Undang-?\s?[Uu]ndang)\s+(?P<subject>{_SUBJECTS})|KUHP|KUHAP"
    r"|SKB\s+(?:5|lima)\s+(?:Lembaga|Kementerian(?:/Lembaga)?)"
    r"(?:\s+(?:Tahun\s+)?(?P<skb_year>20\d{2}))?)\b",
    re.IGNORECASE,
)
_SE_NAMES = {
    "menpanrb": "MenPAN-RB",
    "menteripanrb": "MenPAN-RB",
    "mendagri": "Mendagri",
    "menteridalamnegeri": "Mendagri",
    "kasn": "KASN",
    "bawaslu": "Bawaslu",
    "bkn": "BKN",
}


def _normalise_law(text: str) -> str | None:
    for pattern, short in _TYPE_PATTERNS:
        match = pattern.search(text)
        if match:
            return _format(short, match)
    return None


def _format(short: str, match: re.Match[str]) -> str:
    number, year = match.group("num"), match.group("year")
    if short == "SE":
        issuer = _SE_ISSUER.search(match.group(0))
        if issuer:
            key = re.sub(r"[\s-]", "", issuer.group(0)).casefold()
            short = f"SE {_SE_NAMES.get(key, issuer.group(0))}"
    return f"{short} {number}/{year}" if year else f"{short} {number}"


def extract_instruments(text: str) -> list[str]:
    """Normalised instruments cited in ``text``, in order of appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    covered: list[tuple[int, int]] = []
    for match in _PASAL.finditer(text):
        law = _normalise_law(match.group("law")) if match.group("law") else None
        pasal = f"Pasal {match.group('pasal')}"
        found.append((match.start(), f"{pasal} {law}" if law else pasal))
        covered.append(match.span())
    for pattern, short in _TYPE_PATTERNS:
        for match in pattern.finditer(text):
            if any(start <= match.start() < end for start, end in covered):
                continue
            if short in {"PP", "SE"} and not re.search(r"\d", match.group(0)):
                continue
            found.append((match.start(), _format(short, match)))
            covered.append(match.span())
    for match in _NAMED.finditer(text):
        if any(start <= match.start() < end for start, end in covered):
            continue
        name = re.sub(r"\s+", " ", match.group("name"))
        if name.upper().startswith("SKB"):
            year = match.group("skb_year")
            name = f"SKB 5 Lembaga {year}" if year else "SKB 5 Lembaga"
        elif match.group("subject"):
            name = NAMED_LAWS[re.sub(r"\s+", " ", match.group("subject")).casefold()]
        else:
            name = name.upper()
        found.append((match.start(), name))
    ordered = [name for _, name in sorted(found)]
    return list(dict.fromkeys(ordered))
