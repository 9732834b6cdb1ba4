"""MLflow plumbing: tracking URI, run params, dataset inputs, model logging and registry."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from classifier.config import PACKAGE_DIR, PROJECT_ROOT
from classifier.errors import ConfigError, TrackingUnreachable
from classifier.runtime import disable_telemetry

DEFAULT_TRACKING_URI = f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"
CANDIDATE, CHAMPION = "candidate", "champion"
LIBRARIES = ("torch", "transformers", "scikit-learn", "mlflow", "datasets", "numpy")


def configure_mlflow() -> str:
    """Use ``$MLFLOW_TRACKING_URI`` or the project's SQLite store; telemetry off."""
    disable_telemetry()
    # A down server must fail fast with one line, not retry for minutes.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    # MLflow's INFO lines (database migrations, model validation) would bury one-line errors.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    uri = os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(os.environ.get("MLFLOW_REGISTRY_URI") or uri)
    return uri


def ensure_experiment(name: str) -> None:
    """Make ``name`` the active experiment, creating it if needed.

    With a local SQLite store, artifacts go to ``mlruns/`` beside the database rather than
    wherever the command happened to be started.
    """
    if mlflow.get_experiment_by_name(name) is None:
        uri = mlflow.get_tracking_uri()
        location = None
        if uri.startswith("sqlite:///"):
            location = (Path(uri.removeprefix("sqlite:///")).parent / "mlruns").resolve().as_uri()
        mlflow.create_experiment(name, artifact_location=location)
    mlflow.set_experiment(name)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape results."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[f"version.{name}"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[f"version.{name}"] = "not installed"
    return versions


def git_commit() -> str:
    """The project's HEAD commit (with ``-dirty`` if the tree has changes), or ``unknown``."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def log_params(params: dict[str, Any]) -> None:
    """Log params in chunks (MLflow caps a batch at 100) with values cut to 6,000 chars."""
    items = [(key, str(value)[:6000]) for key, value in params.items()]
    for start in range(0, len(items), 100):
        mlflow.log_params(dict(items[start : start + 100]))


def log_datasets(splits: Any, data_dir: Path) -> None:
    """Log each split as an MLflow dataset input (digest and source show in the UI)."""
    import mlflow.data

    for split, dataset in splits.items():
        source = str((data_dir / f"{split}.parquet").resolve())
        logged = mlflow.data.from_huggingface(
            dataset, path=source, targets="labels", name=f"asn-neutrality-{split}"
        )
        mlflow.log_input(logged, context={"train": "training"}.get(split, split))


def log_pyfunc_model(
    model_dir: Path, registered_name: str | None, example_texts: list[str]
) -> tuple[Any, Any]:
    """Log the pyfunc with signature and input example; register it with alias ``candidate``."""
    from mlflow.models import infer_signature

    from classifier.models.base import load_model
    from classifier.pyfunc import MODEL_ARTIFACT, SentenceClassifierPyfunc, scores_to_frame

    example = pd.DataFrame({"text": example_texts})
    model = load_model(model_dir)
    output = scores_to_frame(model.predict_proba(example_texts), model.thresholds)
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=SentenceClassifierPyfunc(),
        artifacts={MODEL_ARTIFACT: str(model_dir)},
        code_paths=[str(PACKAGE_DIR)],
        signature=infer_signature(example, output),
        input_example=example,
        registered_model_name=registered_name,
    )
    version = None
    if registered_name:
        version = info.registered_model_version
        mlflow.MlflowClient().set_registered_model_alias(registered_name, CANDIDATE, str(version))
    return info, version


_UNREACHABLE = (
    "Connection refused",
    "Failed to establish",
    "Max retries",
    "timed out",
    "Name or service not known",
)


def mlflow_error_message(exc: BaseException) -> str | None:
    """A one-line message for an MLflow failure (an unreachable server above all), else None."""
    from mlflow.exceptions import MlflowException

    if not isinstance(exc, MlflowException):
        return None
    text = " ".join(str(exc).split())
    if is_unreachable(exc):
        uri = os.environ.get("MLFLOW_TRACKING_URI", "the tracking store")
        return f"MLflow tracking server {uri} is unreachable ({text[:160]})"
    return f"MLflow: {text[:300]}"


def is_unreachable(exc: BaseException) -> bool:
    """Whether an exception says the tracking server did not answer."""
    text = " ".join(str(exc).split())
    return any(s in text for s in _UNREACHABLE)


def raise_if_unreachable(exc: BaseException) -> None:
    """Re-raise an unreachable-server failure as :class:`TrackingUnreachable` (exit 3), so it
    is never mistaken for a missing model or version."""
    if is_unreachable(exc):
        raise TrackingUnreachable(mlflow_error_message(exc) or str(exc)) from None


def promote(name: str, version: str, alias: str = CHAMPION) -> None:
    """Point ``alias`` (default ``champion``) at a registered version."""
    client = mlflow.MlflowClient()
    try:
        client.get_model_version(name, str(version))
    except mlflow.exceptions.MlflowException as exc:
        raise_if_unreachable(exc)
        raise ConfigError(f"registered model {name!r} has no version {version!r}") from None
    client.set_registered_model_alias(name, alias, str(version))


def artifact_tempdir() -> tempfile.TemporaryDirectory[str]:
    """A scratch directory for files about to be logged as artifacts."""
    return tempfile.TemporaryDirectory(prefix="classifier-artifacts-")


def registered_version(uri: str) -> str | None:
    """The registry version a ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION`` URI names,
    or None for other URIs (or when the registry cannot say)."""
    if not uri.startswith("models:/"):
        return None
    name, _, rest = uri.removeprefix("models:/").partition("@")
    try:
        if rest:
            return str(mlflow.MlflowClient().get_model_version_by_alias(name, rest).version)
        name, _, version = name.rpartition("/")
        return version or None
    except mlflow.exceptions.MlflowException:
        return None
