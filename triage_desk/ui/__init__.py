"""The Qt user interface (the only package that imports Qt)."""

import builtins

import PySide6.QtCore  # noqa: F401 - installs PySide's import hook, taken out below


def _drop_feature_import_hook() -> None:
    # PySide replaces __import__ to support `from __feature__ import snake_case`, which this app never
    # uses; the hook reads the whole source file of every module imported after Qt (inspect.getsource)
    # to see whether it mentions PySide6. That was ~20 % of the CPU of loading the database stack,
    # part of it on the GUI thread at sign-in. Plain imports behave as they would without Qt.
    original = getattr(builtins, "__orig_import__", None)
    if original is not None and builtins.__import__ is getattr(builtins, "__feature_import__", None):
        builtins.__import__ = original


_drop_feature_import_hook()
