"""Structure rules: Qt only under triage_desk/ui/, and the CLI entry point starts without SQLAlchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "triage_desk"
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_qt_outside_ui():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "ui":
            continue
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if module.split(".")[0] in QT_MODULES:
                offenders.append(f"triage_desk/{rel}:{line} imports {module}")
    assert not offenders, "Qt imported outside triage_desk/ui/:\n" + "\n".join(offenders)


def test_checker_sees_qt_imports():
    tree = ast.parse("import PySide6.QtCore\nfrom shiboken6 import isValid\n"
                     "importlib.import_module('PyQt6')\n")
    assert [m for _l, m in _imported_modules(tree)] == ["PySide6.QtCore", "shiboken6", "PyQt6"]


def test_cli_entry_point_starts_without_database_stack():
    code = ("import sys, triage_desk.cli as c; c.build_parser(); "
            "heavy = [m for m in ('sqlalchemy', 'alembic', 'reportlab', 'PySide6') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"imported at start-up: {out.strip()}"


def test_first_window_shows_before_the_database_stack_loads(workspace, tmp_path):
    import os

    workspace.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRIAGE_DESK_EXIT_AFTER_SHOW="1")
    for data_dir in (workspace.data_dir, tmp_path / "fresh"):  # sign-in window, first-run wizard
        out = subprocess.run([sys.executable, "-m", "triage_desk", "--data-dir", str(data_dir)], env=env,
                             capture_output=True, text=True, timeout=60)
        shown = [line for line in out.stdout.splitlines() if line.startswith("TRIAGE_DESK_SHOWN")]
        assert shown and shown[0].endswith("loaded=-"), out.stdout + out.stderr
    assert not (tmp_path / "fresh").exists()  # showing the wizard changes nothing on disk
