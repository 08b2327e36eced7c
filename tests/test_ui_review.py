"""The practice lead's Review area: approve another's override; one's own decision cannot be approved."""

from __future__ import annotations

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject
from ui_helpers import audit_actions

from triage_desk import accounts, decisions, intake
from triage_desk.decisions import Proposal
from triage_desk.forms.threshold import evaluate
from triage_desk.models import Referral, Role
from triage_desk.ui.operations import settle
from triage_desk.ui.review_area import OWN, ReviewArea

RATIONALE = "New partner at home has a conviction for violence; bruising seen twice this term."


@pytest.fixture
def ws(workspace):
    with workspace.session() as s:
        accounts.create_user(s, workspace.user, "lead2", "Second Lead", Role.LEAD, "user-password-1")
    return workspace


def overridden_case(ws, by: str, surname: str) -> str:
    act_as(ws, "officer")
    doc = complete(intake.new_draft(ws), subject(surname=surname), received_at="2026-11-20T10:00")
    doc["concerns"]["indicators"] = ["parenting.inconsistent_routines"]
    doc = intake.submit(ws, doc)
    act_as(ws, by)
    decisions.decide(ws, doc["id"], evaluate(doc), Proposal(3, ("S17",), rationale=RATIONALE))
    return doc["id"]


def build(qtbot, ws) -> ReviewArea:
    area = ReviewArea(ws)
    qtbot.addWidget(area)
    area.reload()
    settle()  # the queue is read off the GUI thread
    return area


def test_lead_approves_another_officers_override(qtbot, ws):
    referral_id = overridden_case(ws, "officer", "Overridewell")
    act_as(ws, "lead")
    area = build(qtbot, ws)
    assert area.queue.topLevelItemCount() == 1
    item = area.queue.topLevelItem(0)
    assert item.text(3) == "L2 → L3"
    # found (issue 10 point 5): "OVERDUE by 53 d 17 h" here while the status bar said "No decisions overdue";
    # the decision was made, so the queue says how long it has waited; overdue comes from THE overdue query
    assert "OVERDUE" not in item.text(1) and " min" in item.text(1)
    assert RATIONALE in area.detail.toPlainText() and "consent to the referral: given" in area.detail.toPlainText()
    assert area.approve_button.isEnabled() and not area.own.isVisibleTo(area)
    assert ("lead", "decision.view") not in audit_actions(ws)  # prepared while hidden: nobody has seen it
    area.show()
    area.reload()
    settle()  # the queue is read off the GUI thread
    assert ("lead", "decision.view") in audit_actions(ws)
    area.reject_button.click()
    settle()
    assert "note" in area.message.text().lower()  # rejecting needs a note
    assert not area.done.isVisibleTo(area)
    area.approve_button.click()
    settle()  # approved off the GUI thread, then the queue re-read on workspace_changed
    assert area.queue.topLevelItemCount() == 0 and "Nothing waiting" in area.count.text()
    # found (issue 10 point 6): Approve gave no confirmation; now it says what happened and what comes next
    assert area.done.isVisibleTo(area) and area.done.text().startswith("✔ Approved")
    assert "stands" in area.done.text() and "officer sees" in area.done.text()
    with ws.session() as s:
        assert s.get(Referral, referral_id).approval == "approved"


def test_rejecting_confirms_it_was_sent_back_and_who_decides_again(qtbot, ws):
    overridden_case(ws, "officer", "Rejectwell")
    act_as(ws, "lead")
    area = build(qtbot, ws)
    area.note.setPlainText("Please look again at the school's account.")
    area.reject_button.click()
    settle()
    assert area.done.text().startswith("✔ Sent back") and "officer" in area.done.text()
    assert "must record a new decision" in area.done.text()


def test_own_decision_shows_the_notice_and_disables_the_buttons(qtbot, ws):
    overridden_case(ws, "lead", "Ownwell")
    act_as(ws, "lead")
    area = build(qtbot, ws)
    assert area.queue.topLevelItemCount() == 1
    assert area.own.text() == OWN and area.own.isVisibleTo(area)
    assert not area.approve_button.isEnabled() and not area.reject_button.isEnabled()
    act_as(ws, "lead2")
    area.reload()
    settle()  # the queue is read off the GUI thread
    assert area.approve_button.isEnabled() and not area.own.isVisibleTo(area)


def test_review_tab_only_for_practice_leads(qtbot, ws):
    from triage_desk.ui.main_window import MainWindow

    act_as(ws, "officer")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    index = win.tabs.indexOf(win.review_area)
    assert not win.tabs.isTabVisible(index)
    act_as(ws, "lead")
    win.user_changed.emit(ws.user)
    assert win.tabs.isTabVisible(index)
