"""The core package (everything outside triage_desk/ui/) stays easy to hold in your head: no import cycles
(lazy imports inside functions count too), no `except ImportError` fallbacks for the project's own modules,
and files and functions of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "triage_desk"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _core_files() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if "ui" in rel.parts or "migrations" in rel.parts:
            continue
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(name: str, tree: ast.AST, modules: set[str]) -> set[str]:
    """Core modules this module imports anywhere in its text (a lazy import is still a dependency)."""
    found = set()
    package = name if name in modules and _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    files = _core_files()
    modules = set(files)
    return {name: _imports(name, ast.parse(path.read_text("utf-8")), modules) for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_core_import_graph_has_no_cycle():
    graph = _graph()
    assert "triage_desk.forms.validation" in graph and graph["triage_desk.forms.validation"]
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# forms/ is configuration and pure functions over it. The machine's IT policy file is configuration too
# (its bank-holiday region overrides the rules file's) and policy.py imports nothing of the project.
FORMS_MAY_IMPORT = {"triage_desk.errors", "triage_desk.policy"}


def test_forms_is_pure_it_imports_only_forms_and_errors():
    outside = {f"{name} -> {dep}" for name, deps in _graph().items() if name.startswith("triage_desk.forms.")
               for dep in deps if not dep.startswith("triage_desk.forms") and dep not in FORMS_MAY_IMPORT}
    assert outside == set()


def test_policy_imports_nothing_of_the_project():
    assert not {d for d in _graph()["triage_desk.policy"] if d.startswith("triage_desk")}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_fallbacks_for_the_projects_own_modules():
    offenders = []
    for name, path in _core_files().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Try) or not _imports_own_module(node.body):
                continue  # an optional third-party or platform module (winreg...) may be tried
            for handler in node.handlers:
                caught = {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)} if handler.type else set()
                reraises = bool(handler.body) and isinstance(handler.body[-1], ast.Raise)
                broad = not caught or caught & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
                if broad and not reraises:
                    offenders.append(f"{name}:{handler.lineno}")
    assert offenders == []


def _imports_own_module(body: list[ast.stmt]) -> bool:
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("triage_desk")):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("triage_desk") for a in node.names):
            return True
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            return True
    return False


def test_core_files_and_functions_are_a_readable_size():
    long_files, long_functions = [], []
    for name, path in _core_files().items():
        text = path.read_text("utf-8")
        if text.count("\n") > MAX_FILE_LINES:
            long_files.append(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}")
    assert long_files == [] and long_functions == []
