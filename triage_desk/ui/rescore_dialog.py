"""Referral › Re-assess every referral…: which stored referrals would get a different suggested level
under the catalogue and rules in use (`rescoring.rescore_stored`, the same job as `triage-desk rescore`),
with its progress. The run happens off the GUI thread; closing the dialog stops it."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout
from shiboken6 import isValid

from triage_desk.ui import tasks
from triage_desk.ui.widgets import make_plain, note

PROGRESS_EVERY = 2000
LISTED = 500  # changed referrals listed by reference; the count says how many more


def install(window) -> None:
    from PySide6.QtGui import QAction

    from triage_desk.intake import CASE_ROLES

    menu = getattr(window, "referral_menu", None)
    if menu is None:
        return
    action = QAction("Re-assess every referral…", window)
    action.setObjectName("rescore")
    action.triggered.connect(lambda: RescoreDialog(window.ws, window).open_and_start())
    action.setVisible(getattr(window.ws.user, "role", None) in {r.value for r in CASE_ROLES})
    menu.addSeparator()
    menu.addAction(action)
    window.add_data_action(action)
    window.rescore_action = action


class RescoreDialog(QDialog):
    progressed = Signal(int, int)  # (re-assessed so far, how many there are): emitted by the worker
    listed = Signal(str)  # one changed referral, in words

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self._stop = threading.Event()
        self.setWindowTitle("Re-assess every referral")
        self.status = make_plain(QLabel("Counting the referrals…"))
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Re-assessment progress")
        self.changes = QPlainTextEdit()
        self.changes.setReadOnly(True)
        self.changes.setAccessibleName("Referrals whose suggested level would change")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(make_plain(note("Every submitted referral is scored again with the catalogue and rules "
                                         "in use; those whose suggested level would change are listed.")))
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.changes, 1)
        layout.addWidget(buttons)
        self.progressed.connect(self._show_progress)
        self.listed.connect(self.changes.appendPlainText)
        self.resize(560, 420)

    def open_and_start(self) -> None:
        self.show()
        self.start()

    def start(self) -> None:
        # Its own worker, not operations' serial queue: a run at a million referrals takes most of a
        # minute, and the case list must keep paging meanwhile (reads beside reads are fine in WAL).
        ws = self.ws
        tasks.run_in_background(lambda: self._run(ws), self._finished, self._failed)

    def _run(self, ws) -> dict:
        """In the worker thread: the service's run, with progress signals (queued to the GUI thread)."""
        from triage_desk.rescoring import rescore_stored, stored_count

        total = stored_count(ws)
        self.progressed.emit(0, total)
        done = changed = failed = 0
        results = rescore_stored(ws, score_here=False)  # scoring in worker processes, not beside the GUI thread
        try:
            for r in results:
                if self._stop.is_set():
                    return {"stopped": True, "done": done, "total": total, "changed": changed, "failed": failed}
                done += 1
                if r.error is not None:
                    failed += 1
                elif r.changed:
                    changed += 1
                    if changed <= LISTED:
                        self.listed.emit(f"{r.reference}: level {r.stored_level} → {r.level}")
                if done % PROGRESS_EVERY == 0:
                    self.progressed.emit(done, total)
        finally:
            results.close()
        return {"stopped": False, "done": done, "total": total, "changed": changed, "failed": failed}

    def _show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(f"Re-assessed {done:,} of {total:,} referrals…")

    def _finished(self, summary: dict) -> None:
        if not isValid(self):
            return
        self.bar.setRange(0, max(summary["total"], 1))
        self.bar.setValue(summary["done"])
        more = summary["changed"] - LISTED
        if more > 0:
            self.changes.appendPlainText(f"… and {more:,} more")
        words = "Stopped after" if summary["stopped"] else "Done:"
        self.status.setText(f"{words} {summary['done']:,} referrals re-assessed: {summary['changed']:,} would "
                            f"change level, {summary['failed']:,} cannot be scored.")

    def _failed(self, exc: BaseException) -> None:
        from triage_desk.errors import TriageError

        if not isinstance(exc, TriageError):
            raise exc
        if isValid(self):
            self.status.setText(f"The re-assessment stopped: {exc}")

    def done(self, result: int) -> None:  # noqa: D401 - Qt override: closing stops the run
        self._stop.set()
        super().done(result)
