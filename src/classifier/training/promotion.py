"""``classifier compare``: the latest finished run of each model kind, side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlflow import MlflowClient

from classifier.errors import ConfigError
from classifier.labels import LABEL_IDS
from classifier.tables import markdown_table
from classifier.training.tracking import configure_mlflow


def latest_runs_by_kind(experiment: str, client: MlflowClient | None = None) -> list[Any]:
    """The newest FINISHED training run per ``model_kind`` tag, in kind order.

    Cross-validation folds and runs without test metrics are not models to compare. ``client``
    reads another store than the project's (the UI check passes one for its server's store).
    """
    if client is None:
        configure_mlflow()
        client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise ConfigError(f"no MLflow experiment named {experiment!r} (train a model first)")
    runs: list[Any] = []
    page_token = None
    while True:  # page through: CV folds can push training runs past one page
        page = client.search_runs(
            [found.experiment_id],
            filter_string="attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            max_results=1000,
            page_token=page_token,
        )
        runs.extend(page)
        page_token = page.token
        if not page_token:
            break
    latest: dict[str, Any] = {}
    for run in runs:
        kind = run.data.tags.get("model_kind")
        if "cv_fold" in run.data.tags:  # a cross-validation fold, not a model to compare
            continue
        if kind and kind not in latest and "test_macro_f1" in run.data.metrics:
            latest[kind] = run
    if not latest:
        raise ConfigError(f"experiment {experiment!r} has no finished training runs")
    return [latest[kind] for kind in sorted(latest)]


def comparison_table(runs: list[Any]) -> str:
    """A markdown table: test macro-F1 [95% CI] and per-label F1, the same on the real
    development set, false alarms on real off-topic news, train seconds, sentences/s."""
    header = [
        "model",
        "test macro-F1 [95% CI]",
        *(f"F1 {label}" for label in LABEL_IDS),
        "real-dev macro-F1",
        "real-dev macro-F1 (labels present)",
        *(f"real-dev F1 {label}" for label in LABEL_IDS),
        "off-topic articles flagged",
        "topical labels / 1k off-topic",
        "train s",
        "sent/s",
        "run",
    ]
    rows: list[list[str]] = []
    for run in runs:
        m = run.data.metrics
        cells = [
            run.data.tags.get("model_kind", "?"),
            f"{m['test_macro_f1']:.3f} [{m.get('test_macro_f1_ci_low', float('nan')):.3f}, "
            f"{m.get('test_macro_f1_ci_high', float('nan')):.3f}]",
            *(f"{m.get(f'test_f1_{label}', float('nan')):.3f}" for label in LABEL_IDS),
            f"{m.get('realdev_macro_f1', float('nan')):.3f}",
            f"{m.get('realdev_macro_f1_present', float('nan')):.3f}",
            *(_real_dev_f1(m, label) for label in LABEL_IDS),
            f"{m.get('falsealarm_article_rate', float('nan')):.1%}",
            f"{m.get('falsealarm_topical_per_1000', float('nan')):.1f}",
            f"{m.get('train_seconds', float('nan')):.1f}",
            f"{m.get('predict_sentences_per_second', float('nan')):.0f}",
            run.info.run_id[:8],
        ]
        rows.append(cells)
    return markdown_table(header, rows)


def _real_dev_f1(metrics: dict[str, float], label: str) -> str:
    """A label's real-dev F1, or ``n/a`` with its false-alarm count when no gold sentence has it
    (its F1 is then 0 whatever the model does)."""
    if metrics.get(f"realdev_support_{label}") == 0:
        return f"n/a ({metrics.get(f'realdev_predicted_{label}', 0):.0f} predicted)"
    return f"{metrics.get(f'realdev_f1_{label}', float('nan')):.3f}"


@dataclass(frozen=True)
class FalseAlarmTarget:
    """The most false alarms on real off-topic news a champion may raise."""

    max_article_rate: float = 0.02  # share of off-topic articles given has_violation_report
    max_topical_per_1000: float = 5.0  # topical labels per 1,000 off-topic sentences

    def met_by(self, metrics: dict[str, float]) -> bool | None:
        """True or False; None when the run was not measured on off-topic news."""
        rate = metrics.get("falsealarm_article_rate")
        per_1000 = metrics.get("falsealarm_topical_per_1000")
        if rate is None or per_1000 is None:
            return None
        return rate <= self.max_article_rate and per_1000 <= self.max_topical_per_1000


@dataclass(frozen=True)
class Promotion:
    """The model ``promote --best`` chose, and why."""

    name: str
    version: str
    validation_macro_f1: float
    meets_false_alarm_target: bool | None
    reason: str


def best_registered_run(experiment: str, target: FalseAlarmTarget | None = None) -> Promotion:
    """The best latest registered run per kind by validation macro-F1, among the runs that meet
    the false-alarm target when any does.

    Validation, not test, picks the champion: the test split stays an unbiased estimate. The
    false-alarm target comes first because most news a deployed model reads is off-topic: a
    model that flags a fifth of it is worse in use than one a little lower on validation.
    """
    target = target or FalseAlarmTarget()
    candidates = [
        r for r in latest_runs_by_kind(experiment) if r.data.tags.get("registered_version")
    ]
    if not candidates:
        raise ConfigError(f"experiment {experiment!r} has no registered models to promote")
    meeting = [r for r in candidates if target.met_by(r.data.metrics)]
    pool = meeting or candidates
    best = max(pool, key=lambda r: r.data.metrics.get("validation_macro_f1", -1.0))
    met = target.met_by(best.data.metrics)
    if meeting:
        reason = (
            f"best validation macro-F1 of the {len(meeting)} of {len(candidates)} models within "
            f"the false-alarm target (<= {target.max_article_rate:.1%} of off-topic articles, "
            f"<= {target.max_topical_per_1000:g} topical labels per 1,000 sentences)"
        )
    else:
        reason = "best validation macro-F1; no model meets the false-alarm target"
    name, version = best.data.tags["registered_version"].rsplit("/", 1)
    return Promotion(name, version, best.data.metrics["validation_macro_f1"], met, reason)
