"""Silver real negatives: whole off-topic CLICK-ID articles chosen with care, labelled by rules.

Real Indonesian news that mentions none of the topical terms cannot report, deny or urge ASN
neutrality, so every sentence of such an article is `other` for the three topical labels; its
`legal_citation` comes from the weak rules (topic-free). Articles are chosen:

- never from the reserved false-alarm articles, the real development set, or articles that
  already have gold labels;
- only when title and text contain no topical term (:data:`TOPICAL`);
- half stratified by (publisher, rubric), half weighted towards look-alikes (photos, posts,
  "diduga", "dilaporkan", sanctions, traffic violations, police appeals: :data:`LOOKALIKE`),
  which is where the models raised false alarms.

``python -m classifier.data.silver --output data/annotations/clickid_silver/silver.jsonl``
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.data.annotations import read_annotations
from classifier.data.clickid_raw import read_raw_articles
from classifier.data.reserved import read_id_file
from classifier.data.weak import LABELING_FUNCTIONS, apply_functions, majority_vote
from classifier.errors import InputError
from classifier.io_utils import atomic_path
from classifier.labels import LABEL_IDS
from classifier.text.documents import Document, process_article, sentence_row

TOPICAL = re.compile(
    r"\b(ASN|PNS|PPPK|aparatur|honorer|PPNPN|Bawaslu|Panwas\w*|Gakkumdu|KASN|BKN|KPU|KPUD|pemilu\w*|"
    r"pilkada|pilpres|pileg|pilkades|netral\w*|kampanye|caleg|paslon|pasangan calon|tim sukses|"
    r"timses|kepala desa|kades|perangkat desa|camat|lurah|pegawai negeri|abdi negara)\b",
    re.IGNORECASE,
)
LOOKALIKE = re.compile(
    r"\b(foto|difoto|berfoto|Instagram|unggah\w*|diunggah|media sosial|medsos|Twitter|TikTok|"
    r"Facebook|WhatsApp|viral|beredar|diduga|dugaan|dilaporkan|melapor\w*|laporan|sanksi|"
    r"melanggar|pelanggaran|teguran|ditegur|dicopot|diperiksa|mengimbau|imbauan|diimbau|"
    r"larangan|dilarang|wajib|tilang|drone|Komdis|terbukti|tidak terbukti)\b",
    re.IGNORECASE,
)
_LEGAL_FUNCTIONS = tuple(f for f in LABELING_FUNCTIONS if f.label == "legal_citation")


@dataclass
class Candidate:
    """An eligible article, with its stratum and how many look-alike words it holds."""

    document: Document
    stratum: tuple[str, str]
    lookalikes: int


def candidates(raw_dir: Path, excluded: set[str]) -> list[Candidate]:
    """Every raw article that is not excluded and mentions no topical term."""
    found = []
    for raw in read_raw_articles(raw_dir):
        if raw.id in excluded or TOPICAL.search(raw.title or "") or TOPICAL.search(raw.text):
            continue
        try:
            document = process_article(raw)
        except InputError:
            continue  # nothing left after cleaning
        stratum = (str(raw.meta["publisher"]), str(raw.meta["category"]).lower())
        found.append(Candidate(document, stratum, len(LOOKALIKE.findall(raw.text))))
    return found


def select(
    pool: list[Candidate], target: int, seed: int, lookalike_share: float = 0.5
) -> list[Candidate]:
    """About ``target`` sentences: a look-alike-weighted share, the rest stratified round-robin."""
    rng = random.Random(seed)
    chosen: dict[str, Candidate] = {}
    total = 0
    lookalike_pool = sorted((c for c in pool if c.lookalikes), key=lambda c: c.document.id)
    # Weighted sampling without replacement (Efraimidis-Spirakis keys).
    keyed = sorted(lookalike_pool, key=lambda c: -(rng.random() ** (1.0 / c.lookalikes)))
    for candidate in keyed:
        if total >= target * lookalike_share:
            break
        chosen[candidate.document.id] = candidate
        total += len(candidate.document.sentences)
    strata: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for candidate in sorted(pool, key=lambda c: c.document.id):
        if candidate.document.id not in chosen:
            strata[candidate.stratum].append(candidate)
    for members in strata.values():
        rng.shuffle(members)
    # Round-robin over strata so small rubrics are represented, big ones do not dominate.
    queues = [strata[key] for key in sorted(strata)]
    while total < target and any(queues):
        for queue in queues:
            if queue and total < target:
                candidate = queue.pop()
                chosen[candidate.document.id] = candidate
                total += len(candidate.document.sentences)
    return sorted(chosen.values(), key=lambda c: c.document.id)


def silver_rows(selected: Sequence[Candidate]) -> list[dict[str, object]]:
    """Annotation rows: `legal_citation` by the rules, nothing else; marked silver."""
    rows: list[dict[str, object]] = []
    for candidate in selected:
        texts = [s.text for s in candidate.document.sentences]
        legal = majority_vote(apply_functions(texts, _LEGAL_FUNCTIONS), _LEGAL_FUNCTIONS)
        has_legal = legal[:, LABEL_IDS.index("legal_citation")]
        kind = "lookalike" if candidate.lookalikes else "background"
        for sentence, cites in zip(candidate.document.sentences, has_legal, strict=True):
            rows.append(
                sentence_row(
                    candidate.document.id,
                    sentence,
                    ("sentence_hash",),
                    labels=["legal_citation"] if cites else [],
                    annotator="silver-rules",
                    note=f"{kind}; {candidate.stratum[0]}/{candidate.stratum[1]}",
                )
            )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Select silver negatives and write their annotation rows (labels and hashes, no text)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=Path("../shared/corpus/clickid/raw"))
    parser.add_argument(
        "--heldout", type=Path, default=Path("../shared/corpus/clickid/heldout_ids.txt")
    )
    parser.add_argument(
        "--real-dev", type=Path, default=Path("../shared/corpus/real/articles.jsonl")
    )
    parser.add_argument("--gold", type=Path, default=Path("data/annotations/clickid"))
    parser.add_argument("--target", type=int, default=24000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    excluded = read_id_file(args.heldout)
    excluded |= {
        json.loads(line)["id"]
        for line in args.real_dev.read_text("utf-8").splitlines()
        if line.strip()
    }
    excluded |= {article for article, _ in read_annotations([args.gold])}
    pool = candidates(args.raw_dir, excluded)
    selected = select(pool, args.target, args.seed)
    rows = silver_rows(selected)
    with atomic_path(args.output) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    lookalike = sum(1 for c in selected if c.lookalikes)
    print(
        f"{len(pool)} eligible articles; selected {len(selected)} ({lookalike} with look-alikes), "
        f"{len(rows)} sentences, {sum(1 for r in rows if r['labels'])} legal_citation "
        f"-> {args.output}"
    )


if __name__ == "__main__":
    main()
