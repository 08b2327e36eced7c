"""The Cases area: a lazy list over keyset pages, sorting, filters, search, opening (audited), deadlines
shown in words, and nothing of a case kept while the window is locked. Synthetic people only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import select, update
from ui_helpers import audit_actions, user

from triage_desk import demo
from triage_desk.models import Deadline, Referral
from triage_desk.ui.case_list_model import DUE, REFERENCE, SUBJECT, CaseListModel, span, time_left
from triage_desk.ui.main_window import MainWindow
from triage_desk.ui.operations import settle

N = 450  # more than two pages of 200


@pytest.fixture
def cases(workspace_from):
    return workspace_from(f"demo-{N}-seed3", lambda ws: demo.ensure_demo_data(ws, N, seed=3))


@pytest.fixture
def window(qtbot, cases):
    cases.user = user(cases, "officer")
    win = MainWindow(cases)
    qtbot.addWidget(win)
    win.show()
    model = win.cases_area.model
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=10000)  # the first page is read in the background
    assert not model.is_loading()
    model.background = False  # later pages on this thread, so each step can be checked at once
    return win


def _pending_with_a_check(ws, referral_id: str) -> None:
    """A decision awaiting a practice lead and one agency check not yet answered (as the services leave them)."""
    from triage_desk.models.decision import Decision
    from triage_desk.models.partner import AgencyCheck, Partner

    when = datetime(2026, 11, 20, 9)
    with ws.session() as s:
        s.add(Decision(referral_id=referral_id, engine_json="{}", engine_level=2, engine_outcomes="[]", final_level=3,
                       final_outcomes="[]", direction="up", decided_by="officer", decided_role="officer",
                       decided_at=when, approval="pending"))
        s.add(Partner(id="police-test", name="Test Police", kind="police", isa_status="signed"))
        s.flush()
        s.add(AgencyCheck(id="check-1", referral_id=referral_id, partner_id="police-test", basis="consent",
                          requested_by="officer", requested_at=when, due_at=when, status="requested"))
        s.execute(update(Referral).where(Referral.id == referral_id).values(approval="pending", checks_open=1,
                                                                           checks_due=when))


def _all_loaded(model: CaseListModel) -> list:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    return [model.row_at(i) for i in range(model.rowCount())]


def test_rows_arrive_a_page_at_a_time(qtbot, cases):
    model = CaseListModel(cases, background=False)
    assert model.rowCount() == 0  # nothing until asked
    model.reload()
    assert model.rowCount() == 200 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 400
    model.fetchMore(QModelIndex())
    assert model.rowCount() == N and not model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.count_changed, timeout=5000) as counted:
        model.reload()
    assert counted.args == [f"{N} cases"]


def test_sorting_by_a_column_orders_the_rows(cases):
    model = CaseListModel(cases, background=False)
    model.reload()
    model.sort(REFERENCE, Qt.SortOrder.AscendingOrder)
    refs = [r.reference for r in _all_loaded(model)]
    assert refs == sorted(refs) and len(refs) == N
    model.sort(SUBJECT, Qt.SortOrder.DescendingOrder)
    first = model.data(model.index(0, SUBJECT))
    last = model.data(model.index(199, SUBJECT))
    assert first.lower() >= last.lower()
    model.sort(2, Qt.SortOrder.AscendingOrder)  # Received, oldest first
    received = [r.received_at for r in _all_loaded(model)]
    assert received == sorted(received)


def test_filters_narrow_and_search_finds_a_synthetic_subject(qtbot, window, cases):
    area = window.cases_area
    model = area.model
    assert model.rowCount() == 200
    area.rag.setCurrentIndex(area.rag.findText("Red"))
    reds = _all_loaded(model)
    assert reds and len(reds) < N and {r.rag for r in reds} == {"red"}
    area.rag.setCurrentIndex(0)
    area.status.setCurrentIndex(area.status.findText("Closed"))
    assert {r.status for r in _all_loaded(model)} == {"closed"}
    area.status.setCurrentIndex(0)

    with cases.session() as s:
        target = s.execute(select(Referral).order_by(Referral.reference).limit(1)).scalar_one()
    surname = target.subject_name.split(",")[0].title()
    qtbot.keyClicks(area.search, surname)
    qtbot.waitUntil(lambda: model.filters.text == surname, timeout=3000)  # after the debounce
    found = _all_loaded(model)
    assert target.id in {r.id for r in found}
    assert all(surname.upper() in r.subject_name for r in found)
    qtbot.waitUntil(lambda: area.count_label.text() == f"{len(found)} case{'s' if len(found) != 1 else ''}",
                    timeout=5000)

    area.search.clear()
    _pending_with_a_check(cases, target.id)
    area.approval.setChecked(True)
    waiting = _all_loaded(model)  # the demo data has its own overrides waiting for a lead too
    assert target.id in {r.id for r in waiting} and {r.approval for r in waiting} == {"pending"}
    at = [r.id for r in waiting].index(target.id)
    assert model.data(model.index(at, 8)) == "Awaiting lead" and model.data(model.index(at, 7)) == "1 open, overdue"
    area.approval.setChecked(False)
    area.checks.setChecked(True)
    assert [r.id for r in _all_loaded(model)] == [target.id]


def test_overdue_rows_say_so_in_words_and_bold(qtbot, window, cases):
    with cases.session() as s:
        row = s.execute(select(Referral).order_by(Referral.received_at.desc()).limit(1)).scalar_one()
        due = datetime.now() - timedelta(hours=30)
        s.execute(update(Referral).where(Referral.id == row.id).values(status="submitted", decision_due=due))
        s.add(Deadline(referral_id=row.id, kind="decision", started_at=due - timedelta(hours=8), due_at=due))
    area = window.cases_area
    area.overdue.setChecked(True)
    rows = _all_loaded(area.model)
    assert row.id in {r.id for r in rows}
    i = [r.id for r in rows].index(row.id)
    text = area.model.data(area.model.index(i, DUE))
    assert text.startswith("Overdue ") and area.model.data(area.model.index(i, DUE), Qt.ItemDataRole.FontRole).bold()
    assert area.model.data(area.model.index(i, DUE), Qt.ItemDataRole.DecorationRole) is not None
    qtbot.waitUntil(lambda: "OVERDUE" in window.deadline_label.text(), timeout=5000)


def test_time_left_words():
    now = datetime(2026, 11, 20, 12, 0)
    assert time_left(now + timedelta(hours=2, minutes=15), "submitted", now) == ("2 h 15 m left", False)
    assert time_left(now - timedelta(hours=3), "submitted", now) == ("Overdue 3 h", True)
    # Due is the earliest OPEN deadline: after the decision it is the next step's (assessment, feedback...)
    assert time_left(now - timedelta(hours=3), "decided", now) == ("Overdue 3 h", True)
    assert time_left(None, "decided", now) == ("—", False)
    assert time_left(None, "submitted", now) == ("No deadline", False)
    assert time_left(None, "draft", now) == ("Not submitted", False)
    assert span(60 * 24 * 2 + 60 * 4) == "2 d 4 h"


def test_enter_opens_the_case_and_the_opening_is_audited(qtbot, window, cases):
    area = window.cases_area
    area.table.setFocus()
    area.table.setCurrentIndex(area.model.index(4, 0))
    expected = area.model.row_at(4)
    with qtbot.waitSignal(area.case_opened, timeout=5000) as opened:
        qtbot.keyClick(area.table, Qt.Key.Key_Return)
    assert opened.args == [expected.reference]
    assert window.current_case() == (expected.id, expected.reference)
    view = area.tabs.currentWidget()
    settle()  # the header is read off the GUI thread
    assert view.fields["subjects"].text() == expected.subject_name
    assert "A. Contact" in view.document_view.toPlainText() and "D. Subjects" in view.document_view.toPlainText()
    assert ("officer", "case.view") in audit_actions(cases)


def test_locking_clears_the_rows_and_unlocking_reloads(qtbot, window, cases):
    area = window.cases_area
    area.open_row(0)
    settle()  # the case is read off the GUI thread
    assert area.model.rowCount() == 200 and area.tabs.count() == 2
    window.lock("manual")
    assert area.model.rowCount() == 0 and area.tabs.count() == 1
    assert not area.model.canFetchMore(QModelIndex())
    assert not window.open_case_action.isEnabled() and not window.refresh_action.isEnabled()
    window._on_unlocked(window.user)
    assert area.model.rowCount() == 200 and window.open_case_action.isEnabled()


def test_open_case_by_unknown_reference_says_so(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: said.append(text)))
    assert window.cases_area.open_case("TD-1999-000001") is None
    settle()
    assert said and "no referral" in said[0]


def test_a_draft_offers_continue_editing_and_panels_load(qtbot, window, cases):
    import importlib.util

    from triage_desk import intake

    draft = intake.new_draft(cases)  # as the signed-in officer
    with cases.session() as s:
        decided = s.execute(select(Referral).where(Referral.status == "decided").limit(1)).scalar_one()
    area = window.cases_area
    area.open_case(draft["reference"])
    settle()  # read off the GUI thread, then shown in its own tab
    view = area.tabs.currentWidget()
    assert not view.continue_button.isHidden()
    assert view.fields["due"].text() == "Not submitted"
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    if importlib.util.find_spec("triage_desk.ui.checks_panel"):
        assert "Agency checks" in tabs
    area.open_case(decided.reference)
    settle()
    other = area.tabs.currentWidget()
    assert other.continue_button.isHidden()
    assert other.fields["due"].text() in ("Decision made", "Decision made; practice-lead approval awaited")
    assert window.current_case() == (decided.id, decided.reference)
    area.tabs.setCurrentIndex(0)
    area.close_tab(1)
    assert area.tabs.count() == 2
    window.lock("manual")
    area.reload()  # e.g. a wizard closed by the lock asks for a reload: still nothing shown
    assert area.model.rowCount() == 0


def test_continue_editing_opens_the_wizard_and_the_list_reloads_after(qtbot, window, cases):
    pytest.importorskip("triage_desk.ui.referral_wizard")
    from triage_desk import intake

    draft = intake.new_draft(cases)
    area = window.cases_area
    area.open_case(draft["reference"])
    settle()
    view = area.tabs.currentWidget()
    opened = []
    view.wizard_opened.connect(opened.append)
    qtbot.mouseClick(view.continue_button, Qt.MouseButton.LeftButton)
    settle()  # the draft is read (and its opening audited) off the GUI thread
    assert opened and opened[0].isVisible()
    area.model.clear()
    area.locked = False
    opened[0].done(0)
    qtbot.waitUntil(lambda: area.model.rowCount() > 0, timeout=5000)


def test_deadline_summary_counts_overdue_and_due_within_the_hour(cases):
    from triage_desk.case_access import deadline_counts
    from triage_desk.forms.clock import london_now

    with cases.session() as s:
        s.execute(update(Deadline).values(state="met"))  # the generated clocks are all done
        ids = list(s.execute(select(Referral.id).limit(3)).scalars())
        now = london_now()
        for rid, kind, due, state in ((ids[0], "rag", now - timedelta(minutes=5), "open"),
                                      (ids[0], "decision", now - timedelta(minutes=1), "open"),
                                      (ids[1], "assessment", now + timedelta(minutes=40), "open"),
                                      (ids[2], "decision", now - timedelta(hours=5), "met")):
            s.add(Deadline(referral_id=rid, kind=kind, started_at=now - timedelta(hours=6), due_at=due, state=state))
    assert deadline_counts(cases) == (1, 1)  # one case overdue (two of its clocks), one clock due within the hour


def test_search_without_letters_or_digits_explains_itself(qtbot, window):
    area = window.cases_area
    area.search.setText("***")
    area.apply_filters()
    assert area.model.rowCount() == 0
    assert area.error.isVisibleTo(area) and "letters or digits" in area.error.text()
    area.search.clear()
    area.apply_filters()
    assert area.model.rowCount() == 200 and not area.error.isVisibleTo(area)


def test_pages_read_in_the_background_and_stale_pages_are_dropped(qtbot, cases):
    model = CaseListModel(cases)  # background reads, as in the window
    with qtbot.waitSignal(model.loading_changed, timeout=5000):
        model.reload()
    assert model.is_loading() and not model.canFetchMore(QModelIndex())  # one page in flight at a time
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=5000)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 400, timeout=5000)
    model.reload()
    model.clear()  # locked while the first page was being read
    qtbot.wait(300)
    assert model.rowCount() == 0 and not model.is_loading()


def test_clicking_a_column_header_sorts_and_unsortable_columns_keep_the_order(window):
    area = window.cases_area
    header = area.table.horizontalHeader()
    header.sectionClicked.emit(REFERENCE)
    refs = [area.model.row_at(i).reference for i in range(area.model.rowCount())]
    assert area.model.sort_key.key == "reference" and refs == sorted(refs)
    assert area.sort.currentText() == "Reference A–Z"  # the keyboard-reachable sort box agrees
    header.sectionClicked.emit(REFERENCE)  # again: the other way round
    assert area.model.row_at(0).reference > area.model.row_at(1).reference
    assert area.sort.currentText() == "Reference Z–A"
    header.sectionClicked.emit(4)  # RAG: no keyset order behind it
    assert area.model.sort_key.key == "reference" and header.sortIndicatorSection() == REFERENCE
