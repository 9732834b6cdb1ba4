"""Error types whose message is meant to be shown to the user as one line."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class for user-facing errors: the CLI prints ``error: <message>`` and exits non-zero."""

    exit_code = 2

    def __str__(self) -> str:
        # Collapse any newline so the message always fits on one line.
        return " ".join(super().__str__().split())


class InputError(ClassifierError):
    """A missing, empty, undecodable or malformed input file."""


class RecordError(InputError):
    """A problem confined to one input record (an empty article, a line that is not JSON, a
    duplicate id): ``predict --on-error skip`` sets the record aside instead of stopping."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin, self.reason = origin, reason


class ConfigError(ClassifierError):
    """A config file with an unknown key, a wrong type or an invalid value."""


class AnnotationError(ClassifierError):
    """An annotation that names an unknown label or no longer matches its sentence."""


class OutputError(ClassifierError):
    """An output that cannot be written, or would overwrite existing work."""


class ServerError(ClassifierError):
    """A local server (``mlflow server``, ``mlflow models serve``) that did not start."""


class TrackingUnreachable(ClassifierError):
    """The MLflow tracking server does not answer (exit code 3, apart from bad input)."""

    exit_code = 3
