"""File › Print summary, Save summary as PDF, Export case bundle, Open bundle and the trusted-signer list,
as a user meets them (offscreen, modal dialogs patched). Synthetic people only."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import USER_PASSWORD
from intake_helpers import complete, subject
from PySide6.QtWidgets import QFileDialog
from ui_helpers import audit_actions, user

from triage_desk import intake
from triage_desk.ui import bundle_actions
from triage_desk.ui.main_window import MainWindow

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def case(workspace):
    """A submitted referral: (referral_id, reference)."""
    workspace.user = user(workspace, "officer")
    doc = intake.submit(workspace, complete(intake.new_draft(workspace), subject(surname="Brightwater-Zed",
                                                                                 forenames="Olwen")))
    return doc["id"], doc["reference"]


@pytest.fixture
def window(qtbot, workspace, case):
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.current_case = lambda: case  # what the Cases area provides
    win.bundle_actions.refresh()
    win.show()
    return win


def wait_for_status(qtbot, win, words: str) -> None:
    qtbot.waitUntil(lambda: words in win.statusBar().currentMessage(), timeout=15000)


def test_case_actions_need_a_current_case(qtbot, workspace, case):
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    actions = win.bundle_actions
    win.current_case = lambda: None
    actions.refresh()
    assert not actions.print_action.isEnabled() and not actions.export_action.isEnabled()
    assert actions.open_action.isEnabled()
    win.current_case = lambda: case
    actions.refresh()
    assert actions.print_action.isEnabled() and actions.save_pdf_action.isEnabled()
    win.lock()
    assert not actions.print_action.isEnabled() and not actions.open_action.isEnabled()


@needs_pdftotext
def test_save_summary_as_pdf_writes_the_case_and_is_audited(qtbot, window, case, tmp_path, monkeypatch, workspace):
    offered = {}

    def fake_save(parent, title, default, filters):
        offered["default"] = default
        return str(tmp_path / "out.pdf"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    window.bundle_actions.save_pdf_action.trigger()
    wait_for_status(qtbot, window, "Saved")
    assert offered["default"].endswith(f"{case[1]}-summary.pdf")
    text = pdf_text(tmp_path / "out.pdf")
    assert case[1] in text and "OFFICIAL-SENSITIVE" in text and "Brightwater-Zed" in text.replace("\n", " ")
    assert ("officer", "case.pdf_export") in audit_actions(workspace)


@needs_pdftotext
def test_print_to_a_pdf_printer_prints_every_page_and_is_audited(qtbot, window, case, tmp_path, monkeypatch,
                                                                 workspace):
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"

    def fake_dialog(parent, reference):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(bundle_actions, "ask_printer", fake_dialog)
    window.bundle_actions.print_action.trigger()
    wait_for_status(qtbot, window, "to the printer")
    assert out.stat().st_size > 10_000
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2 and f"Sent {pages} pages" in window.statusBar().currentMessage()
    assert ("officer", "case.print") in audit_actions(workspace)


def test_cancelled_print_is_not_audited(qtbot, window, monkeypatch, workspace):
    monkeypatch.setattr(bundle_actions, "ask_printer", lambda parent, reference: None)
    window.bundle_actions.print_action.trigger()
    assert ("officer", "case.print") not in audit_actions(workspace)


_ = USER_PASSWORD
