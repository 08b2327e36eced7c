"""The Qt user interface (the only package that imports Qt)."""

from __future__ import annotations

import sys

if sys.version_info < (3, 12) and sys.implementation.name == "cpython":
    # PySide6 6.12 returns None from every void Qt call without taking a reference (on Python 3.12+
    # None is immortal, so it only shows on 3.11): each call drops None's count by one and after some
    # thousands of calls the interpreter aborts with "none_dealloc". Give None references it can never
    # run out of. Harmless when the bindings are fixed.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
