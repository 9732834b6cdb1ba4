"""``promote --best``: validation macro-F1 decides, within the false-alarm target when any
model meets it."""

from __future__ import annotations

import mlflow
import pytest

from classifier.training.promotion import FalseAlarmTarget, best_registered_run
from classifier.training.tracking import configure_mlflow


def _run(kind: str, validation: float, rate: float | None, per_1000: float | None) -> None:
    with mlflow.start_run(run_name=kind):
        mlflow.set_tags({"model_kind": kind, "registered_version": f"asn-{kind}/1"})
        metrics = {"validation_macro_f1": validation, "test_macro_f1": validation}
        if rate is not None and per_1000 is not None:
            metrics |= {"falsealarm_article_rate": rate, "falsealarm_topical_per_1000": per_1000}
        mlflow.log_metrics(metrics)


@pytest.mark.usefixtures("tracking")
def test_best_skips_models_over_the_false_alarm_target() -> None:
    configure_mlflow()  # this test's store, not one an earlier test set
    mlflow.set_experiment("promo")
    _run("transformer", 0.95, 0.176, 27.8)  # best on validation, far over the target
    _run("tfidf", 0.93, 0.009, 2.9)
    _run("rules", 0.60, 0.002, 1.0)
    chosen = best_registered_run("promo")
    assert (chosen.name, chosen.version, chosen.meets_false_alarm_target) == (
        "asn-tfidf",
        "1",
        True,
    )
    assert "2 of 3 models within the false-alarm target" in chosen.reason
    # A looser target lets the transformer in; per-1,000 alone can also exclude a model.
    assert best_registered_run("promo", FalseAlarmTarget(0.2, 30)).name == "asn-transformer"
    assert best_registered_run("promo", FalseAlarmTarget(0.2, 2.0)).name == "asn-rules"


@pytest.mark.usefixtures("tracking")
def test_best_falls_back_to_validation_when_no_model_meets_the_target() -> None:
    configure_mlflow()
    mlflow.set_experiment("promo2")
    _run("transformer", 0.95, 0.176, 27.8)
    _run("tfidf", 0.93, None, None)  # not measured: not known to meet it
    chosen = best_registered_run("promo2")
    assert chosen.name == "asn-transformer" and chosen.meets_false_alarm_target is False
    assert "no model meets" in chosen.reason
