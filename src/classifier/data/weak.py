"""Labelling functions: keyword and regex rules that vote for or against a label, or abstain.

Each rule votes on one label: ``POSITIVE`` (the label holds), ``NEGATIVE`` (it does not), or
``ABSTAIN``. :func:`majority_vote` turns the votes into silver labels; the same votes, with
their vote shares as scores, are the ``rules`` baseline model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from classifier.labels import LABEL_IDS
from classifier.text.legal import INSTRUMENT_TYPE, NAMED_INSTRUMENT

POSITIVE, NEGATIVE, ABSTAIN = 1, 0, -1
_FLAGS = re.IGNORECASE

# Who the neutrality duty binds, and words that put a sentence on the neutrality topic.
SUBJECT = r"\b(ASN|PNS|PPPK|aparatur|pegawai|honorer|PPNPN|abdi negara|birokra\w*|kepala desa|kades|perangkat desa|lurah|camat|guru|tenaga kesehatan|nakes|TNI|Polri|pejabat|kepala dinas|sekda)\b"
TOPIC = r"\b(netral\w*|ketidaknetralan|politik praktis|kampanye|berpihak|memihak|keberpihakan|paslon|pasangan calon|caleg|calon (bupati|wali ?kota|gubernur|legislatif|presiden|kepala daerah)|pemilu|pilkada|pilpres|pileg)\b"
NEGATION = r"(tidak|tak|belum|bukan|nihil|tanpa)"


@dataclass(frozen=True)
class LabelingFunction:
    """A rule that votes on one label when ``pattern`` matches (and ``context`` matches, if set)."""

    name: str
    label: str
    vote: int
    pattern: re.Pattern[str]
    context: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None

    def __call__(self, text: str) -> int:
        if not self.pattern.search(text):
            return ABSTAIN
        if self.context is not None and not self.context.search(text):
            return ABSTAIN
        if self.unless is not None and self.unless.search(text):
            return ABSTAIN
        return self.vote


def _lf(
    name: str,
    label: str,
    vote: int,
    pattern: str,
    context: str | None = None,
    unless: str | None = None,
) -> LabelingFunction:
    return LabelingFunction(
        name,
        label,
        vote,
        re.compile(pattern, _FLAGS),
        re.compile(context, _FLAGS) if context else None,
        re.compile(unless, _FLAGS) if unless else None,
    )


_ON_TOPIC = rf"{SUBJECT}.*{TOPIC}|{TOPIC}.*{SUBJECT}|netralitas"
_NO_CASE = (
    rf"\b{NEGATION}\s+(ada\s+|pernah\s+|juga\s+)?(ditemukan|menemukan|menerima|diterima|"
    r"terdapat|ada)\b.{0,60}(pelanggaran|laporan|temuan|kasus|aduan|ASN yang)"
    r"|\b(nihil|zero)\b|tidak (cukup|memenuhi) (bukti|unsur|syarat)|tidak (ter)?bukti|tidak terbukti"
    r"|(dihentikan|tidak dapat ditindaklanjuti|tidak ditindaklanjuti|dinyatakan bersih)"
    r"|tidak ada (bukti|ASN yang (terlibat|melanggar|tidak netral|terbukti))|belum ada (temuan|laporan)"
    r"|(laporan|temuan|pelanggaran|kasus)\b.{0,50}\b(juga |pun |sama sekali )?(tidak|belum) ada\b"
    r"|\btidak ada (ASN|PNS|pegawai|kasus)\b"
)
# Purpose and wish clauses ("agar tidak ada ASN yang melanggar") are appeals, not findings.
_WISH = r"\b(sehingga|agar|supaya|semoga|mudah-mudahan|harapan|diharapkan|berharap|jangan sampai|bertujuan)\b"

# "Found in X, none in Y": one sentence reporting both a case and an absence of cases.
_MIXED = (
    r"\b(ditemukan|terbukti|menemukan|direkomendasikan)\b.{0,100}\b(sementara|sedangkan|namun|adapun)\b"
    r".{0,100}\b(tidak ada|nihil|tidak ditemukan|dihentikan|tidak terbukti)\b"
)

LABELING_FUNCTIONS: tuple[LabelingFunction, ...] = (
    # legal_citation: topic-free, needs a numbered or established instrument.
    _lf(
        "cite_numbered_instrument",
        "legal_citation",
        POSITIVE,
        rf"\b{INSTRUMENT_TYPE}\s*(\(\w+\)\s*)?(RI\s*)?(Nomor|No\.?|Nomer|Nmr\.?)?\s*\d+(\s*(Tahun|/|th\.?)\s*\d{{2,4}})?",
    ),
    _lf(
        "cite_issuer_then_number",
        "legal_citation",
        POSITIVE,
        rf"\b{INSTRUMENT_TYPE}(\s+[\w/-]+){{1,6}}?\s+(Nomor|No\.?)\s*\d+",
    ),
    _lf("cite_pasal", "legal_citation", POSITIVE, r"\bPasal\s+\d+"),
    _lf(
        "cite_named_law",
        "legal_citation",
        POSITIVE,
        rf"\b({NAMED_INSTRUMENT})\b|\bSKB\s+(5|lima)\b|\bSKB\s+bersama\b",
    ),
    _lf(
        "cite_law_title",
        "legal_citation",
        POSITIVE,
        r"\b(Undang-?\s?[Uu]ndang|Peraturan (Pemerintah|Menteri|Presiden|Daerah|Bawaslu))\s+"
        r"(tentang|Tentang)\s+[A-Z]",
    ),
    _lf(
        "vague_rule_is_no_citation",
        "legal_citation",
        NEGATIVE,
        r"(sesuai|berdasarkan|mengacu pada|diatur dalam)\s+(aturan|ketentuan|peraturan|regulasi)"
        r"|peraturan perundang-undangan|undang-undang yang berlaku",
        unless=rf"\b{INSTRUMENT_TYPE}\s*(Nomor|No\.?)?\s*\d+|\bPasal\s+\d+",
    ),
    # violation_reported: a case or aggregate of breaches, not negated.
    _lf(
        "found_violation",
        "violation_reported",
        POSITIVE,
        r"\b(menemukan|ditemukan|temuan|mendapati|terbukti|melanggar|pelanggaran)\b",
        context=_ON_TOPIC,
        unless=_NO_CASE + r"|\b(jika|bila|apabila|kalau|jangan|agar|akan)\b"
        r"|\b(tidak|tak|bukan|belum)\s+(melanggar|terbukti)\b",
    ),
    _lf(
        "found_here_none_there",
        "violation_reported",
        POSITIVE,
        _MIXED,
    ),
    _lf(
        "alleged_or_reported",
        "violation_reported",
        POSITIVE,
        r"\b(diduga|dugaan|disinyalir|dilaporkan|dilapor\w*|laporan (dugaan|masyarakat|terkait)|"
        r"diadukan|dituding|dituduh|disebut-sebut|ditemui|ditangani|ditindaklanjuti|diteruskan|sedang (diproses|ditelusuri|dikaji))\b",
        context=_ON_TOPIC,
        unless=_NO_CASE + r"|\b(jika|bila|apabila|kalau)\b",
    ),
    _lf(
        "sanction_given",
        "violation_reported",
        POSITIVE,
        r"\b(dijatuhi|dijatuhkan|menjatuhkan|diberi|diberikan|memberikan|mendapat|menerima)\s+"
        r"(sanksi|hukuman|teguran)|\bdirekomendasikan\b|\brekomendasi\b.{0,40}\b(BKN|KASN)\b|"
        r"\b(dicopot|dinonaktifkan|diberhentikan)\b",
        context=_ON_TOPIC,
        unless=r"\b(akan|dapat|bisa|bakal|jika|bila|apabila|terancam)\b",
    ),
    _lf(
        "case_count",
        "violation_reported",
        POSITIVE,
        r"\b(?!(?:19|20)\d{2}\b)\d+\s+(orang\s+)?(ASN|PNS|PPPK|kasus|laporan|pelanggaran|dugaan|temuan|kades|kepala desa)\b",
        context=r"pelanggar\w*|netral\w*|melanggar|dilaporkan|temuan",
        unless=_NO_CASE,
    ),
    _lf(
        "no_case_is_not_violation",
        "violation_reported",
        NEGATIVE,
        _NO_CASE + "|" + _WISH,
        unless=r"\b(satu|sementara|namun|tetapi|sedangkan)\b.{0,80}(terbukti|ditemukan|melanggar)"
        + "|"
        + _MIXED,
    ),
    # no_violation
    _lf(
        "no_findings",
        "no_violation",
        POSITIVE,
        _NO_CASE,
        context=r"pelanggar\w*|netral\w*|laporan|temuan|ASN|Bawaslu|kasus|bukti|unsur",
        unless=_WISH,
    ),
    _lf(
        "allegation_cleared",
        "no_violation",
        POSITIVE,
        r"\b(tidak|belum) (terbukti|ditemukan bukti)|\b(dihentikan|gugur|dinyatakan tidak)\b|"
        r"tidak memenuhi unsur|klarifikasi.{0,60}tidak",
        context=_ON_TOPIC + r"|laporan|dugaan",
    ),
    # exhortation
    _lf(
        "appeal_verb",
        "exhortation",
        POSITIVE,
        r"\b(mengimbau|imbauan|diimbau|meminta|diminta|mengingatkan|diingatkan|mengajak|"
        r"menginstruksikan|instruksi|menekankan|berharap|harap|mendorong|menyerukan|berpesan|pesan|harapnya|semoga|mudah-mudahan|mengajak)\b",
        context=rf"{SUBJECT}.*(netral|politik praktis|kampanye|berpihak|memihak)|netralitas",
        unless=r"(masyarakat|warga|publik|media|pers|wartawan)\s.{0,30}(melapor|mengawasi|memantau)",
    ),
    _lf(
        "must_rule",
        "exhortation",
        POSITIVE,
        r"\b(wajib|mewajibkan|diwajibkan|harus|dilarang|tidak boleh|tak boleh|jangan|larangan|tidak diperbolehkan|"
        r"mesti|perlu menjaga|dituntut)\b",
        context=rf"{SUBJECT}.*{TOPIC}|{TOPIC}.*{SUBJECT}|netral",
    ),
    _lf(
        "sanction_warning",
        "exhortation",
        POSITIVE,
        r"\b(akan|dapat|bisa|bakal|terancam)\s+(dikenai|dikenakan|dijatuhi|diberi|mendapat|"
        r"menerima|disanksi|ditindak|dicopot|diberhentikan)\b|\b(jika|bila|apabila|kalau)\b.{0,60}"
        r"(terbukti|melanggar).{0,80}(sanksi|ditindak|dicopot|diberhentikan)",
        context=_ON_TOPIC,
    ),
    _lf(
        "pledge_or_briefing",
        "exhortation",
        POSITIVE,
        r"\b(ikrar|deklarasi netralitas|sosialisasi netralitas|pakta integritas|apel netralitas|"
        r"bimbingan teknis netralitas|sosialisasi .{0,80}netral\w*|surat (edaran|pengingat))\b",
        context=_ON_TOPIC + r"|politik praktis",
    ),
    _lf(
        "public_report_appeal",
        "exhortation",
        NEGATIVE,
        r"(masyarakat|warga|publik|media|pers)\b.{0,40}\b(melapor\w*|mengawasi|memantau|mengadukan)",
        unless=rf"{SUBJECT}\s.{{0,30}}(wajib|harus|diminta|diimbau)",
    ),
    # Off-topic sentences carry no neutrality label (legal_citation is topic-free).
    *(
        _lf(
            f"off_topic_{label}",
            label,
            NEGATIVE,
            r"lalu lintas|pengendara|kecelakaan|korupsi|narkoba|narkotika|banjir|kebakaran|"
            r"pertandingan|sepak ?bola|kesehatan masyarakat|vaksin|stunting|harga|inflasi|"
            r"politik uang|money politic|serangan fajar|logistik|surat suara|DPT|pemutakhiran data",
            unless=_ON_TOPIC,
        )
        for label in ("violation_reported", "no_violation", "exhortation")
    ),
)


def apply_functions(
    texts: Sequence[str], functions: Sequence[LabelingFunction] = LABELING_FUNCTIONS
) -> np.ndarray:
    """Vote matrix of shape (sentences, functions) with values POSITIVE, NEGATIVE or ABSTAIN."""
    votes = np.full((len(texts), len(functions)), ABSTAIN, dtype=np.int8)
    for j, function in enumerate(functions):
        for i, text in enumerate(texts):
            votes[i, j] = function(text)
    return votes


def vote_scores(
    votes: np.ndarray, functions: Sequence[LabelingFunction] = LABELING_FUNCTIONS
) -> np.ndarray:
    """Per-label score in [0, 1]: the share of positive among non-abstaining votes (0 if none)."""
    scores = np.zeros((votes.shape[0], len(LABEL_IDS)), dtype=np.float32)
    for k, label in enumerate(LABEL_IDS):
        columns = [j for j, f in enumerate(functions) if f.label == label]
        block = votes[:, columns]
        positive = (block == POSITIVE).sum(axis=1)
        cast = (block != ABSTAIN).sum(axis=1)
        scores[:, k] = np.divide(positive, cast, out=np.zeros(len(block)), where=cast > 0)
    return scores


def majority_vote(
    votes: np.ndarray, functions: Sequence[LabelingFunction] = LABELING_FUNCTIONS
) -> np.ndarray:
    """Multi-hot silver labels: a label holds when its positive votes outnumber negative ones."""
    return (vote_scores(votes, functions) > 0.5).astype(np.int8)


def rule_predictor() -> Callable[[Sequence[str]], np.ndarray]:
    """A function from sentences to per-label scores, for the ``rules`` baseline."""

    def predict(texts: Sequence[str]) -> np.ndarray:
        return vote_scores(apply_functions(texts))

    return predict
