"""Structure rules: Qt only under triage_desk/ui/, and the CLI entry point starts without SQLAlchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.sqlite_only("start-up of a single-PC app: no server")
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


# ---- the UI layer: screens call services through ui/operations.py, never the store ------------------
UI = PACKAGE / "ui"
MODEL_NAMES_ALLOWED_IN_UI = {"Role"}  # an enum of words; ORM rows stay behind the services


def ui_store_access(source: str) -> list[tuple[int, str]]:
    """What a UI module must not do: import SQLAlchemy or ORM models, open a session, write the audit trail."""
    tree = ast.parse(source)
    found = [(line, f"imports {m}") for line, m in _imported_modules(tree) if m.split(".")[0] == "sqlalchemy"]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("triage_desk.models"):
            found += [(node.lineno, f"imports {node.module}.{a.name}") for a in node.names
                      if a.name not in MODEL_NAMES_ALLOWED_IN_UI]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "session":
                found.append((node.lineno, "opens a database session"))
            elif node.func.attr == "record" and getattr(node.func.value, "id", None) == "audit":
                found.append((node.lineno, "writes the audit trail"))
    return found


def test_ui_never_touches_the_store():
    offenders = [f"triage_desk/ui/{path.name}:{line} {what}" for path in sorted(UI.rglob("*.py"))
                 for line, what in ui_store_access(path.read_text("utf-8"))]
    assert not offenders, "database work under triage_desk/ui/ (use a service through ui/operations.py):\n" + \
        "\n".join(offenders)


def test_store_checker_sees_each_kind_of_access():
    source = ("from sqlalchemy import select\nfrom triage_desk.models import Role, Referral\n"
              "with ws.session() as s:\n    audit.record(s, None, 'x')\n")
    assert [what for _line, what in ui_store_access(source)] == [
        "imports sqlalchemy", "imports triage_desk.models.Referral", "opens a database session",
        "writes the audit trail"]


def _ui_import_graph() -> dict[str, set[str]]:
    """module -> the triage_desk.ui modules it imports (at top level or inside functions)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(UI.glob("*.py")):
        name = f"triage_desk.ui.{path.stem}"
        tree = ast.parse(path.read_text("utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "triage_desk.ui":
                targets |= {f"triage_desk.ui.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("triage_desk.ui."):
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("triage_desk.ui.")}
        graph[name] = {t for t in targets if t != name and (UI / f"{t.rsplit('.', 1)[1]}.py").exists()}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search, colouring visited modules)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_ui_modules_import_one_way():
    cycle = find_cycle(_ui_import_graph())
    assert cycle is None, "import cycle under triage_desk/ui/: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


# ---- the GUI thread never waits on the store: a service call with the workspace goes through operations ----
# Allowed: the previews make their synthetic data before the screen opens; methods that only ever run in a
# worker (handed to ui/operations by a lambda); the first-run wizard's `create`, which makes the database
# (init_workspace) before any workspace or operation exists.
GUI_THREAD_ALLOWED_MODULES = {"preview_screens.py", "preview_referral.py", "preview_registry.py"}
RUNS_IN_WORKER = {("wizard_saving.py", "_save"), ("wizard_team.py", "save_versioned"),
                  ("rescore_dialog.py", "_run"), ("first_run_wizard.py", "create")}


def _service_names(tree: ast.AST) -> set[str]:
    """Names a module binds to the project's core modules (not triage_desk.ui): `from triage_desk import intake`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("triage_desk") \
                and not node.module.startswith("triage_desk.ui"):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.asname and a.name.startswith("triage_desk.")
                      and not a.name.startswith("triage_desk.ui")}
    return names


def gui_thread_service_calls(source: str, module: str = "") -> list[tuple[int, str]]:
    """`service.function(ws, ...)` or an imported `function(ws, ...)` (the workspace first: the call reaches
    the store) written straight into a function or method body. The same call inside a lambda or nested
    function is the work handed to ui/operations.query/change, which runs it off the GUI thread."""
    tree = ast.parse(source)
    services, found = _service_names(tree), []

    def is_workspace(arg: ast.expr) -> bool:
        return (isinstance(arg, ast.Name) and arg.id in ("ws", "workspace")) or (
            isinstance(arg, ast.Attribute) and arg.attr == "ws")

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # a nested function or lambda: the work handed to a worker
            if isinstance(child, ast.Call) and child.args and is_workspace(child.args[0]):
                func = child.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in services:
                    found.append((child.lineno, f"{func.value.id}.{func.attr}"))
                elif isinstance(func, ast.Name) and func.id in services:
                    found.append((child.lineno, func.id))
            visit(child)

    bodies = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    bodies += [m for n in tree.body if isinstance(n, ast.ClassDef) for m in n.body if isinstance(m, ast.FunctionDef)]
    for function in bodies:
        if (module, function.name) not in RUNS_IN_WORKER:
            visit(function)
    return sorted(found)


def test_gui_thread_never_calls_a_service_with_the_workspace():
    offenders = [f"triage_desk/ui/{path.name}:{line} calls {what}" for path in sorted(UI.glob("*.py"))
                 if path.name not in GUI_THREAD_ALLOWED_MODULES
                 for line, what in gui_thread_service_calls(path.read_text("utf-8"), path.name)]
    assert not offenders, "service calls on the GUI thread (hand them to ui/operations.query/change):\n" + \
        "\n".join(offenders)


def test_gui_thread_checker_sees_direct_calls_and_passes_handed_over_work():
    source = ("from triage_desk import intake, preferences\nfrom triage_desk.ui import wizard\n"
              "class W:\n"
              "    def open(self):\n"
              "        doc = intake.new_draft(self.ws, 'child')\n"
              "        operations.change(lambda: intake.save_draft(self.ws, doc), None)\n"
              "        wizard.resume(self.ws, 'x')\n"
              "        def work():\n"
              "            return preferences.get_int(ws, 'k', 5)\n"
              "def minutes(ws):\n"
              "    from triage_desk.grants import admin_fingerprint\n"
              "    return preferences.get_int(ws, 'k', 5), admin_fingerprint(ws)\n")
    assert gui_thread_service_calls(source) == [(5, "intake.new_draft"), (12, "admin_fingerprint"),
                                                (12, "preferences.get_int")]


# Worker threads without ui/operations: only before a workspace exists (start-up, unlocking the database)
# and for backups, which copy the store's file rather than run a service transaction.
# Re-assessing every referral is a long read-only run (most of a minute at a million referrals): on its own
# worker so the case list keeps paging meanwhile, rather than behind it in operations' serial queue.
BACKGROUND_WITHOUT_OPERATIONS = {"operations.py", "tasks.py", "app.py", "unlock_dialog.py", "backups_dialog.py",
                                 "rescore_dialog.py"}


def test_screens_reach_worker_threads_only_through_operations():
    offenders = [f"triage_desk/ui/{path.name}:{node.lineno}" for path in sorted(UI.glob("*.py"))
                 if path.name not in BACKGROUND_WITHOUT_OPERATIONS
                 for node in ast.walk(ast.parse(path.read_text("utf-8")))
                 if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                 == "run_in_background"]
    assert not offenders, ("worker threads started outside ui/operations (no serial order, no "
                           "workspace_changed):\n" + "\n".join(offenders))
