"""Screens a build may leave out (work areas, case panels, wizard pages): imported when present. Only the
module itself being absent counts as absent; an import error inside it is a fault and propagates."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
