"""The case view's Progress tab: only allowed transitions as buttons, a refusal stays in the dialog,
deadlines listed, a dispute recorded."""

from __future__ import annotations

from casework_helpers import at_state
from checks_helpers import act_as
from PySide6.QtWidgets import QLabel, QPushButton

from triage_desk import lifecycle
from triage_desk.ui.progress_panel import ProgressPanel


def _panel(qtbot, ws, rid) -> ProgressPanel:
    panel = ProgressPanel(ws, rid)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: bool(panel.view))
    return panel


def test_buttons_show_only_what_is_allowed_and_a_transition_runs(qtbot, workspace):
    doc = at_state(workspace, "decided")
    panel = _panel(qtbot, workspace, doc["id"])
    texts = {b.text() for b in panel.actions_box.findChildren(QPushButton)}
    assert {"Hold a strategy discussion…", "Start a child and family assessment…", "Close the case…"} <= texts
    assert "Reopen the case…" not in texts and "Step down to early help…" not in texts
    assert panel.deadlines.topLevelItemCount() >= 2  # decision and RAG clocks (met)
    button = next(b for b in panel.actions_box.findChildren(QPushButton) if b.text().startswith("Start a child"))
    button.click()
    dialog = panel.dialog
    dialog.ok_button.click()  # no receiving team: refused inside the dialog
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog))
    assert "receiving team: required" in dialog.error.text().lower() and dialog.isVisible()
    dialog.fields["receiving_team"].setText("Assessment Team North")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: panel.view.get("state") == "assessment")
    assert lifecycle.current_state(workspace, doc["id"]).state == "assessment"
    assert "Child and family assessment" in [panel.deadlines.topLevelItem(i).text(0)
                                             for i in range(panel.deadlines.topLevelItemCount())]
    assert "Assessment Team North" in panel.history.text()


def test_admin_sees_progress_without_buttons_and_a_dispute_is_recorded(qtbot, workspace):
    doc = at_state(workspace, "decided")
    panel = _panel(qtbot, workspace, doc["id"])
    panel.dispute_button.click()
    dialog = panel.dialog
    dialog.fields["raised_by"].setText("Headteacher")
    dialog.fields["agency"].setText("Testford Primary")
    dialog.fields["grounds"].setPlainText("The school thinks the threshold for assessment is met.")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(panel.view.get("disputes")))
    assert panel.review_button.isEnabled() and "Headteacher" in panel.history.text()
    act_as(workspace, "admin")
    admin = _panel(qtbot, workspace, doc["id"])
    assert "Nothing for your role" in " ".join(x.text() for x in admin.actions_box.findChildren(QLabel))


def test_the_review_queue_lists_the_same_overdue_rows_as_the_case_list(qtbot, workspace):
    from datetime import datetime

    from casework_helpers import submitted

    from triage_desk import caselist
    from triage_desk.ui.overdue_queue import OverdueQueue

    doc = submitted(workspace, received_at="2026-01-05T10:00", urgent=True)  # long past its red RAG time
    queue = OverdueQueue(workspace)
    qtbot.addWidget(queue)
    qtbot.waitUntil(lambda: queue.tree.topLevelItemCount() > 0)
    shown = {(queue.tree.topLevelItem(i).text(0), queue.tree.topLevelItem(i).text(1))
             for i in range(queue.tree.topLevelItemCount())}
    assert shown == {(doc["reference"], "RAG priority response"), (doc["reference"], "Decision on the referral")}
    with workspace.session() as s:
        listed, _ = caselist.fetch_page(s, caselist.CaseFilters(overdue=True, now=datetime.now()))
    assert {r.reference for r in listed} == {ref for ref, _ in shown}


def test_the_strategy_form_records_the_discussion_and_names_a_bad_field(qtbot, workspace):
    from triage_desk import partners

    partners.ensure_partners(workspace)
    doc = at_state(workspace, "strategy_discussion")
    panel = _panel(qtbot, workspace, doc["id"])
    assert panel.strategy_button.isEnabled() and not panel.minutes_button.isEnabled()
    panel.strategy_button.click()
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    form = panel.dialog
    form.attendees.item(0, 1).setText("Team manager")
    form.information.add(["social_care", "Two bruises seen by the school nurse."])
    form.actions.add(["Joint visit", "Social worker", "social_care", "tomorrow"])
    form.ok_button.click()
    qtbot.waitUntil(lambda: form.error.isVisibleTo(form))
    assert "actions[0].due" in form.error.text()
    form.actions.item(0, 3).setText("2026-12-01")
    form.icpc.setText("2026-12-10")
    form.ok_button.click()
    qtbot.waitUntil(lambda: bool(panel.view.get("strategy_discussions")))
    qtbot.waitUntil(lambda: panel.agency.count() == 1)  # the attending agencies, read in the background
    assert panel.minutes_button.isEnabled() and panel.agency.currentData() == "social_care"
    assert panel.agency.currentText() == "Children's social care"  # names, never the directory's ids


def test_an_open_deadline_is_cancelled_with_a_reason_from_the_panel(qtbot, workspace):
    doc = at_state(workspace, "assessment")
    panel = _panel(qtbot, workspace, doc["id"])
    items = [panel.deadlines.topLevelItem(i) for i in range(panel.deadlines.topLevelItemCount())]
    assessment = next(i for i in items if i.text(0) == "Child and family assessment")
    panel.deadlines.setCurrentItem(assessment)
    assert panel.cancel_button.isEnabled()
    panel.cancel_button.click()
    dialog = panel.dialog
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog))
    dialog.reason.setPlainText("The family moved out of the area; the new council assesses.")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: any(d["kind"] == "assessment" and d["state"] == "cancelled"
                                for d in panel.view.get("deadlines", [])))


def test_a_transition_here_tells_every_view_and_a_change_elsewhere_refreshes_this_tab(qtbot, workspace):
    from triage_desk.ui import operations

    doc = at_state(workspace, "decided")
    panel = _panel(qtbot, workspace, doc["id"])
    seen = []
    operations.events().workspace_changed.connect(seen.append)
    next(b for b in panel.actions_box.findChildren(QPushButton) if b.text().startswith("Start early")).click()
    panel.dialog.fields["receiving_team"].setText("Early Help Hub East")
    panel.dialog.ok_button.click()
    qtbot.waitUntil(lambda: panel.view.get("state") == "early_help")
    assert any(c.touches(operations.CASE) and c.referral_id == doc["id"] for c in seen)
    lifecycle.transition(workspace, doc["id"], "close", outcome="EH")  # e.g. from the Decision tab or another view
    operations.announce(operations.Changes.of(operations.CASE, referral_id=doc["id"]))
    qtbot.waitUntil(lambda: panel.view.get("state") == "closed")


def test_the_officer_answers_a_lead_re_decision_from_the_progress_tab(qtbot, workspace):
    from casework_helpers import LEAD_RATIONALE

    doc = at_state(workspace, "awaiting_response")
    panel = _panel(qtbot, workspace, doc["id"])
    assert LEAD_RATIONALE in panel.state.text() and "level 4" in panel.state.text()
    for label in (panel.state, panel.history):  # plain-text labels show exactly their text: no markup
        assert "<" not in label.text() and "&#" not in label.text(), label.text()
    assert "lead's reasons" in panel.state.text()
    button = next(b for b in panel.actions_box.findChildren(QPushButton) if b.text().startswith("Accept the"))
    button.click()
    panel.dialog.fields["reason"].setPlainText("I agree the risk is higher than I first judged.")
    panel.dialog.ok_button.click()
    qtbot.waitUntil(lambda: panel.view.get("state") == "decided")
    assert "accepted" in panel.history.text()


def test_every_agency_pack_is_saved_into_a_folder_from_the_progress_tab(qtbot, workspace, tmp_path):
    from test_strategy import minutes  # noqa: I001 - a sibling test module's minutes

    from triage_desk import partners, strategy

    partners.ensure_partners(workspace)
    doc = at_state(workspace, "strategy_discussion")
    strategy.record(workspace, doc["reference"], minutes())
    panel = _panel(qtbot, workspace, doc["id"])
    qtbot.waitUntil(lambda: panel.agency.count() == 4)
    assert "police" not in [panel.agency.itemText(i) for i in range(4)]  # the partner's name is shown
    assert panel.packs_button.isEnabled()
    panel.save_all_packs(str(tmp_path))
    qtbot.waitUntil(lambda: "Saved 3 agency packs" in panel.notice.text())
    assert len(list(tmp_path.glob("*-pack.pdf"))) == 3
    panel.save_all_packs(str(tmp_path))  # again: refused in words, nothing overwritten
    qtbot.waitUntil(lambda: "already exists" in panel.error.text())
