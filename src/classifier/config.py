"""Typed configs: YAML files loaded into dataclasses that reject unknown keys.

``load_config(path, cls, overrides)`` reads YAML, applies ``key.sub=value`` overrides, and builds
``cls`` recursively, naming the file and the offending key on any error.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from classifier.errors import ConfigError
from classifier.io_utils import read_utf8

T = TypeVar("T")
# The installed package, and the project checkout around it (src/ layout): the default tracking
# store and data paths hang off PROJECT_ROOT, not the working directory.
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]


def apply_overrides(data: dict[str, Any], overrides: Sequence[str], where: str) -> dict[str, Any]:
    """Apply ``a.b=value`` overrides; values are parsed as YAML scalars or lists."""
    for override in overrides:
        if "=" not in override:
            raise ConfigError(f"{where}: override {override!r} is not of the form key=value")
        dotted, raw_value = override.split("=", 1)
        keys = dotted.strip().split(".")
        node = data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{where}: override {dotted!r}: {key!r} is not a section")
        node[keys[-1]] = yaml.safe_load(raw_value) if raw_value != "" else ""
    return data


def from_dict(cls: type[T], data: Any, where: str, path: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, rejecting unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: section '{path or '<root>'}' must be a mapping")
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        name = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ConfigError(
            f"{where}: unknown key {name!r} (allowed here: {', '.join(sorted(fields))})"
        )
    kwargs = {
        name: _coerce(hints[name], value, where, f"{path}.{name}" if path else name)
        for name, value in data.items()
    }
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _coerce(hint: Any, value: Any, where: str, path: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where, path)  # type: ignore[arg-type]
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [arg for arg in args if arg is not type(None)]
        # The first member type the value fits, so "int | str" takes 3 and "all" alike.
        for arg in inner[:-1]:
            try:
                return _coerce(arg, value, where, path)
            except ConfigError:
                continue
        return _coerce(inner[-1], value, where, path)
    if origin in (list, tuple) and isinstance(value, list):
        return [_coerce(args[0], item, where, path) for item in value] if args else value
    if origin is dict and isinstance(value, dict):
        return value
    if hint is Any:
        return value
    if hint in (int, float) and isinstance(value, bool):
        # bool is an int subclass in Python, but "epochs: true" is a mistake, not 1.
        raise ConfigError(f"{where}: key {path!r} expects {hint.__name__}, got {value!r}")
    if hint is float and isinstance(value, int):
        return float(value)
    if hint is Path and isinstance(value, str):
        return Path(value)
    check = origin or hint
    if isinstance(check, type) and not isinstance(value, check):
        raise ConfigError(
            f"{where}: key {path!r} expects {getattr(hint, '__name__', hint)}, got {value!r}"
        )
    return value


def load_config(path: Path | str, cls: type[T], overrides: Sequence[str] = ()) -> T:
    """Load YAML at ``path`` into ``cls`` after applying ``overrides``."""
    path = Path(path)
    try:
        data = yaml.safe_load(read_utf8(path)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{place}: not valid YAML ({problem})") from None
    return from_dict(cls, apply_overrides(data, overrides, str(path)), str(path))


def require_at_least(minimum: float, **values: float | None) -> None:
    """Raise ValueError (a one-line config error) for the first value below ``minimum``;
    None means "not set" and passes."""
    for name, value in values.items():
        if value is not None and value < minimum:
            raise ValueError(f"{name} must be >= {minimum:g}, not {value!r}")


def require_positive(**values: float | None) -> None:
    """Raise ValueError for the first value that is not > 0; None passes."""
    for name, value in values.items():
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be > 0, not {value!r}")


def to_dict(config: Any) -> dict[str, Any]:
    """Plain-dict form of a config dataclass, with paths as strings (for logging)."""

    def convert(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [convert(item) for item in value]
        return value

    return convert(dataclasses.asdict(config))


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts to ``a.b`` keys (MLflow params are flat)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
