"""Export annotation tasks (blind second pass, audit, silver audit, real-dev pass) and merge
the answers back. Task files hold text and go outside the repository (``--out-dir``); only
labels keyed by hash come back into ``data/annotations``.

    python experiments/annotation_tasks.py export --out-dir /tmp/tasks
    python experiments/annotation_tasks.py merge-blind ANSWERS... --output FILE
    python experiments/annotation_tasks.py apply CHANGES... --annotations DIR...

Blind tasks carry no labels. Audit tasks carry the current labels: an audit reviews them.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifier.config import load_config
from classifier.data.annotations import read_annotations, sentence_hash
from classifier.data.dataset import DataConfig, collect_rows
from classifier.text.documents import iter_documents

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "corpus" / "real" / "articles.jsonl"


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} tasks -> {path}")


def _with_context(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the previous and next sentence of its article, for reading only."""
    by_article: dict[str, dict[int, str]] = defaultdict(dict)
    for row in rows:
        by_article[row["article_id"]][row["sentence_index"]] = row["text"]
    out = []
    for row in rows:
        sentences = by_article[row["article_id"]]
        out.append(
            {
                "article_id": row["article_id"],
                "sentence_index": row["sentence_index"],
                "sentence_hash": sentence_hash(row["text"]),
                "previous": sentences.get(row["sentence_index"] - 1, ""),
                "text": row["text"],
                "next": sentences.get(row["sentence_index"] + 1, ""),
                **({"labels": row["labels"]} if "labels" in row else {}),
            }
        )
    return out


def stratified_sample(rows: list[dict[str, Any]], size: int, seed: int) -> list[dict[str, Any]]:
    """Round-robin over (family, label set) strata, so rare families and labels are covered."""
    rng = random.Random(seed)
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        strata[(row["family"], "+".join(sorted(row["labels"])) or "other")].append(row)
    queues = [strata[key] for key in sorted(strata)]
    for queue in queues:
        rng.shuffle(queue)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < size and any(queues):
        for queue in queues:
            if queue and len(chosen) < size:
                chosen.append(queue.pop())
    return sorted(chosen, key=lambda r: (r["article_id"], r["sentence_index"]))


def export(out_dir: Path, blind_size: int, seed: int) -> None:
    """Write every task file."""
    config = load_config(ROOT / "configs" / "data.yaml", DataConfig)
    rows, _ = collect_rows(config, log=lambda _: None)
    v2 = [r for r in rows if r["source"] == "synthetic_v2"]
    if v2:
        blind = _with_context(v2)
        keep = {
            (r["article_id"], r["sentence_index"]) for r in stratified_sample(v2, blind_size, seed)
        }
        blind = [{k: v for k, v in r.items() if k != "labels"} for r in blind]
        chosen = [r for r in blind if (r["article_id"], r["sentence_index"]) in keep]
        half = len(chosen) // 2
        _write(out_dir / "blind_v2_a.jsonl", chosen[:half])
        _write(out_dir / "blind_v2_b.jsonl", chosen[half:])
    for source in ("synthetic", "clickid", "seed"):
        audit = _with_context([r for r in rows if r["source"] == source])
        _write(out_dir / f"audit_{source}.jsonl", audit)
    silver = [r for r in rows if r.get("silver")]
    picked = random.Random(seed).sample(silver, min(300, len(silver)))
    _write(
        out_dir / "silver_audit.jsonl",
        [{k: v for k, v in r.items() if k != "labels"} for r in _with_context(picked)],
    )
    real = [
        {"article_id": d.id, "sentence_index": s.index, "text": s.text}
        for d in iter_documents([REAL])
        for s in d.sentences
    ]
    _write(out_dir / "real_dev.jsonl", _with_context(real))


def merge_blind(answers: Sequence[Path], output: Path) -> None:
    """Pair second-pass labels with the gold labels into an agreement file (labels only)."""
    config = load_config(ROOT / "configs" / "data.yaml", DataConfig)
    rows, _ = collect_rows(config, log=lambda _: None)
    gold = {(r["article_id"], r["sentence_index"]): r for r in rows}
    second = read_annotations(list(answers))
    merged = []
    for key, note in sorted(second.items()):
        first = gold[key]
        if note.sentence_hash != sentence_hash(first["text"]):
            raise SystemExit(f"error: {key}: hash differs from the corpus")
        merged.append(
            {
                "article_id": key[0],
                "sentence_index": key[1],
                "sentence_hash": note.sentence_hash,
                "source": first["source"],
                "family": first["family"],
                "labels_first": sorted(first["labels"]),
                "labels_second": sorted(note.labels),
                "annotator_first": first["annotator"],
                "annotator_second": note.annotator,
                "note_second": note.note,
            }
        )
    _write(output, merged)


def apply_changes(changes: Sequence[Path], annotation_dirs: Sequence[Path]) -> None:
    """Apply recorded label changes (``old_labels`` -> ``new_labels``, keyed by article,
    index and hash) to the annotation files that hold those sentences.

    A change whose old labels no longer match the file is refused: it was made against other
    labels than the ones it would overwrite.
    """
    wanted: dict[tuple[str, int], dict[str, Any]] = {}
    for path in changes:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                change = json.loads(line)
                if change.get("new_labels") is not None:
                    wanted[(change["article_id"], change["sentence_index"])] = change
    applied = 0
    for directory in annotation_dirs:
        for file in sorted(directory.glob("*.jsonl")):
            rows = [json.loads(line) for line in file.read_text("utf-8").splitlines() if line]
            touched = False
            for row in rows:
                change = wanted.pop((row["article_id"], row["sentence_index"]), None)
                if change is None:
                    continue
                if change["sentence_hash"] != row["sentence_hash"] or sorted(
                    change["old_labels"]
                ) != sorted(row["labels"]):
                    raise SystemExit(
                        f"error: {file}: {change['article_id']}#"
                        f"{change['sentence_index']} changed since it was reviewed"
                    )
                row["labels"] = sorted(change["new_labels"])
                row["note"] = change.get("reason", row.get("note", ""))
                touched, applied = True, applied + 1
            if touched:
                _write(file, rows)
    if wanted:
        raise SystemExit(
            f"error: {len(wanted)} change(s) match no annotation, e.g. {next(iter(wanted))}"
        )
    print(f"applied {applied} change(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export")
    exp.add_argument("--out-dir", type=Path, required=True)
    exp.add_argument("--blind-size", type=int, default=840)
    exp.add_argument("--seed", type=int, default=11)
    merge = sub.add_parser("merge-blind")
    merge.add_argument("answers", nargs="+", type=Path)
    merge.add_argument("--output", type=Path, required=True)
    apply = sub.add_parser("apply")
    apply.add_argument("changes", nargs="+", type=Path)
    apply.add_argument("--annotations", nargs="+", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "export":
        export(args.out_dir, args.blind_size, args.seed)
    elif args.command == "merge-blind":
        merge_blind(args.answers, args.output)
    else:
        apply_changes(args.changes, args.annotations)


if __name__ == "__main__":
    main()
