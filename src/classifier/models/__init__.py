"""Model kinds, registered by name.

A kind lives in ``classifier/models/<kind>.py`` and registers its class with
``@register("<kind>")``. :func:`get_model_class` imports that module on first use, so adding a
kind is one new module plus one config, and heavy imports (torch) happen only when needed.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, TypeVar

from classifier.errors import ConfigError

if TYPE_CHECKING:
    from classifier.models.base import SentenceModel

_REGISTRY: dict[str, type[SentenceModel]] = {}
_NOT_KINDS = {"base"}
M = TypeVar("M", bound="type[SentenceModel]")


def register(kind: str):
    """Class decorator: make a :class:`SentenceModel` subclass available under ``kind``."""

    def decorate(cls: M) -> M:
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return decorate


def _kind_modules() -> list[str]:
    """Public modules of this package; helpers are private (``_name``) and ``base`` is shared."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name not in _NOT_KINDS and not info.name.startswith("_")
    )


def available_kinds() -> list[str]:
    """Exactly the kinds registered with ``@register`` (every kind module is imported; heavy
    libraries such as torch load only when a model is built)."""
    for module in _kind_modules():
        importlib.import_module(f"{__name__}.{module}")
    return sorted(_REGISTRY)


def get_model_class(kind: str) -> type[SentenceModel]:
    """The class registered under ``kind``, importing its module if needed."""
    if kind not in _REGISTRY and kind in _kind_modules():
        importlib.import_module(f"{__name__}.{kind}")
    if kind not in _REGISTRY:
        raise ConfigError(
            f"unknown model kind {kind!r} (available: {', '.join(available_kinds())})"
        )
    return _REGISTRY[kind]
