"""The one way the UI reads or changes the workspace (modelled on Anki's QueryOp / CollectionOp).

A screen never opens a database session: it hands a service call (a function of triage_desk's core) to
`query` (reads) or `change` (writes). The call runs on a worker thread; `success(result)` or
`failure(exc)` then runs on the GUI thread, and only while the `parent` widget still exists. After a
change, `workspace_changed(changes)` is emitted once, on the GUI thread, so every view that shows the
changed data refreshes itself, whoever made the change:

    operations.change(lambda: decisions.decide(ws, rid, engine, proposal),
                      Changes.of(operations.DECISION, referral_id=rid), success=..., failure=..., parent=self)
    operations.events().workspace_changed.connect(self.on_workspace_changed)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from shiboken6 import isValid

from triage_desk.ui import tasks

# What a change touched; views look at `kinds` (and `referral_id` when they show one case).
CASE, DECISION, CHECK, USER, SESSION, TRUST = "case", "decision", "check", "user", "session", "trust"
AUDIT = "audit"  # only the audit trail grew (a case viewed, printed or saved)
SETTINGS = "settings"  # workstation settings (the idle lock time)
DRAFT = "draft"  # a draft autosaved while the wizard is open (the list reloads when the wizard closes)
LEASE = "lease"  # someone opened or closed a referral for editing ("being edited by", edit_leases.py)


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[str]
    referral_id: str | None = None

    @classmethod
    def of(cls, *kinds: str, referral_id: str | None = None) -> Changes:
        return cls(frozenset(kinds), referral_id)

    def touches(self, *kinds: str) -> bool:
        return bool(self.kinds.intersection(kinds))

    def about(self, referral_id: str) -> bool:
        """True when the change may concern this referral (a change naming no referral may touch any)."""
        return self.referral_id is None or self.referral_id == referral_id


class WorkspaceEvents(QObject):
    workspace_changed = Signal(object)  # Changes


_events: WorkspaceEvents | None = None
_in_flight = 0
_lock = threading.Lock()
# One service call at a time, as Anki runs one collection op at a time: the audit chain's next link is
# read then written, so two writers side by side would both claim the same link. They run in the order
# they were asked for (tasks' serial worker): the case list's first page is not overtaken at sign-in.


def events() -> WorkspaceEvents:
    """The application's one event hub (created on the GUI thread the first time it is asked for)."""
    global _events
    if _events is None or not isValid(_events):
        _events = WorkspaceEvents()
    return _events


def _alive(parent: QObject | None) -> bool:
    return parent is None or isValid(parent)


def _run(fn: Callable[[], object], success: Callable | None, failure: Callable | None,
         parent: QObject | None, changes: Changes | None) -> None:
    global _in_flight

    def finish() -> None:
        global _in_flight
        with _lock:
            _in_flight -= 1

    def done(result) -> None:
        finish()
        if changes is not None:
            events().workspace_changed.emit(changes)
        if success is not None and _alive(parent):
            success(result)

    def failed(exc: BaseException) -> None:
        finish()
        if failure is not None and _alive(parent):
            failure(exc)
        elif failure is None:
            raise exc

    with _lock:
        _in_flight += 1
    tasks.run_in_background(fn, done, failed, serial=True)


def query(fn: Callable[[], object], success: Callable[[object], None] | None = None,
          failure: Callable[[BaseException], None] | None = None, *, parent: QObject | None = None) -> None:
    """Read through a service call off the GUI thread; deliver the result on it."""
    _run(fn, success, failure, parent, None)


def change(fn: Callable[[], object], changes: Changes, success: Callable[[object], None] | None = None,
           failure: Callable[[BaseException], None] | None = None, *, parent: QObject | None = None) -> None:
    """Write through a service call off the GUI thread; on success announce `changes`, then `success`."""
    _run(fn, success, failure, parent, changes)


def submit(dialog, error, prepare: Callable[[], Callable[[], object]], changes: Changes,
           success: Callable[[object], None] | None = None, *,
           conflict: Callable[[BaseException], None] | None = None) -> None:
    """A modal form's OK: `prepare()` reads the form on the GUI thread and returns the service call (or
    refuses with a TriageError); the call runs off the GUI thread. On success the change is announced and
    the dialog accepted; a refusal is shown in `error` and the dialog stays open with what was typed
    (a concurrency.Conflict goes to `conflict` when given: someone saved first, the person chooses)."""
    from triage_desk.concurrency import Conflict
    from triage_desk.errors import TriageError

    def refused(exc: BaseException) -> None:
        dialog.setEnabled(True)
        if conflict is not None and isinstance(exc, Conflict):
            conflict(exc)
            return
        if not isinstance(exc, TriageError):
            raise exc
        error.show_error(str(exc))

    try:
        work = prepare()
    except TriageError as exc:
        refused(exc)
        return
    error.clear_error()
    dialog.setEnabled(False)  # one submission at a time

    def accepted(result) -> None:
        dialog.setEnabled(True)
        if success is not None:
            success(result)  # e.g. show the new recovery code before the dialog closes
        dialog.accept()

    change(work, changes, accepted, refused, parent=dialog)


def announce(changes: Changes) -> None:
    """For a change a dialog has just made through its own operation: tell the views."""
    events().workspace_changed.emit(changes)


class _Feed(QObject):
    """Brings the change feed's notes (changefeed.Listener's thread) to the GUI thread: `arrived` is
    emitted there and, this object living on the GUI thread, delivered here as a queued call."""

    arrived = Signal(object)

    def __init__(self, ws) -> None:
        from triage_desk import changefeed

        super().__init__()
        self.arrived.connect(self._announce)
        self.listener = changefeed.Listener(ws.engine, self.arrived.emit)

    @Slot(object)
    def _announce(self, change) -> None:
        ids = change.referral_ids
        if ids is None or not ids or len(ids) > FEED_ROWS:
            announce(Changes(change.kinds))
            return
        for rid in ids:  # per case, so a view showing one case or a few rows repaints just those
            announce(Changes(change.kinds, rid))


FEED_ROWS = 20  # more cases than this changed at once elsewhere: views reload as for any change
_feed: _Feed | None = None


def follow(ws) -> None:
    """On a team server: changes other workstations commit reach this one's views within a second (the
    same `workspace_changed` signal as a change made here). Nothing to follow on a single-PC store."""
    global _feed
    from triage_desk import changefeed

    unfollow()
    if changefeed.is_live(ws.engine):
        _feed = _Feed(ws)
        _feed.listener.start()


def unfollow() -> None:
    global _feed
    if _feed is not None:
        _feed.listener.stop()
        _feed.deleteLater()
        _feed = None


def busy() -> bool:
    return _in_flight > 0


def settle(timeout: float = 30.0) -> None:
    """Wait on the GUI thread until every operation, and whatever its callbacks started, has delivered
    (closing the window before the workspace closes; tests before they look)."""
    import time

    from PySide6.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while True:
        tasks.wait_for_workers(max(0.0, end - time.monotonic()))
        QCoreApplication.processEvents()
        if not busy() or time.monotonic() > end:
            return


def show_refusal(exc: BaseException, error) -> None:
    """The usual `failure` callback's body: a refusal (TriageError) in words in the `error` label; anything
    else is a fault and propagates."""
    from triage_desk.errors import TriageError

    if not isinstance(exc, TriageError):
        raise exc
    error.show_error(str(exc))


class Progress(QObject):
    """What a long query is doing, for a progress bar, and a way to stop it. Hand `report` (and `stop_event`)
    to the service call: it runs on the worker thread, `moved(step, done, total)` arrives on the GUI thread,
    and once `stop()` is called the next report raises errors.Cancelled."""

    moved = Signal(str, int, int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.stop_event = threading.Event()

    def report(self, step: str, done: int, total: int) -> None:
        from triage_desk.errors import Cancelled

        if self.stop_event.is_set():
            raise Cancelled("stopped before the work was finished")
        self.moved.emit(step, done, total)

    def stop(self) -> None:
        self.stop_event.set()
