"""The case view's decision panel: record a decision after submission; overrides need a rationale."""

from __future__ import annotations

from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import decisions, intake
from triage_desk.ui.decision_panel import DecisionPanel
from triage_desk.ui.operations import settle


def submitted(ws) -> str:
    act_as(ws, "officer")
    doc = complete(intake.new_draft(ws), subject(surname="Panelwell"), received_at="2026-11-20T10:00")
    doc["concerns"]["indicators"] = ["parenting.inconsistent_routines"]
    return intake.submit(ws, doc)["id"]


def test_officer_records_then_re_decides_with_history(qtbot, workspace):
    referral_id = submitted(workspace)
    panel = DecisionPanel(workspace, referral_id)
    qtbot.addWidget(panel)
    settle()  # the decisions are read off the GUI thread
    assert "No threshold decision" in panel.state.text() and panel.form.isVisibleTo(panel)
    panel.form.set_override(3, ["S17"], rationale="")
    panel.save.click()
    settle()
    assert "rationale" in panel.message.text() and panel.decision is None
    panel.form.override.setChecked(False)
    panel.save.click()
    settle()
    assert panel.decision is not None and panel.decision.approval == "not_needed"
    assert not panel.form.isVisibleTo(panel) and panel.redecide.isVisibleTo(panel)
    assert panel.cells[("Level", "engine")].text().startswith("Level 2")
    panel.redecide.click()
    panel.form.set_override(3, ["S17"], rationale="Two further incidents reported by the school nurse.")
    panel.save.click()
    settle()
    assert "overridden UP" in panel.cells[("Level", "final")].text()
    assert "WAITING" in panel.cells[("Approval", "final")].text()
    assert "superseded" in panel.history.text()
    # feedback (issue 10 point 6): the save says what happened and what comes next
    assert "✔ Decision recorded and signed" in panel.state.text() and "Review area" in panel.state.text()
    with workspace.session() as s:
        assert len(decisions.history(s, referral_id)) == 2


def test_admin_sees_the_decision_but_cannot_record_one(qtbot, workspace):
    referral_id = submitted(workspace)
    act_as(workspace, "admin")
    panel = DecisionPanel(workspace, referral_id)
    qtbot.addWidget(panel)
    settle()  # the decisions are read off the GUI thread
    assert not panel.form.isVisibleTo(panel) and not panel.save.isVisibleTo(panel)


def test_an_admins_empty_decision_tab_says_who_can_decide_and_why(qtbot, workspace):
    # found (issue 10 point 6): an admin's Decision tab was an empty table with no explanation
    referral_id = submitted(workspace)
    act_as(workspace, "admin")
    panel = DecisionPanel(workspace, referral_id)
    qtbot.addWidget(panel)
    settle()
    text = panel.state.text()
    assert "front-door officers and practice leads" in text and "signed" in text and "Administrator" in text
    assert not panel.side.isVisibleTo(panel)  # no empty table


def test_primary_need_is_recorded_with_the_decision(qtbot, workspace):
    referral_id = submitted(workspace)
    panel = DecisionPanel(workspace, referral_id)
    qtbot.addWidget(panel)
    settle()
    need = panel.form.primary_need
    need.setCurrentIndex(need.findData("N4"))  # no override: the need is recorded all the same
    panel.save.click()
    settle()
    assert panel.decision is not None
    with workspace.session() as s:
        current = decisions.current(s, referral_id)
        assert current.primary_need == "N4"
        assert decisions.as_document(current)["primary_need"] == "N4"
