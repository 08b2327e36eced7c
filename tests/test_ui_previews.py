"""Every registered preview opens offscreen on synthetic data, and every screen class has a preview."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QMainWindow,
    QWidget,
    QWizard,
)

from triage_desk.ui.operations import settle
from triage_desk.ui.preview import open_screen, screens
from triage_desk.ui.preview_registry import PreviewContext

UI = Path(__file__).resolve().parent.parent / "triage_desk" / "ui"
WINDOW_BASES = (QDialog, QWizard, QMainWindow)
SCREEN_SUFFIXES = ("Step", "Panel", "Area", "View")  # the pages and panels a window is made of


@pytest.fixture
def ctx(tmp_path):
    context = PreviewContext(tmp_path)
    yield context
    context.close()


@pytest.mark.parametrize("name", sorted(screens()))
def test_preview_opens(qtbot, ctx, name):
    widget = open_screen(ctx, name)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    settle()  # whatever the screen reads off the GUI thread arrives and is shown
    shows = screens()[name].shows
    assert f"{type(widget).__module__}.{type(widget).__name__}" == f"triage_desk.ui.{shows}"
    assert widget.isVisible()
    if isinstance(widget, WINDOW_BASES):
        assert widget.windowTitle(), f"{name}: a window without a title"
    for field in widget.findChildren(QLineEdit) + widget.findChildren(QComboBox):
        if not isinstance(field.parent(), (QComboBox, QAbstractSpinBox)):
            assert field.accessibleName(), f"{name}: an input has no accessible name"
    widget.close()
    settle()


def _screen_classes() -> set[str]:
    """"module.Class" for each public dialog, wizard, window, area, panel, view or step class under ui/."""
    import importlib

    found = set()
    for path in sorted(UI.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        names = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
        if not names:
            continue
        module = importlib.import_module(f"triage_desk.ui.{path.stem}")
        for name in names:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, QWidget) and not issubclass(cls, QAbstractScrollArea) and (
                    issubclass(cls, WINDOW_BASES) or name.endswith(SCREEN_SUFFIXES)):
                found.add(f"{path.stem}.{name}")
    return found


def test_every_screen_has_a_preview():
    missing = _screen_classes() - {entry.shows for entry in screens().values()}
    assert not missing, "screens without a preview (add one in ui/preview_screens.py): " + ", ".join(sorted(missing))


def test_list_names_every_preview():
    out = subprocess.run([sys.executable, "-m", "triage_desk.ui.preview", "--list"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert {line.split()[0] for line in out.splitlines()} == set(screens())


def test_unknown_name_is_refused_with_words():
    result = subprocess.run([sys.executable, "-m", "triage_desk.ui.preview", "no_such_screen"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "no screen called 'no_such_screen'" in result.stderr
