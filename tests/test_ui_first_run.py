"""The first-run wizard driven end to end like an administrator setting up a new workstation."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from triage_desk.ui.first_run_wizard import FirstRunWizard

NEW_PASSPHRASE = "blue kettle orchard 77"
NEW_PASSWORD = "first-admin-pw-1"


def _fill(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


@pytest.fixture
def wizard(qtbot, data_dir):
    wiz = FirstRunWizard(data_dir)
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    if wiz.workspace is not None:
        wiz.workspace.close()


def test_wizard_creates_database_and_shows_recovery_code_once(qtbot, wizard, data_dir, monkeypatch, tmp_path):
    from triage_desk.ui import pdf_pages
    from triage_desk.workspace import open_workspace

    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.admin
    _fill(qtbot, wizard.admin.username, "it.admin")
    _fill(qtbot, wizard.admin.display_name, "Alex Example")
    _fill(qtbot, wizard.admin.password, NEW_PASSWORD)
    _fill(qtbot, wizard.admin.password2, "a different one 1")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.admin  # mismatch: stays, says why
    assert "differ" in wizard.admin.error.text()
    _fill(qtbot, wizard.admin.password2, NEW_PASSWORD)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.passphrase

    _fill(qtbot, wizard.passphrase.passphrase, "short")
    assert "too short" in wizard.passphrase.meter.words.text().lower()
    _fill(qtbot, wizard.passphrase.passphrase, NEW_PASSPHRASE)
    assert "too" not in wizard.passphrase.meter.words.text().lower()
    _fill(qtbot, wizard.passphrase.passphrase2, NEW_PASSPHRASE)
    assert not (data_dir / "keys.json").exists()  # nothing written before the commit button
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)

    assert wizard.currentPage() is wizard.recovery
    code = wizard.recovery.panel.code()
    assert "Administrator key fingerprint" in wizard.recovery.pin.text()  # pinned, shown with the code
    assert len(code) == 29 and code.count("-") == 4
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # waits for "I have stored it"
    wizard.reject()  # Escape / close is refused too until the code is stored
    assert wizard.isVisible()
    qtbot.mouseClick(wizard.recovery.panel.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == code
    sheets = []  # Print: a one-page sheet with the code and the pinned fingerprint, via the print preview
    monkeypatch.setattr(pdf_pages, "preview_print", lambda parent, title, pdf: sheets.append(pdf) or 1)
    qtbot.mouseClick(wizard.recovery.panel.print_button, Qt.MouseButton.LeftButton)
    (tmp_path / "sheet.pdf").write_bytes(sheets[0])
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True,
                                   text=True).stdout.split())
    fingerprint = wizard.recovery.pin.text().splitlines()[-1]
    assert code in text and fingerprint in text and "Administrator key fingerprint" in text
    assert b"/Count 1" in sheets[0] and "Sent to the printer" in wizard.recovery.panel.copied.text()
    wizard.recovery.panel.stored.setChecked(True)
    assert finish.isEnabled()
    assert not wizard.button(QWizard.WizardButton.BackButton).isVisible()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert wizard.result() == QWizard.DialogCode.Accepted

    ws = wizard.workspace
    assert ws.user.username == "it.admin" and ws.user.role == "admin"
    assert code.replace("-", "") not in (data_dir / "keys.json").read_text()  # only wrapped copies stored
    ws.close()
    wizard.workspace = None
    for secret in ({"passphrase": NEW_PASSPHRASE}, {"recovery_code": code}):
        reopened = open_workspace(data_dir, **secret)
        reopened.close()


def test_wizard_rejects_weak_passphrase_without_creating_anything(qtbot, wizard, data_dir):
    wizard.next()
    _fill(qtbot, wizard.admin.username, "it.admin")
    _fill(qtbot, wizard.admin.display_name, "Alex Example")
    _fill(qtbot, wizard.admin.password, NEW_PASSWORD)
    _fill(qtbot, wizard.admin.password2, NEW_PASSWORD)
    wizard.next()
    _fill(qtbot, wizard.passphrase.passphrase, "aaaaaaaaaaaa")
    _fill(qtbot, wizard.passphrase.passphrase2, "aaaaaaaaaaaa")
    qtbot.keyClick(wizard.passphrase.passphrase2, Qt.Key.Key_Return)  # Enter = Create database
    assert wizard.currentPage() is wizard.passphrase
    assert "repetitive" in wizard.passphrase.error.text()
    assert not data_dir.exists() or not any(data_dir.iterdir())
