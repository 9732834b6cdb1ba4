"""Fact sheets for writing synthetic articles: variety enforced by a seeded grid, not hoped for.

Each sheet fixes what one synthetic article is about (place, election, actor, outcome, outlet
style, noise level) and which *families* of hard cases it must contain, with a minimum number
of sentences per family. Writers (people or helpers) then write the article from the sheet.
The families are the phenomena the models got wrong on real news; their label conventions are
in ``docs/annotation_guideline.md``.

Run ``python -m classifier.data.factsheets --seed 2026 --count 1240 --output FILE``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path

from classifier.io_utils import atomic_path

# (regency or city, province): 72 places in 34 provinces.
PLACES: tuple[tuple[str, str], ...] = (
    ("Kabupaten Aceh Utara", "Aceh"),
    ("Kota Lhokseumawe", "Aceh"),
    ("Kabupaten Deli Serdang", "Sumatera Utara"),
    ("Kota Pematangsiantar", "Sumatera Utara"),
    ("Kabupaten Tapanuli Selatan", "Sumatera Utara"),
    ("Kabupaten Agam", "Sumatera Barat"),
    ("Kota Bukittinggi", "Sumatera Barat"),
    ("Kabupaten Kampar", "Riau"),
    ("Kota Dumai", "Riau"),
    ("Kabupaten Karimun", "Kepulauan Riau"),
    ("Kabupaten Muaro Jambi", "Jambi"),
    ("Kabupaten Ogan Komering Ilir", "Sumatera Selatan"),
    ("Kota Lubuklinggau", "Sumatera Selatan"),
    ("Kabupaten Bangka Barat", "Kepulauan Bangka Belitung"),
    ("Kabupaten Rejang Lebong", "Bengkulu"),
    ("Kabupaten Lampung Tengah", "Lampung"),
    ("Kota Metro", "Lampung"),
    ("Kabupaten Pandeglang", "Banten"),
    ("Kota Cilegon", "Banten"),
    ("Kota Tangerang Selatan", "Banten"),
    ("Kota Jakarta Timur", "DKI Jakarta"),
    ("Kabupaten Garut", "Jawa Barat"),
    ("Kabupaten Cianjur", "Jawa Barat"),
    ("Kota Tasikmalaya", "Jawa Barat"),
    ("Kabupaten Karawang", "Jawa Barat"),
    ("Kabupaten Brebes", "Jawa Tengah"),
    ("Kabupaten Wonosobo", "Jawa Tengah"),
    ("Kota Salatiga", "Jawa Tengah"),
    ("Kabupaten Grobogan", "Jawa Tengah"),
    ("Kabupaten Gunungkidul", "DI Yogyakarta"),
    ("Kabupaten Sleman", "DI Yogyakarta"),
    ("Kabupaten Jember", "Jawa Timur"),
    ("Kabupaten Lamongan", "Jawa Timur"),
    ("Kota Blitar", "Jawa Timur"),
    ("Kabupaten Sumenep", "Jawa Timur"),
    ("Kabupaten Tabanan", "Bali"),
    ("Kabupaten Buleleng", "Bali"),
    ("Kabupaten Lombok Timur", "Nusa Tenggara Barat"),
    ("Kota Bima", "Nusa Tenggara Barat"),
    ("Kabupaten Manggarai", "Nusa Tenggara Timur"),
    ("Kabupaten Sumba Barat Daya", "Nusa Tenggara Timur"),
    ("Kabupaten Sambas", "Kalimantan Barat"),
    ("Kabupaten Sintang", "Kalimantan Barat"),
    ("Kabupaten Kotawaringin Timur", "Kalimantan Tengah"),
    ("Kota Palangka Raya", "Kalimantan Tengah"),
    ("Kabupaten Banjar", "Kalimantan Selatan"),
    ("Kabupaten Tabalong", "Kalimantan Selatan"),
    ("Kabupaten Kutai Kartanegara", "Kalimantan Timur"),
    ("Kota Bontang", "Kalimantan Timur"),
    ("Kabupaten Nunukan", "Kalimantan Utara"),
    ("Kabupaten Minahasa Utara", "Sulawesi Utara"),
    ("Kota Kotamobagu", "Sulawesi Utara"),
    ("Kabupaten Boalemo", "Gorontalo"),
    ("Kabupaten Banggai", "Sulawesi Tengah"),
    ("Kabupaten Poso", "Sulawesi Tengah"),
    ("Kabupaten Bone", "Sulawesi Selatan"),
    ("Kabupaten Gowa", "Sulawesi Selatan"),
    ("Kota Palopo", "Sulawesi Selatan"),
    ("Kabupaten Polewali Mandar", "Sulawesi Barat"),
    ("Kabupaten Kolaka", "Sulawesi Tenggara"),
    ("Kota Baubau", "Sulawesi Tenggara"),
    ("Kabupaten Maluku Tengah", "Maluku"),
    ("Kota Tual", "Maluku"),
    ("Kabupaten Halmahera Selatan", "Maluku Utara"),
    ("Kota Tidore Kepulauan", "Maluku Utara"),
    ("Kabupaten Jayapura", "Papua"),
    ("Kabupaten Merauke", "Papua Selatan"),
    ("Kabupaten Mimika", "Papua Tengah"),
    ("Kabupaten Manokwari", "Papua Barat"),
    ("Kota Sorong", "Papua Barat Daya"),
    ("Kabupaten Jayawijaya", "Papua Pegunungan"),
    ("Kabupaten Kepulauan Sula", "Maluku Utara"),
)

# election -> the years an article about it can be dated
ELECTIONS: dict[str, tuple[str, ...]] = {
    "Pemilu 2019 (pileg dan pilpres)": ("2018", "2019"),
    "Pilkada serentak 2020": ("2020",),
    "Pemilu 2024 (pileg dan pilpres)": ("2023", "2024"),
    "Pilkada serentak 2024": ("2024",),
    "Pilkades serentak": ("2019", "2021", "2023"),
}

ACTORS: tuple[str, ...] = (
    "guru SD berstatus PNS",
    "kepala sekolah",
    "camat",
    "lurah",
    "kepala dinas",
    "sekretaris daerah",
    "PPPK di dinas kesehatan",
    "tenaga honorer (PPNPN)",
    "kepala desa",
    "perangkat desa",
    "anggota TNI",
    "anggota Polri",
    "bidan/tenaga kesehatan puskesmas",
    "dosen PNS",
    "pejabat eselon di pemerintah provinsi",
    "staf kantor kecamatan",
    "penyuluh pertanian",
    "anggota PPK/PPS (penyelenggara ad hoc)",
)

VIOLATION_TYPES: tuple[str, ...] = (
    "menyukai dan membagikan unggahan peserta pemilu",
    "berfoto dengan simbol jari nomor urut",
    "menghadiri kampanye saat jam kerja",
    "memakai mobil dinas untuk kegiatan kampanye",
    "menjadi anggota tim sukses",
    "membagikan bahan kampanye di kantor",
    "menyatakan dukungan di grup WhatsApp",
    "memasang alat peraga kampanye di rumah dinas",
    "mencalonkan diri tanpa mundur",
    "mengarahkan bawahan memilih calon tertentu",
    "ikut deklarasi dukungan",
    "memberi sambutan di acara partai",
    "mengunggah video ajakan memilih di TikTok",
    "memakai fasilitas kantor untuk rapat pemenangan",
)

OUTCOMES: tuple[str, ...] = (
    "sanksi dijatuhkan (disiplin/teguran/penundaan kenaikan pangkat)",
    "rekomendasi diteruskan ke KASN/BKN atau pejabat pembina kepegawaian",
    "surat teguran dikirim ke pejabat yang bersangkutan",
    "masih dibahas di Sentra Gakkumdu",
    "laporan diterima dan akan ditindaklanjuti",
    "dihentikan: tidak memenuhi unsur",
    "tidak terbukti / kurang alat bukti",
    "belum ada laporan atau temuan",
    "hanya rekap angka, tanpa kasus tunggal",
    "tidak ada kasus; berisi imbauan dan aturan",
)

TOPICS: tuple[str, ...] = (
    "violation_case",
    "case_processing_update",
    "no_violation_finding",
    "data_recap",
    "exhortation_event",
    "regulation_explainer",
    "offtopic_lookalike",
    "mixed_election_news",
)

STYLES: tuple[str, ...] = (
    "wire",
    "regional_portal",
    "press_release",
    "radio_transcript",
    "explainer",
    "interview_qa",
    "data_recap",
    "flattened_scrape",
)

NOISE_LEVELS: tuple[str, ...] = ("clean", "light", "heavy")

INSTRUMENTS: tuple[str, ...] = (
    "UU Nomor 20 Tahun 2023 tentang ASN",
    "UU Nomor 5 Tahun 2014",
    "UU Nomor 7 Tahun 2017 (UU Pemilu)",
    "UU Nomor 10 Tahun 2016 (UU Pilkada)",
    "PP Nomor 94 Tahun 2021",
    "PP Nomor 53 Tahun 2010",
    "PP Nomor 42 Tahun 2004",
    "SKB lima lembaga 2022",
    "Surat Edaran KASN",
    "UU Nomor 6 Tahun 2014 (UU Desa)",
    "Perbawaslu Nomor 6 Tahun 2018",
    "Pasal 280 UU Pemilu",
    "Pasal 71 UU Pilkada",
    "UU ASN (by name, no number)",
    "UU Desa (by name, no number)",
    "SKB lima lembaga (by name)",
    "UU Pilkada (by name, no number)",
    "UU Pemilu (by name, no number)",
)

# Off-topic settings for articles whose look-alike sentences must stay `other`.
OFFTOPIC_SETTINGS: tuple[str, ...] = (
    "unggahan Instagram selebritas",
    "foto viral di Twitter/X",
    "drone hilang saat pemotretan",
    "tersangka diduga korupsi dana desa",
    "pelanggaran lalu lintas saat operasi zebra",
    "sanksi Komdis PSSI untuk klub sepak bola",
    "imbauan polisi soal mudik aman",
    "laporan warga soal banjir",
    "kasus penipuan online yang dilaporkan korban",
    "sanksi administrasi untuk pabrik pencemar sungai",
    "pemain dilaporkan cedera",
)

# family id -> (expected labels, what the family is). Descriptions are for writers; the label
# conventions behind them are in docs/annotation_guideline.md.
FAMILIES: dict[str, tuple[str, str]] = {
    "lookalike_offtopic": (
        "other (or legal_citation)",
        "social media posts, photos, 'diduga', 'dilaporkan', sanctions, appeals in off-topic news",
    ),
    "aggregate_figures": (
        "violation_reported",
        "counts per province/agency/period, shares per violation type (also verbless list "
        "items), registry recap as of a date, 'most violations in X'",
    ),
    "case_processing": (
        "violation_reported",
        "report received/followed up, recommended for sanction, warning letter sent, still at "
        "Gakkumdu, forwarded to KASN; also with a negation ('belum bisa memberi update')",
    ),
    "negation_other": (
        "other",
        "negation that is not no_violation: incomplete complaint file, suspect's denial, 'data "
        "bukan dari KPU'",
    ),
    "negation_no_violation": (
        "no_violation",
        "stopped, not proven, short of evidence, tidak memenuhi unsur, gesture open to "
        "interpretation, 'belum ada laporan'",
    ),
    "exhortation_hard": (
        "exhortation",
        "sanction scale (25% tunjangan cut, demotion, dismissal), must-not in reported speech, "
        "stay away from victory celebrations, data blocking as deterrent",
    ),
    "not_exhortation": (
        "other",
        "appeals to public/students/press to report, Bawaslu chiefs instructing own staff, "
        "appeals to regional heads to coordinate, commitments and hopes, 'kalau tidak netral "
        "masyarakat dirugikan'",
    ),
    "legal_by_name": (
        "legal_citation",
        "an instrument by established name without number: UU Desa, UU Pilkada, UU Pemilu, UU "
        "ASN, SKB lima lembaga",
    ),
    "form_quote_filler": (
        "by content",
        "long spoken quotes with fillers ('ya', 'kurang lebih segitu lah')",
    ),
    "form_list_fragment": ("by content", "list items with no verb, fragments cut mid-list"),
    "form_qa": ("by content", "Q&A transcript turns"),
    "form_glued_noise": (
        "by content",
        "typos, glued words, dateline or outlet name glued to the first sentence",
    ),
}

# Which families each topic draws from first; every sheet also gets one random extra family.
TOPIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "violation_case": ("case_processing", "exhortation_hard", "negation_other"),
    "case_processing_update": ("case_processing", "negation_other", "legal_by_name"),
    "no_violation_finding": ("negation_no_violation", "negation_other", "not_exhortation"),
    "data_recap": ("aggregate_figures", "form_list_fragment", "case_processing"),
    "exhortation_event": ("exhortation_hard", "not_exhortation", "legal_by_name"),
    "regulation_explainer": ("exhortation_hard", "legal_by_name", "not_exhortation"),
    "offtopic_lookalike": ("lookalike_offtopic", "lookalike_offtopic", "negation_other"),
    "mixed_election_news": ("not_exhortation", "aggregate_figures", "negation_no_violation"),
}

STYLE_FORMS: dict[str, str] = {
    "radio_transcript": "form_quote_filler",
    "interview_qa": "form_qa",
    "data_recap": "form_list_fragment",
    "flattened_scrape": "form_glued_noise",
}


def sample_sheet(rng: random.Random, index: int, style: str) -> dict[str, object]:
    """One fact sheet for an article in ``style``."""
    place, province = rng.choice(PLACES)
    topic = rng.choice(TOPICS)
    families = list(TOPIC_FAMILIES[topic][:2])
    if style in STYLE_FORMS:
        families.append(STYLE_FORMS[style])
    families.append(rng.choice([name for name in FAMILIES if name not in families]))
    election = rng.choice(list(ELECTIONS))
    return {
        "sheet_id": f"{style}-{index:04d}",
        "style": style,
        "place": place,
        "province": province,
        "election": election,
        "article_year": rng.choice(ELECTIONS[election]),
        "actor": rng.choice(ACTORS),
        "topic": topic,
        "offtopic_setting": rng.choice(OFFTOPIC_SETTINGS)
        if topic == "offtopic_lookalike"
        else None,
        "violation_type": rng.choice(VIOLATION_TYPES),
        "outcome": rng.choice(OUTCOMES),
        "instrument": rng.choice(INSTRUMENTS),
        "families": {name: rng.choice((2, 3, 4)) for name in dict.fromkeys(families)},
        "noise": rng.choices(NOISE_LEVELS, weights=(4, 4, 2))[0]
        if style != "flattened_scrape"
        else "heavy",
        "sentences": rng.randint(10, 18),
    }


def generate(seed: int, per_style: int, styles: Sequence[str] = STYLES) -> list[dict[str, object]]:
    """``per_style`` sheets for each style, reproducible from ``seed``."""
    rng = random.Random(seed)
    return [sample_sheet(rng, i, style) for style in styles for i in range(per_style)]


def main(argv: Sequence[str] | None = None) -> None:
    """Write fact sheets as JSONL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-style", type=int, default=155)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    sheets = generate(args.seed, args.per_style)
    with atomic_path(args.output) as tmp:
        tmp.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sheets), "utf-8")
    print(f"{len(sheets)} fact sheets -> {args.output}")


if __name__ == "__main__":
    main()
