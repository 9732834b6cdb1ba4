"""False alarms on real off-topic news, for every kind the main job registered.

    .venv/bin/python experiments/false_alarms.py

Loads each config's ``candidate`` model and predicts the 586 reserved CLICK-ID articles of
``../shared/corpus/clickid/heldout_ids.txt``: real 2019 news, none about ASN neutrality, that
nothing trains or tunes on. Every topical label there is a false alarm. Reports, per kind, the
share of articles given ``has_violation_report`` (with a Wilson 95% interval), topical labels
per 1,000 sentences, the same per label, and whether the kind meets the champion's target.
Only counts are written, never the articles' text. Writes
experiments/results/false_alarms.{md,json}.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table
from classifier.training.promotion import FalseAlarmTarget
from classifier.training.real_eval import (
    TOPICAL,
    VIOLATION,
    RealNewsConfig,
    false_alarm_metrics,
    load_false_alarm_documents,
)
from classifier.training.tracking import configure_mlflow
from classifier.training.train import load_train_config
from compare_models import CONFIGS, candidate_models

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (sound at 0 successes, unlike the normal one)."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def main() -> None:
    configure_mlflow()
    real = RealNewsConfig()
    documents = load_false_alarm_documents(
        ROOT / real.false_alarm_articles, ROOT / real.false_alarm_ids
    )
    sentences = sum(len(d.sentences) for d in documents)
    configs = [load_train_config(ROOT / "configs" / name) for name in CONFIGS]
    target = FalseAlarmTarget()
    rows: dict[str, dict] = {}
    for kind, (model, metrics) in candidate_models(configs, "asn-neutrality").items():
        predicted = model.predict([s.text for d in documents for s in d.sentences])
        result = false_alarm_metrics(lambda _texts, p=predicted: p, documents)
        flagged = round(result["falsealarm_article_rate"] * len(documents))
        per_label = {
            LABEL_IDS[k]: 1000 * float(predicted[:, k].sum()) / sentences
            for k in (*TOPICAL, LABEL_IDS.index("legal_citation"))
        }
        rows[kind] = {
            "run_id": metrics["run_id"],
            "articles_flagged": flagged,
            "article_rate": result["falsealarm_article_rate"],
            "article_rate_ci": wilson(flagged, len(documents)),
            "topical_per_1000": result["falsealarm_topical_per_1000"],
            "per_label_per_1000": per_label,
            "violation_sentences": int(predicted[:, VIOLATION].sum()),
            "meets_target": bool(target.met_by(result)),
            "validation_macro_f1": metrics.get("validation_macro_f1", float("nan")),
        }
    report = render(rows, len(documents), sentences, target)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "false_alarms.md").write_text(report, "utf-8")
    summary = {"articles": len(documents), "sentences": sentences, "models": rows}
    (RESULTS / "false_alarms.json").write_text(json.dumps(summary, indent=2), "utf-8")
    print(report)


def render(rows: dict, articles: int, sentences: int, target: FalseAlarmTarget) -> str:
    """The markdown report."""
    header = [
        "model",
        "validation macro-F1",
        "articles flagged",
        "share [Wilson 95%]",
        "topical labels / 1,000",
        *(f"{LABEL_IDS[k]} / 1,000" for k in TOPICAL),
        "legal_citation / 1,000 (not topical)",
        "meets target",
    ]
    table = markdown_table(
        header,
        [
            [
                kind,
                f"{r['validation_macro_f1']:.3f}",
                f"{r['articles_flagged']} of {articles}",
                f"{r['article_rate']:.1%} [{r['article_rate_ci'][0]:.1%}, "
                f"{r['article_rate_ci'][1]:.1%}]",
                f"{r['topical_per_1000']:.1f}",
                *(f"{r['per_label_per_1000'][LABEL_IDS[k]]:.1f}" for k in TOPICAL),
                f"{r['per_label_per_1000']['legal_citation']:.1f}",
                "yes" if r["meets_target"] else "no",
            ]
            for kind, r in rows.items()
        ],
    )
    return (
        "# False alarms on real off-topic news\n\n"
        f"{articles} reserved real CLICK-ID articles ({sentences} sentences), none about ASN "
        "neutrality and never trained or tuned on, predicted by each kind's `candidate` model. "
        f"Target for the champion: <= {target.max_article_rate:.0%} of articles with "
        f"`has_violation_report` and <= {target.max_topical_per_1000:g} topical labels "
        "(violation_reported, no_violation, exhortation) per 1,000 sentences. "
        "`legal_citation` is not counted: real news cites laws on every topic. "
        "Written by experiments/false_alarms.py.\n\n" + table + "\n"
    )


if __name__ == "__main__":
    main()
