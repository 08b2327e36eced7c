"""The UI's operations layer: service calls run off the GUI thread, results come back on it, and every
change is announced once so each view showing the data refreshes itself."""

from __future__ import annotations

import threading

import pytest
from checks_helpers import act_as
from sqlalchemy import event
from test_ui_review import overridden_case

from triage_desk import accounts
from triage_desk.models import Role
from triage_desk.ui import operations
from triage_desk.ui.operations import Changes, settle


@pytest.fixture
def ws(workspace):
    with workspace.session() as s:
        accounts.create_user(s, workspace.user, "lead2", "Second Lead", Role.LEAD, "user-password-1")
    return workspace


@pytest.fixture
def statements(ws):
    """(thread name, SQL) of every statement the workspace's engine runs while the test goes on."""
    seen: list[tuple[str, str]] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append((threading.current_thread().name, statement))

    event.listen(ws.engine, "before_cursor_execute", before)
    yield seen
    event.remove(ws.engine, "before_cursor_execute", before)


def test_change_runs_off_the_gui_thread_and_announces_once(qtbot):
    announced, threads, results = [], [], []
    operations.events().workspace_changed.connect(announced.append)
    change = Changes.of(operations.DECISION, referral_id="r1")
    operations.change(lambda: threads.append(threading.current_thread()) or 42, change,
                      lambda result: results.append((result, threading.current_thread())))
    settle()
    assert threads and threads[0] is not threading.main_thread()
    assert results == [(42, threading.main_thread())]
    assert announced == [change]


def test_failure_comes_back_on_the_gui_thread_and_nothing_is_announced(qtbot):
    announced, failures = [], []
    operations.events().workspace_changed.connect(announced.append)

    def broken():
        raise ValueError("synthetic failure")

    operations.change(broken, Changes.of(operations.CASE), failure=lambda exc: failures.append(str(exc)))
    settle()
    assert failures == ["synthetic failure"] and announced == []


def test_no_callback_after_the_parent_widget_is_gone(qtbot):
    import shiboken6
    from PySide6.QtWidgets import QWidget

    widget, called, closed = QWidget(), [], threading.Event()
    operations.query(lambda: closed.wait(30) and 1, called.append, parent=widget)
    shiboken6.delete(widget)  # the screen closes while its read is still running
    closed.set()
    settle()
    assert called == []


def test_review_queue_is_read_off_the_gui_thread_in_one_query(qtbot, ws, statements):
    from triage_desk.ui.review_area import ReviewArea

    for surname in ("Onewell", "Twowell", "Threewell"):
        overridden_case(ws, "officer", surname)
    act_as(ws, "lead")
    area = ReviewArea(ws)
    qtbot.addWidget(area)
    settle()  # what the area reads as it opens is not part of the reloads counted below
    def reload_counting_selects() -> int:
        statements.clear()
        area.reload()  # the queue, and the overdue list below it (the status bar's deadline query)
        settle()
        assert all(thread != threading.main_thread().name for thread, _sql in statements)
        return len([sql for _thread, sql in statements if sql.lstrip().upper().startswith("SELECT")])

    with_three = reload_counting_selects()
    assert area.queue.topLevelItemCount() == 3
    for surname in ("Fourwell", "Fivewell"):
        overridden_case(ws, "officer", surname)
    act_as(ws, "lead")
    assert reload_counting_selects() == with_three  # not one more query per waiting decision
    assert area.queue.topLevelItemCount() == 5


def test_approving_in_review_refreshes_the_open_case_decision_panel(qtbot, ws):
    from triage_desk.ui.decision_panel import DecisionPanel
    from triage_desk.ui.review_area import ReviewArea

    referral_id = overridden_case(ws, "officer", "Refreshwell")
    act_as(ws, "lead")
    panel = DecisionPanel(ws, referral_id)  # the case is open in the Cases area
    area = ReviewArea(ws)
    for widget in (panel, area):
        qtbot.addWidget(widget)
    area.reload()
    settle()
    assert "WAITING" in panel.cells[("Approval", "final")].text()
    area.approve_button.click()
    settle()
    assert "WAITING" not in panel.cells[("Approval", "final")].text()
    assert panel.decision.approval == "approved"


def test_decision_panel_reads_off_the_gui_thread(qtbot, ws, statements):
    from triage_desk.ui.decision_panel import DecisionPanel

    referral_id = overridden_case(ws, "officer", "Threadwell")
    statements.clear()
    panel = DecisionPanel(ws, referral_id)
    qtbot.addWidget(panel)
    settle()
    assert panel.decision is not None and statements
    assert all(thread != threading.main_thread().name for thread, _sql in statements)
