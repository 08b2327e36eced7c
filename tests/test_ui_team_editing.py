"""Many hands in the UI (issue 15 points 4-6): the wizard and the decision panel ask whose version stands
when someone else saved first, show who else is editing, keep a draft the server could not take on this PC,
and on a team server a change made on another workstation reaches this one's views."""

from __future__ import annotations

import copy

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject
from pg_fixtures import STORES, on_store
from PySide6.QtWidgets import QApplication
from ui_helpers import on_next_modal

from triage_desk import decisions, edit_leases, intake, local_drafts
from triage_desk.errors import StoreError
from triage_desk.ui import operations
from triage_desk.ui.conflict_dialog import KEEP_THEIRS, MERGE, OVERWRITE, ConflictDialog
from triage_desk.ui.decision_panel import DecisionPanel
from triage_desk.ui.operations import settle

RATIONALE = "The school reported a second injury today; the level must be higher than suggested."


def _wizard(qtbot, ws, referral_id: str):
    from triage_desk.ui import referral_wizard

    opened = []
    referral_wizard.resume(ws, referral_id, opened=opened.append)  # read off the GUI thread
    qtbot.waitUntil(lambda: bool(opened))
    qtbot.addWidget(opened[0])
    settle()
    return opened[0]


def _close(qtbot, wizard) -> None:
    """Close the wizard (its save on close runs off the GUI thread) and let it go, so nothing it scheduled
    (a match search after an edit) reaches a store the test has already dropped."""
    from PySide6.QtCore import QTimer

    wizard.close()
    qtbot.waitUntil(lambda: not wizard.isVisible())
    for timer in wizard.findChildren(QTimer):
        timer.stop()
    settle()


def _choose(qtbot, choice: str) -> list:
    seen = []

    def answer(dialog) -> None:
        assert isinstance(dialog, ConflictDialog)
        seen.append(dialog)
        buttons = {KEEP_THEIRS: dialog.keep_button, OVERWRITE: dialog.overwrite_button, MERGE: dialog.merge_button}
        buttons[choice].click()

    on_next_modal(answer, qtbot)
    return seen


def _lead_changes_agency(ws, referral_id: str) -> None:
    """Another officer, on another workstation, saves the same draft first."""
    officer = ws.user
    act_as(ws, "lead")
    doc, step = intake.resume_draft(ws, referral_id)
    doc["referrer"]["agency"] = "Police"
    intake.save_draft(ws, doc, step, expected_version=intake.version_of(ws, referral_id))
    ws.user = officer


@pytest.fixture(params=STORES)
def workspace(request, workspace):
    """Each test on the single-PC store and on the team server (where many hands are the point)."""
    return on_store(request, workspace)


@pytest.fixture
def draft(workspace) -> str:
    act_as(workspace, "officer")
    doc = complete(intake.new_draft(workspace), subject(surname="Wizardby"), received_at="2026-11-20T10:00")
    intake.save_draft(workspace, doc, "contact")
    return doc["id"]


@pytest.mark.parametrize("choice", [KEEP_THEIRS, OVERWRITE])
def test_the_wizard_asks_whose_version_stands_when_someone_saved_first(qtbot, workspace, draft, choice):
    wizard = _wizard(qtbot, workspace, draft)
    _lead_changes_agency(workspace, draft)
    wizard.doc["contact"]["urgent"] = True
    wizard._generation += 1
    seen = _choose(qtbot, choice)
    wizard.save_draft_async(force=True)
    qtbot.waitUntil(lambda: bool(seen))
    settle()
    dialog = seen[0]
    assert "Test Lead" in dialog.findChildren(type(wizard.status))[1].text()
    assert any(d.theirs == "Police" for d in dialog.conflict.differences)
    saved = intake.resume_draft(workspace, draft)[0]
    if choice == KEEP_THEIRS:
        assert wizard.doc["referrer"]["agency"] == "Police" and saved["referrer"]["agency"] == "Police"
    else:
        assert saved["referrer"]["agency"] == "School" and saved["contact"]["urgent"] is True
    _close(qtbot, wizard)


def test_merging_by_hand_keeps_the_ticked_fields_of_theirs(qtbot, workspace, draft):
    wizard = _wizard(qtbot, workspace, draft)
    _lead_changes_agency(workspace, draft)
    wizard.doc["contact"]["urgent"] = True
    wizard._generation += 1
    seen = _choose(qtbot, MERGE)  # their agency is ticked (only they changed it), my urgency is not
    wizard.save_draft_async(force=True)
    qtbot.waitUntil(lambda: bool(seen))
    settle()
    saved = intake.resume_draft(workspace, draft)[0]
    assert saved["referrer"]["agency"] == "Police" and saved["contact"]["urgent"] is True
    _close(qtbot, wizard)


def test_the_wizard_shows_who_else_is_editing(qtbot, workspace, draft):
    other = copy.copy(workspace)
    other.__dict__.pop("_workstation", None)
    act_as(other, "lead")
    edit_leases.take(other, draft)
    wizard = _wizard(qtbot, workspace, draft)
    qtbot.waitUntil(lambda: wizard.editing_banner.isVisibleTo(wizard))
    assert wizard.editing_banner.text().startswith("Being edited by Test Lead since ")
    edit_leases.release(other, draft)
    operations.announce(operations.Changes.of(operations.LEASE, referral_id=draft))  # as the change feed does
    qtbot.waitUntil(lambda: not wizard.editing_banner.isVisibleTo(wizard))
    _close(qtbot, wizard)
    settle()
    assert edit_leases.editors(other, [draft]) == {}  # closing released this workstation's lease


def test_a_draft_the_server_cannot_take_is_kept_on_this_pc_and_saved_when_it_is_back(qtbot, workspace, draft,
                                                                                      monkeypatch):
    wizard = _wizard(qtbot, workspace, draft)
    real = intake.save_draft

    def unreachable(*_args, **_kwargs):
        raise StoreError("the team server cannot be reached")

    monkeypatch.setattr(intake, "save_draft", unreachable)
    wizard.doc["concerns"]["narrative"] = "Typed while the server was away."
    wizard._generation += 1
    wizard.save_draft_async(force=True)
    qtbot.waitUntil(lambda: "Kept on this PC" in wizard.status.text())
    assert "kept encrypted on this PC" in wizard.message.text() and "local database" in wizard.message.text()
    [kept] = local_drafts.pending(workspace)
    assert kept.doc["concerns"]["narrative"] == "Typed while the server was away."
    assert wizard.retry_timer.isActive()
    monkeypatch.setattr(intake, "save_draft", real)  # the server is back: the next try saves and tidies up
    wizard.retry_timer.timeout.emit()
    qtbot.waitUntil(lambda: "server is back" in wizard.message.text())
    assert local_drafts.pending(workspace) == []
    assert intake.resume_draft(workspace, draft)[0]["concerns"]["narrative"] == "Typed while the server was away."
    _close(qtbot, wizard)


def test_a_draft_kept_on_this_pc_is_offered_again_at_the_next_sign_in(qtbot, workspace, draft):
    from triage_desk.ui import referral_wizard

    doc, step = intake.resume_draft(workspace, draft)
    doc["concerns"]["narrative"] = "Kept on this PC when the window was closed."
    local_drafts.keep(workspace, doc, step, intake.version_of(workspace, draft))
    opened = []
    referral_wizard.offer_drafts(workspace, opened=opened.append)
    qtbot.waitUntil(lambda: bool(opened))
    wizard = opened[0]
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: local_drafts.pending(workspace) == [])
    assert intake.resume_draft(workspace, draft)[0]["concerns"]["narrative"].startswith("Kept on this PC")
    _close(qtbot, wizard)


def test_the_decision_panel_keeps_the_form_and_asks_when_someone_decided_first(qtbot, workspace):
    act_as(workspace, "officer")
    doc = intake.submit(workspace, complete(intake.new_draft(workspace), subject(surname="Panelby"),
                                            received_at="2026-11-20T10:00"))
    panel = DecisionPanel(workspace, doc["id"])
    qtbot.addWidget(panel)
    settle()
    assert panel.form.isVisibleTo(panel)
    officer = workspace.user
    act_as(workspace, "lead")  # a practice lead on another workstation decides first
    from triage_desk.forms.threshold import evaluate

    engine = evaluate(doc)
    decisions.decide(workspace, doc["id"], engine, decisions.Proposal(engine["suggested_level"],
                                                                      tuple(engine["outcomes"])))
    workspace.user = officer
    operations.announce(operations.Changes.of(operations.DECISION, referral_id=doc["id"]))
    settle()
    assert panel.form.isVisibleTo(panel) and "changed elsewhere" in panel.message.text()  # nothing typed is lost
    panel.form.set_override(min(engine["suggested_level"] + 1, 4), list(engine["outcomes"]), rationale=RATIONALE)
    seen = _choose(qtbot, OVERWRITE)
    panel.save.click()
    qtbot.waitUntil(lambda: bool(seen))
    settle()
    assert seen[0].conflict.by == "Test Lead" and [d.label for d in seen[0].conflict.differences][:1] == ["Final level"]
    with workspace.session() as s:
        assert len(decisions.history(s, doc["id"])) == 2  # overwritten knowingly: theirs kept in the history
    assert QApplication.activeModalWidget() is None


def test_a_change_on_another_workstation_reaches_this_ones_views(qtbot, pg_workspace, pg_profile, tmp_path):
    from pg_fixtures import APP_PASSWORD

    from triage_desk.workspace import open_server

    act_as(pg_workspace, "officer")
    operations.follow(pg_workspace)
    other = open_server(tmp_path / "other", pg_profile, password=APP_PASSWORD)
    try:
        qtbot.waitUntil(lambda: operations._feed is not None and operations._feed.listener.listening.is_set())
        act_as(other, "lead")
        with qtbot.waitSignal(operations.events().workspace_changed,
                              check_params_cb=lambda c: c.touches(operations.DRAFT) and c.referral_id is not None):
            made = intake.new_draft(other)
        assert made["id"]
    finally:
        operations.unfollow()
        other.close()


def test_the_case_view_shows_who_is_editing_the_referral(qtbot, workspace, draft):
    from triage_desk.ui.case_view import CaseView

    other = copy.copy(workspace)
    other.__dict__.pop("_workstation", None)
    act_as(other, "lead")
    view = CaseView(workspace, intake.resume_draft(workspace, draft)[0])
    qtbot.addWidget(view)
    settle()
    assert not view.editing_banner.isVisibleTo(view)
    edit_leases.take(other, draft)
    operations.announce(operations.Changes.of(operations.LEASE, referral_id=draft))  # as the change feed does
    qtbot.waitUntil(lambda: view.editing_banner.isVisibleTo(view))
    assert view.editing_banner.text().startswith("Being edited by Test Lead since ")


def _other_workstation(ws, who: str):
    other = copy.copy(ws)
    other.__dict__.pop("_workstation", None)
    act_as(other, who)
    return other


def _submitted(ws, surname: str) -> dict:
    act_as(ws, "officer")
    return intake.submit(ws, complete(intake.new_draft(ws), subject(surname=surname), received_at="2026-11-20T10:00"))


def test_the_decision_panel_holds_a_lease_and_shows_who_else_is_deciding(qtbot, workspace):
    doc = _submitted(workspace, "Leaseby")
    lead = _other_workstation(workspace, "lead")
    edit_leases.take(lead, doc["id"])  # a practice lead has the case's decision open on another workstation
    panel = DecisionPanel(workspace, doc["id"])
    qtbot.addWidget(panel)
    settle()
    assert panel.form.isVisibleTo(panel)
    qtbot.waitUntil(lambda: panel.editing_banner.isVisibleTo(panel))
    assert panel.editing_banner.text().startswith("Being edited by Test Lead since ")
    # ... and the lead's workstation sees this officer deciding
    assert [e.name for e in edit_leases.editors(lead, [doc["id"]])[doc["id"]]] == ["Test Officer"]
    edit_leases.release(lead, doc["id"])
    operations.announce(operations.Changes.of(operations.LEASE, referral_id=doc["id"]))  # as the change feed does
    qtbot.waitUntil(lambda: not panel.editing_banner.isVisibleTo(panel))
    panel.save.click()  # the engine's suggestion accepted
    settle()
    qtbot.waitUntil(lambda: not panel.form.isVisibleTo(panel))
    settle()
    assert edit_leases.editors(lead, [doc["id"]]) == {}  # the decision recorded, the lease released


@pytest.mark.parametrize("choice", ["save_as_new", "discard"])
def test_a_kept_draft_submitted_elsewhere_meanwhile_is_explained_once(qtbot, workspace, draft, choice):
    from triage_desk.ui import referral_wizard
    from triage_desk.ui.overtaken_draft_dialog import OvertakenDraftDialog

    doc, step = intake.resume_draft(workspace, draft)
    typed = copy.deepcopy(doc)
    typed["concerns"]["narrative"] = "Typed on this PC while the server was away."
    local_drafts.keep(workspace, typed, step, intake.version_of(workspace, draft))
    lead = _other_workstation(workspace, "lead")
    submitted = intake.submit(lead, doc)  # meanwhile a practice lead submitted the server's copy
    opened, empty = [], []
    referral_wizard.offer_drafts(workspace, opened=opened.append, empty=lambda: empty.append(True))
    qtbot.waitUntil(lambda: bool(QApplication.topLevelWidgets()) and any(
        isinstance(w, OvertakenDraftDialog) and w.isVisible() for w in QApplication.topLevelWidgets()))
    [dialog] = [w for w in QApplication.topLevelWidgets() if isinstance(w, OvertakenDraftDialog) and w.isVisible()]
    words = dialog.explanation.text()
    assert words.startswith(f"{submitted['reference']} was submitted")
    assert "by Test Lead at " in words and "your offline changes were not applied" in words
    (dialog.save_button if choice == "save_as_new" else dialog.discard_button).click()
    settle()
    assert local_drafts.pending(workspace) == []  # never offered again
    mine = intake.list_drafts(workspace, mine_only=True)
    if choice == "save_as_new":
        qtbot.waitUntil(lambda: bool(opened))
        wizard = opened[0]
        qtbot.addWidget(wizard)
        assert wizard.doc["reference"] != submitted["reference"]
        assert intake.resume_draft(workspace, wizard.doc["id"])[0]["concerns"]["narrative"].startswith("Typed on")
        assert [d.id for d in mine] == [wizard.doc["id"]]
        _close(qtbot, wizard)
    else:
        assert mine == [] and opened == []
        assert empty == [True]  # nothing else to offer
        empty.clear()
        referral_wizard.offer_drafts(workspace, opened=opened.append, empty=lambda: empty.append(True))
        settle()  # the next sign-in: nothing offered again
        assert empty == [True]
        assert not any(isinstance(w, OvertakenDraftDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    assert local_drafts.sort_pending(workspace) == ([], [])
    with workspace.session() as s:  # the submitted referral kept the lead's version
        from triage_desk.models import Referral
        from triage_desk.referral_rows import load

        assert "Typed on this PC" not in load(s.get(Referral, draft).document)["concerns"].get("narrative", "")


def _conflict_shown(qtbot) -> ConflictDialog:
    def shown():
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, ConflictDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(shown()))
    return shown()[0]


@pytest.mark.parametrize("choice", [KEEP_THEIRS, OVERWRITE])
def test_a_progress_step_taken_on_a_case_changed_elsewhere_asks_first(qtbot, workspace, choice):
    from casework_helpers import at_state
    from PySide6.QtWidgets import QPushButton

    from triage_desk import lifecycle
    from triage_desk.ui.progress_panel import ProgressPanel

    doc = at_state(workspace, "decided")
    panel = ProgressPanel(workspace, doc["id"])
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: bool(panel.view))
    lead = _other_workstation(workspace, "lead")  # meanwhile, on another workstation
    lifecycle.transition(lead, doc["id"], "start_strategy", receiving_team="Police child abuse team")
    button = next(b for b in panel.actions_box.findChildren(QPushButton) if b.text().startswith("Start a child"))
    button.click()
    dialog = panel.dialog
    dialog.fields["receiving_team"].setText("Assessment Team North")
    dialog.ok_button.click()
    conflict = _conflict_shown(qtbot)
    assert conflict.conflict.by == "Test Lead" and conflict.conflict.at is not None
    [diff] = conflict.conflict.differences
    assert (diff.label, diff.theirs) == ("Case state", lifecycle.STATES["strategy_discussion"])
    assert diff.mine.startswith("Start a child and family assessment")
    assert lifecycle.current_state(workspace, doc["id"]).state == "strategy_discussion"  # nothing overwritten yet
    (conflict.keep_button if choice == KEEP_THEIRS else conflict.overwrite_button).click()
    settle()
    expected = "strategy_discussion" if choice == KEEP_THEIRS else "assessment"
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert lifecycle.current_state(workspace, doc["id"]).state == expected


@pytest.mark.parametrize("choice", [KEEP_THEIRS, OVERWRITE])
def test_an_agency_check_answered_elsewhere_meanwhile_asks_before_its_answer_is_replaced(qtbot, workspace, choice):
    from checks_helpers import referral

    from triage_desk import checks
    from triage_desk.ui.check_dialogs import ResponseDialog

    doc = referral(workspace)
    act_as(workspace, "officer")
    [made] = checks.request_checks(workspace, doc["id"], ["police"])
    [shown] = checks.list_checks(workspace, doc["id"])  # what this officer's checks tab shows
    lead = _other_workstation(workspace, "lead")
    checks.record_response(lead, made.id, nothing_known=False, summary="Two call-outs to the address in October.")
    dialog = ResponseDialog(workspace, shown)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.nothing_known.setChecked(True)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    conflict = _conflict_shown(qtbot)
    assert conflict.conflict.by == "Test Lead"
    [diff] = conflict.conflict.differences
    assert diff.theirs == "answered: Two call-outs to the address in October."
    assert diff.mine == "answered: nothing known"
    (conflict.keep_button if choice == KEEP_THEIRS else conflict.overwrite_button).click()
    settle()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    [now] = checks.list_checks(workspace, doc["id"])
    assert (now["summary"] is None) == (choice == OVERWRITE)
    assert now["nothing_known"] is (choice == OVERWRITE)


def test_the_case_list_marks_a_referral_being_edited_elsewhere(qtbot, workspace, draft, monkeypatch):
    from PySide6.QtCore import Qt

    from triage_desk.ui.cases_area import CasesArea

    other_case = _submitted(workspace, "Quietby")
    area = CasesArea(workspace)
    qtbot.addWidget(area)
    area.resize(1000, 600)
    area.show()
    area.reload()
    qtbot.waitUntil(lambda: area.model.rowCount() == 2)
    table = area.table

    def tip(referral_id: str):
        row = next(r for r in range(area.model.rowCount()) if area.model.row_at(r).id == referral_id)
        return table.model().data(table.model().index(row, 1), Qt.ItemDataRole.ToolTipRole)

    lead = _other_workstation(workspace, "lead")
    edit_leases.take(lead, draft)  # a practice lead opens the draft on another workstation
    operations.announce(operations.Changes.of(operations.LEASE, referral_id=draft))  # as the change feed does
    qtbot.waitUntil(lambda: (tip(draft) or "").startswith("Being edited by Test Lead since "))
    assert tip(other_case["id"]) is None
    asked = []
    real = edit_leases.editors
    monkeypatch.setattr(edit_leases, "editors", lambda ws, ids: asked.append(list(ids)) or real(ws, ids))
    table.viewport().grab()  # painting asks nothing of the store
    settle()
    assert asked == []
    edit_leases.release(lead, draft)
    operations.announce(operations.Changes.of(operations.LEASE, referral_id=draft))
    qtbot.waitUntil(lambda: tip(draft) is None)
    assert len(asked) == 1 and sorted(asked[0]) == sorted([draft, other_case["id"]])  # one query for the page
