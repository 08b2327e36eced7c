"""The agency-checks tab driven with the keyboard and mouse (pytest-qt, offscreen)."""

from __future__ import annotations

from checks_helpers import act_as, referral
from PySide6.QtCore import Qt
from ui_helpers import audit_actions, on_next_modal

from triage_desk import checks, sharing
from triage_desk.ui.checks_panel import ChecksPanel
from triage_desk.ui.operations import settle


def _panel(qtbot, ws, doc):
    panel = ChecksPanel(ws, doc["id"])
    qtbot.addWidget(panel)
    panel.resize(1100, 650)
    panel.show()
    settle()
    return panel


def _cells(panel, column):
    return [panel.table.item(r, column).text() for r in range(panel.table.rowCount())]


def test_request_refused_for_unsigned_partner_then_request_and_respond(qtbot, workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    panel = _panel(qtbot, workspace, doc)
    assert "given" in panel.consent.text()
    assert not panel.lead_decision.isVisible()  # officers cannot make the lead's decision
    texts = [panel.partner_list.item(i).text() for i in range(panel.partner_list.count())]
    assert "Fire and rescue service · NOT SIGNED" in texts

    panel.set_partner_checked("fire")
    panel.set_partner_checked("police")
    qtbot.mouseClick(panel.request_button, Qt.MouseButton.LeftButton)
    settle()
    assert panel.error.isVisible()
    assert "Fire and rescue service: no signed information-sharing agreement" in panel.error.text()
    assert panel.table.rowCount() == 0

    panel.set_partner_checked("fire", False)
    with qtbot.waitSignal(panel.changed, timeout=2000):
        qtbot.mouseClick(panel.request_button, Qt.MouseButton.LeftButton)
        settle()
    assert not panel.error.isVisible()
    assert _cells(panel, 0) == ["Police (MASH desk)"]
    assert _cells(panel, 3)[0].startswith(("Awaiting answer", "OVERDUE"))
    assert "1 awaiting an answer" in panel.summary.text()
    assert panel.chosen_partners() == []

    panel.select_check("police")
    assert panel.respond_button.isEnabled()

    def answer(dialog):
        dialog.nothing_known.setChecked(True)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle()

    on_next_modal(answer, qtbot)
    qtbot.mouseClick(panel.respond_button, Qt.MouseButton.LeftButton)
    settle()
    assert _cells(panel, 4) == ["Nothing known"]
    assert _cells(panel, 3)[0].startswith("Answered")
    assert not panel.respond_button.isEnabled()
    assert ("officer", "check.respond") in audit_actions(workspace)


def test_summary_required_shown_in_the_response_dialog(qtbot, workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    checks.request_checks(workspace, doc["id"], ["housing"])
    panel = _panel(qtbot, workspace, doc)
    panel.select_check("housing")
    seen = {}

    def empty_then_fill(dialog):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle()
        seen["error"] = dialog.error.text()
        qtbot.keyClicks(dialog.summary, "Rent arrears; tenancy warning in 2025.")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        settle()

    on_next_modal(empty_then_fill, qtbot)
    qtbot.mouseClick(panel.respond_button, Qt.MouseButton.LeftButton)
    settle()
    assert "Summary" in seen["error"]
    assert _cells(panel, 4) == ["Rent arrears; tenancy warning in 2025."]


def test_lead_checks_without_consent(qtbot, workspace):
    doc = referral(workspace, checks_consent="refused")
    act_as(workspace, "officer")
    panel = _panel(qtbot, workspace, doc)
    assert "refused" in panel.consent.text()
    panel.set_partner_checked("police")
    qtbot.mouseClick(panel.request_button, Qt.MouseButton.LeftButton)
    settle()
    assert "practice lead" in panel.error.text()

    act_as(workspace, "lead")
    panel = _panel(qtbot, workspace, doc)
    assert panel.lead_decision.isVisible()
    panel.set_partner_checked("police")
    qtbot.mouseClick(panel.lead_decision, Qt.MouseButton.LeftButton)
    settle()
    qtbot.keyClicks(panel.lead_reason, "Telling the father would put the child at risk.")
    qtbot.mouseClick(panel.request_button, Qt.MouseButton.LeftButton)
    settle()
    assert not panel.error.isVisible(), panel.error.text()
    assert "lead decision, no consent" in _cells(panel, 1)[0]


def test_sharing_decision_dialog_requires_every_rule(qtbot, workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    panel = _panel(qtbot, workspace, doc)
    seen = {}

    def decide(dialog):
        dialog.partner.setCurrentIndex(dialog.partner.findData("police"))
        ids = sharing.rule_ids()
        for rid in ids[:-1]:
            dialog.set_rule(rid, True)
        dialog.shared_no.setChecked(True)
        qtbot.keyClicks(dialog.reason, "Police already hold this; no need to share.")
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        settle()
        seen["error"] = dialog.error.text()
        dialog.set_rule(ids[-1], False)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        settle()

    on_next_modal(decide, qtbot)
    qtbot.mouseClick(panel.share_button, Qt.MouseButton.LeftButton)
    settle()
    assert "consider every rule" in seen["error"] and "keep_record" in seen["error"]
    assert "not shared with Police (MASH desk)" in panel.decisions.text()
    decision = checks.as_document(workspace, doc["id"])["sharing_decisions"][0]
    assert decision["shared"] is False and decision["golden_rules"]["keep_record"] is False
    assert ("officer", "sharing.decide") in audit_actions(workspace)


def test_partner_directory_admin_signs_an_agreement(qtbot, workspace):
    from ui_helpers import on_next_modal as next_modal

    from triage_desk.ui.partner_admin import PartnerDirectoryDialog

    act_as(workspace, "admin")
    dialog = PartnerDirectoryDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    dialog.select_partner("fire")
    assert dialog.edit_button.isEnabled()

    def sign(edit):
        edit.isa_status.setCurrentIndex(edit.isa_status.findData("signed"))
        save = edit.buttons.button(edit.buttons.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # no date yet: refused in the dialog
        settle()
        seen["error"] = edit.error.text()
        qtbot.keyClicks(edit.isa_date, "1.11.26")
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        settle()

    seen = {}
    next_modal(sign, qtbot)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    settle()
    assert "date the agreement was signed" in seen["error"]
    row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "Fire and rescue service")
    assert dialog.table.item(row, 2).text() == "Signed" and dialog.table.item(row, 3).text() == "01/11/2026"
    assert ("admin", "partner.change") in audit_actions(workspace)


def test_partner_directory_menu_for_admins(qtbot, workspace):
    from triage_desk.ui.main_window import MainWindow

    act_as(workspace, "admin")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert window.partner_directory_action in window.admin_menu.actions()
    assert window.partner_directory_action.isEnabled()


def test_administrators_see_checks_but_do_not_request_them(qtbot, workspace):
    doc = referral(workspace)
    act_as(workspace, "officer")
    checks.request_checks(workspace, doc["id"], ["police"])
    act_as(workspace, "admin")
    panel = _panel(qtbot, workspace, doc)
    assert _cells(panel, 0) == ["Police (MASH desk)"]
    assert not panel.request_button.isEnabled() and "officers" in panel.request_button.toolTip()
    panel.select_check("police")
    assert not panel.respond_button.isEnabled() and not panel.share_button.isEnabled()
