"""Start-up and sign-in keep the GUI thread free (issue 16 point 3): what runs where, checked by structure,
never by time (the figures are in bench/bench_unlock.py and bench/bench_startup.py)."""

from __future__ import annotations

import subprocess
import sys

IMPORT_PROBE = ("import linecache, triage_desk.ui.operations; import colorsys; "
                "print(any(name.endswith('colorsys.py') for name in linecache.cache))")


def test_a_module_imported_after_the_ui_is_not_read_as_source():
    # found: PySide's `__feature__` import hook reads the whole source of every module imported after Qt
    # (inspect.getsource) - ~20 % of the CPU of loading the database stack, part of it on the GUI thread
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
