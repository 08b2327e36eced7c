"""File › Print summary, Save summary as PDF, Export case bundle, Open bundle and the trusted-signer list,
as a user meets them (offscreen, modal dialogs patched). Synthetic people only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import USER_PASSWORD
from intake_helpers import complete, subject
from PySide6.QtWidgets import QFileDialog
from ui_helpers import audit_actions, user

from triage_desk import intake
from triage_desk.ui import bundle_actions
from triage_desk.ui.main_window import MainWindow
from triage_desk.ui.operations import settle

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def case(workspace):
    """A submitted referral: (referral_id, reference)."""
    # the intake helpers are kept valid for the current referral form by its owners
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
def test_print_goes_through_a_preview_to_a_pdf_printer_and_is_audited(qtbot, window, case, tmp_path,
                                                                      monkeypatch, workspace):
    from PySide6.QtPrintSupport import QPrinter

    from triage_desk.ui.pdf_pages import PRINT_DPI_CAP, print_pdf

    out = tmp_path / "printed.pdf"
    previewed = {}

    def fake_preview(parent, title, pdf):  # the person presses Print in the preview and picks a PDF printer
        previewed["title"] = title
        assert ("officer", "case.print") not in audit_actions(workspace)  # nothing on paper yet
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return print_pdf(printer, pdf, PRINT_DPI_CAP)

    monkeypatch.setattr(bundle_actions, "preview_print", fake_preview)
    window.bundle_actions.print_action.trigger()
    wait_for_status(qtbot, window, "to the printer")
    assert previewed["title"].endswith("summary")
    assert out.stat().st_size > 10_000
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2 and f"Sent {pages} pages" in window.statusBar().currentMessage()
    assert ("officer", "case.print_preview") in audit_actions(workspace)
    assert ("officer", "case.print") in audit_actions(workspace)


def test_closed_preview_prints_nothing_and_is_not_audited_as_printed(qtbot, window, case, monkeypatch, workspace):
    monkeypatch.setattr(bundle_actions, "preview_print", lambda parent, title, pdf: None)
    window.bundle_actions.print_action.trigger()
    wait_for_status(qtbot, window, "nothing was printed")
    assert ("officer", "case.print") not in audit_actions(workspace)


def test_the_print_preview_shows_every_page_of_the_summary(qtbot, workspace, case):
    """The real QPrintPreviewDialog, rendering the PDF's own pages (closed without printing)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
    from PySide6.QtWidgets import QApplication

    from triage_desk.reports.case_summary import summary_for
    from triage_desk.ui.pdf_pages import preview_print, rasterise

    pdf = summary_for(workspace, case[1], "print_preview")
    seen = {}

    def look() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintPreviewDialog) and w.isVisible())
        seen["pages"] = dialog.findChild(QPrintPreviewWidget).pageCount()
        seen["title"] = dialog.windowTitle()
        dialog.reject()

    QTimer.singleShot(500, look)
    assert preview_print(None, "TD summary", pdf) is None
    assert seen["pages"] == len(rasterise(pdf, 20)) >= 2
    assert seen["title"] == "Print preview - TD summary"


# ---- export dialog ------------------------------------------------------------------------------------
BUNDLE_PASS = "bundle passphrase 2026"


@pytest.fixture
def export_dialog(qtbot, workspace, case, tmp_path):
    from triage_desk.ui.export_dialog import ExportDialog

    dialog = ExportDialog(workspace, case[1])
    qtbot.addWidget(dialog)
    dialog.out.setText(str(tmp_path / "case.tdcase"))
    dialog.show()
    return dialog


def test_export_refuses_mismatched_passphrases(qtbot, export_dialog, tmp_path):
    qtbot.keyClicks(export_dialog.passphrase, BUNDLE_PASS)
    qtbot.keyClicks(export_dialog.repeat, BUNDLE_PASS + "x")
    qtbot.keyClicks(export_dialog.password, USER_PASSWORD)
    export_dialog.export_button.click()
    assert "do not match" in export_dialog.error.text() and export_dialog.error.isVisible()
    assert not (tmp_path / "case.tdcase").exists()


def test_export_to_a_passphrase_writes_an_age_file_and_names_the_fingerprint(qtbot, export_dialog, tmp_path,
                                                                            monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text: shown.append(text)))
    assert "Strength" in export_dialog.meter.words.text()
    qtbot.keyClicks(export_dialog.passphrase, BUNDLE_PASS)
    qtbot.keyClicks(export_dialog.repeat, BUNDLE_PASS)
    qtbot.keyClicks(export_dialog.password, USER_PASSWORD)
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.result_info is not None, timeout=15000)
    data = (tmp_path / "case.tdcase").read_bytes()
    assert data.startswith(b"age-encryption.org/v1")
    fp = export_dialog.result_info.fingerprint
    assert str(tmp_path / "case.tdcase") in shown[0] and fp[:4] in shown[0]


def test_export_with_a_wrong_password_says_so_and_writes_nothing(qtbot, export_dialog, tmp_path):
    qtbot.keyClicks(export_dialog.passphrase, BUNDLE_PASS)
    qtbot.keyClicks(export_dialog.repeat, BUNDLE_PASS)
    qtbot.keyClicks(export_dialog.password, "not-my-password")
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.error.isVisible(), timeout=15000)
    assert "password" in export_dialog.error.text().lower()
    assert not (tmp_path / "case.tdcase").exists() and export_dialog.export_button.isEnabled()


def test_export_refuses_a_bad_age_recipient(qtbot, export_dialog):
    export_dialog.mode_recipient.setChecked(True)
    qtbot.keyClicks(export_dialog.recipient, "age1notakey")
    qtbot.keyClicks(export_dialog.password, USER_PASSWORD)
    export_dialog.export_button.click()
    assert "not an age public key" in export_dialog.error.text()


def test_unencrypted_export_needs_the_tick_and_a_second_confirmation(qtbot, export_dialog, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: None))
    answers = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: answers.pop(0)))
    export_dialog.mode_none.setChecked(True)
    out = tmp_path / "case.zip"
    assert export_dialog.out.text() == str(out)
    qtbot.keyClicks(export_dialog.password, USER_PASSWORD)
    export_dialog.export_button.click()
    assert "Tick the box" in export_dialog.error.text()
    export_dialog.understood.setChecked(True)
    answers.append(QMessageBox.StandardButton.No)
    export_dialog.export_button.click()
    assert not answers and export_dialog.result_info is None and not out.exists()
    answers.append(QMessageBox.StandardButton.Yes)
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.result_info is not None, timeout=15000)
    assert out.read_bytes().startswith(b"PK") and export_dialog.result_info.encryption == "none"


# ---- opening bundles ----------------------------------------------------------------------------------
def export_file(ws, reference: str, out, **how):
    from triage_desk.bundle.export import export_case

    return export_case(ws, reference, password=USER_PASSWORD, out=out, **how)


def open_in_dialog(qtbot, ws, path, passphrase: str | None = None):
    from triage_desk.ui.bundle_view import OpenBundleDialog

    dialog = OpenBundleDialog(ws, path)
    qtbot.addWidget(dialog)
    dialog.show()
    if passphrase is not None:
        assert dialog.use_passphrase.isChecked()  # chosen from the file's age header
        qtbot.keyClicks(dialog.passphrase, passphrase)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: dialog.bundle is not None or dialog.error.isVisible(), timeout=15000)
    return dialog


def report(qtbot, ws, bundle):
    from triage_desk.ui.bundle_view import BundleReportDialog

    dialog = BundleReportDialog(ws, bundle)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_flipped_byte_in_the_encrypted_file_is_refused_before_anything_shows(qtbot, workspace, case, tmp_path):
    path = tmp_path / "case.tdcase"
    export_file(workspace, case[1], path, passphrase=BUNDLE_PASS)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    dialog = open_in_dialog(qtbot, workspace, path, BUNDLE_PASS)
    assert dialog.bundle is None and "refused" in dialog.error.text().lower()


def test_wrong_passphrase_says_so(qtbot, workspace, case, tmp_path):
    path = tmp_path / "case.tdcase"
    export_file(workspace, case[1], path, passphrase=BUNDLE_PASS)
    dialog = open_in_dialog(qtbot, workspace, path, "some other passphrase")
    assert dialog.bundle is None and "wrong passphrase" in dialog.error.text()


def test_a_tampered_member_shows_the_failure_and_no_case(qtbot, workspace, case, tmp_path):
    import zipfile

    good = tmp_path / "good.zip"
    export_file(workspace, case[1], good, unencrypted=True)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "case.json":
                data = data.replace(b"Brightwater-Zed", b"Brightwater-Zad")
            dst.writestr(info, data)
    dialog = open_in_dialog(qtbot, workspace, bad)
    assert dialog.bundle is not None and not dialog.bundle.intact
    shown = report(qtbot, workspace, dialog.bundle)
    assert "REFUSED" in shown.verdict.text()
    rows = {shown.members.item(r, 1).text(): shown.members.item(r, 0).text() for r in range(shown.members.rowCount())}
    assert rows["case.json"].startswith("\u2717") and rows["summary.pdf"].startswith("\u2713")
    assert not shown.view_button.isVisible() and not shown.import_button.isVisible()
    assert not shown.trust_button.isVisible()


@pytest.fixture
def laptop(tmp_path):
    """The practice lead's laptop: another workstation with its own database and users."""
    from triage_desk import accounts
    from triage_desk.models import Role
    from triage_desk.workspace import init_workspace

    ws, _code = init_workspace(tmp_path / "laptop", admin_username="admin", admin_display_name="Laptop Admin",
                               admin_password="laptop-admin-1", passphrase="laptop passphrase 1")
    with ws.session() as s:
        accounts.create_user(s, ws.user, "lead2", "Laptop Lead", Role.LEAD, USER_PASSWORD)
    ws.user = user(ws, "lead2")
    yield ws
    ws.close()


def test_good_bundle_from_another_workstation_trust_then_import_shows_differences(qtbot, workspace, case, laptop,
                                                                                  tmp_path, monkeypatch):
    import json

    from PySide6.QtWidgets import QMessageBox

    from triage_desk import referral_io
    from triage_desk.ui.import_dialog import ImportDialog

    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: None))
    path = tmp_path / "case.tdcase"
    result = export_file(workspace, case[1], path, passphrase=BUNDLE_PASS)
    # the laptop already holds an older copy of the case with two fields that differ
    older = json.loads(referral_io.export_text(workspace, case[1]))
    older["concerns"]["whereabouts"] = "at the library"
    older["referrer"]["phone"] = "0100 111111"
    referral_io.import_text(laptop, json.dumps(older))

    dialog = open_in_dialog(qtbot, laptop, path, BUNDLE_PASS)
    shown = report(qtbot, laptop, dialog.bundle)
    assert "NOT trusted" in shown.verdict.text() and not shown.import_button.isEnabled()
    assert shown.fields["Case"].text() == case[1]
    assert shown.fields["Key fingerprint"].text().replace(" ", "") == result.fingerprint
    assert shown.trust_button.isVisible() and shown.view_button.isVisible()

    def confirm(add):
        add.confirm.setText(result.fingerprint)
        add._submit()

    from ui_helpers import on_next_modal

    on_next_modal(confirm, qtbot)
    shown.trust_button.click()
    settle()  # the trust list is read again off the GUI thread
    assert "trusted signer" in shown.verdict.text() and shown.import_button.isEnabled()

    opened = []
    monkeypatch.setattr(ImportDialog, "exec", lambda self: opened.append(self))
    shown.import_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=15000)
    imp = opened[0]
    fields = {imp.table.item(r, 1).text(): r for r in range(imp.table.rowCount())}
    assert set(fields) == {"concerns › whereabouts", "referrer › phone"}
    row = fields["concerns › whereabouts"]
    assert imp.table.item(row, 2).text() == "at the library" and imp.table.item(row, 3).text() == "at home"
    imp.apply_button.click()  # nothing ticked: refused, nothing overwritten
    assert "No change is ticked" in imp.error.text()
    from PySide6.QtCore import Qt

    imp.table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    imp.apply_button.click()
    settle()  # imported off the GUI thread
    assert imp.result_info.status == "updated" and imp.result_info.kept == ("referrer.phone",)
    now = json.loads(referral_io.export_text(laptop, case[1]))
    assert now["concerns"]["whereabouts"] == "at home" and now["referrer"]["phone"] == "0100 111111"
    assert ("lead2", "bundle.import") in audit_actions(laptop) and ("lead2", "trust.add") in audit_actions(laptop)


def test_show_the_case_from_a_bundle_is_audited(qtbot, workspace, case, tmp_path, monkeypatch):
    from triage_desk.ui.bundle_view import CaseViewDialog

    path = tmp_path / "case.zip"
    export_file(workspace, case[1], path, unencrypted=True)
    dialog = open_in_dialog(qtbot, workspace, path)
    shown = report(qtbot, workspace, dialog.bundle)
    assert "trusted signer" in shown.verdict.text()  # this database's own user
    pages = []
    monkeypatch.setattr(CaseViewDialog, "exec", lambda self: pages.append(len(self.page_labels)))
    shown.view_button.click()
    settle()  # the view is on record before the case is shown
    assert pages and pages[0] >= 1
    assert ("officer", "bundle.view") in audit_actions(workspace)


# ---- trusted signers -----------------------------------------------------------------------------------
def test_trust_dialog_adds_from_a_key_file_only_with_the_confirmed_fingerprint(qtbot, workspace, laptop, tmp_path):
    from triage_desk.bundle import trust
    from triage_desk.bundle.signing import fingerprint, public_key_pem
    from triage_desk.ui.trust_dialog import AddSignerDialog, TrustDialog

    key = trust.own_public_key(workspace, "officer")
    pem = tmp_path / "officer.pem"
    pem.write_bytes(public_key_pem(key))
    laptop.user = user(laptop, "admin", "laptop-admin-1")
    add = AddSignerDialog(laptop)
    qtbot.addWidget(add)
    add.key_file.setText(str(pem))
    add._load_key_file()
    add.identity.setText("Test Officer, Northshire front door")
    add.confirm.setText("0" * 64)
    add.add_button.click()
    settle()  # the trust list is written off the GUI thread
    assert "does not match" in add.error.text() and add.added is None
    add.confirm.setText(fingerprint(key))
    add.add_button.click()
    settle()
    assert add.added is not None
    listing = TrustDialog(laptop)
    qtbot.addWidget(listing)
    settle()
    names = [listing.table.item(r, 1).text() for r in range(listing.table.rowCount())]
    assert "Test Officer, Northshire front door" in names
    listing.table.selectRow(names.index("Test Officer, Northshire front door"))
    assert listing.remove_button.isEnabled()


# ---- every dialog: named inputs, labels bound to fields (as tests/test_ui_smoke.py checks the others) ---------
DIALOGS = ("export", "open", "report", "import", "case_view", "trust", "add_signer")


@pytest.mark.parametrize("name", DIALOGS)
def test_dialogs_are_keyboard_and_screen_reader_friendly(qtbot, workspace, case, tmp_path, name):
    from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

    from triage_desk.bundle.importer import plan_import
    from triage_desk.bundle.verify import open_bundle
    from triage_desk.ui import bundle_view, export_dialog, import_dialog, trust_dialog

    path = tmp_path / "case.zip"
    export_file(workspace, case[1], path, unencrypted=True)
    bundle = open_bundle(path, ws=workspace)
    factories = {
        "export": lambda: export_dialog.ExportDialog(workspace, case[1]),
        "open": lambda: bundle_view.OpenBundleDialog(workspace, path),
        "report": lambda: bundle_view.BundleReportDialog(workspace, bundle),
        "import": lambda: import_dialog.ImportDialog(workspace, plan_import(workspace, bundle)),
        "case_view": lambda: bundle_view.CaseViewDialog(case[1], bundle.pdf),
        "trust": lambda: trust_dialog.TrustDialog(workspace),
        "add_signer": lambda: trust_dialog.AddSignerDialog(workspace),
    }
    widget = factories[name]()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.windowTitle()
    for field in widget.findChildren(QLineEdit) + widget.findChildren(QComboBox):
        assert field.accessibleName(), f"{name}: an input has no accessible name"
    for label in widget.findChildren(QLabel):
        if "&" in label.text() and not label.text().startswith("<"):
            assert label.buddy() is not None, f"{name}: label {label.text()!r} has no buddy"
    assert all(b.text() or b.accessibleName() for b in widget.findChildren(QPushButton) if b.isVisible())
    widget.close()


def test_file_open_bundle_verifies_then_reports(qtbot, window, workspace, case, tmp_path, monkeypatch):
    from ui_helpers import on_next_modal

    from triage_desk.ui import bundle_view

    path = tmp_path / "case.zip"
    export_file(workspace, case[1], path, unencrypted=True)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: (str(path), "")))
    seen = []

    def on_report(dialog):
        seen.append(dialog)
        dialog.accept()

    monkeypatch.setattr(bundle_view.BundleReportDialog, "exec", lambda self: on_report(self))
    on_next_modal(lambda opener: opener.open_button.click(), qtbot)
    window.bundle_actions.open_action.trigger()
    assert seen and seen[0].bundle.ok and seen[0].fields["Case"].text() == case[1]


def test_a_bundle_for_an_age_key_opens_with_the_identity_file(qtbot, workspace, case, tmp_path):
    from pyrage import x25519

    from triage_desk.ui.bundle_view import OpenBundleDialog

    identity = x25519.Identity.generate()
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"# created: synthetic test key\n{identity}\n")
    path = tmp_path / "case.tdcase"
    export_file(workspace, case[1], path, recipient=str(identity.to_public()))
    dialog = OpenBundleDialog(workspace, path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.use_identity.isChecked() and not dialog.passphrase.isEnabled()  # read from the age header
    dialog.open_button.click()
    assert "Identity file" in dialog.error.text()
    dialog.identity.setText(str(key_file))
    dialog.open_button.click()
    qtbot.waitUntil(lambda: dialog.bundle is not None, timeout=15000)
    assert dialog.bundle.ok and dialog.bundle.encryption == "identity"


def test_exports_default_to_documents_made_if_missing(qtbot, workspace, case, tmp_path, monkeypatch):
    from triage_desk.ui.export_dialog import ExportDialog

    home = tmp_path / "new-profile"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs: Qt uses ~/Documents
    dialog = ExportDialog(workspace, case[1])
    qtbot.addWidget(dialog)
    out = Path(dialog.out.text())
    assert out == home / "Documents" / f"{case[1]}.tdcase"
    assert out.parent.is_dir()


def test_one_documented_bundle_extension():
    """README, docs and the dialogs all call a bundle `.tdcase` (it was `case.age` in the README)."""
    import re

    root = Path(__file__).resolve().parent.parent
    texts = [root / "README.md", *sorted((root / "docs").glob("*.md")), *sorted((root / "triage_desk").rglob("*.py"))]
    wrong = [f"{p.relative_to(root)}" for p in texts if re.search(r"\bcase\.age\b|\*\.age\b", p.read_text("utf-8"))]
    assert not wrong, "a bundle called something other than .tdcase in: " + ", ".join(wrong)
