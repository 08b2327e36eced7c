"""The referral wizard among many hands (a mixin of ReferralWizard): the edit lease and its "being edited
by" banner, a save that met someone else's (ConflictDialog: keep theirs / overwrite / merge), and a save
the server could not take (the draft kept encrypted on this PC, saved to the server when it is back)."""

from __future__ import annotations

import copy

import shiboken6
from PySide6.QtCore import QTime, QTimer

from triage_desk import intake, local_drafts
from triage_desk.concurrency import Conflict, merge
from triage_desk.ui import operations

RETRY_MS = 30_000  # while the server is away: try the save again this often


class TeamEditing:
    """Needs the wizard's ws, doc, flow, steps, status, message and editing_banner (a QLabel)."""

    def init_team(self, doc: dict, version: int | None) -> None:
        """First thing in the wizard's constructor: the version its document was read at."""
        self._version, self._base = version, copy.deepcopy(doc)
        self._kept_locally = self._back_online = False

    def start_team(self) -> None:
        """Once the wizard is built: the lease and its banner, the retry timer for an absent server."""
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(RETRY_MS)
        self.retry_timer.timeout.connect(lambda: self.save_draft_async(force=True))
        self.editing_banner.hold(self.doc.get("id"))

    def release_lease(self) -> None:
        self.retry_timer.stop()
        self.editing_banner.release()

    # ---- saving among many hands ------------------------------------------------------------------------
    def save_versioned(self, snapshot: dict, step: str | None) -> None:
        """Worker thread: save against the version last read; on success the local copy (if any) goes."""
        self._version = intake.save_draft(self.ws, snapshot, step, expected_version=self._version, base=self._base)
        self._base = snapshot
        if self._kept_locally:
            local_drafts.forget(self.ws, snapshot["id"])
            self._kept_locally = False
            self._back_online = True

    def team_save_failed(self, exc: BaseException) -> bool:
        """True when handled here (a conflict, or the server away); False: the ordinary failure message."""
        if isinstance(exc, Conflict):
            self.resolve_conflict(exc)
            return True
        if not local_drafts.is_server_trouble(exc):
            return False
        snapshot, _generation, step = self._snapshot()
        ws, version = self.ws, self._version
        operations.query(lambda: local_drafts.keep(ws, snapshot, step, version), self._kept, self._not_kept,
                         parent=self)
        return True

    def keep_on_close(self, exc: BaseException, closed) -> bool:
        """Closing while the server is away: the draft is kept on this PC (offered at the next sign-in), then
        `closed()`; True when handled here. If it cannot be kept the window stays open and says why."""
        if not local_drafts.is_server_trouble(exc):
            return False
        snapshot, _generation, step = self._snapshot()
        ws, version = self.ws, self._version
        operations.query(lambda: local_drafts.keep(ws, snapshot, step, version), lambda _path: closed(),
                         self._not_kept, parent=self)
        return True

    def _kept(self, _path) -> None:
        self._kept_locally = True
        self.retry_timer.start()
        self.status.setText(f"Kept on this PC {QTime.currentTime().toString('HH:mm')} (server unreachable)")
        self.message.show_error("The team server cannot be reached, so the draft was not saved there. Your work is "
                                "kept encrypted on this PC and will be saved to the server as soon as it is back "
                                "(this window tries every 30 seconds; if you close it, it is offered again at your "
                                "next sign-in). Nothing is saved to a local database.")

    def _not_kept(self, exc: BaseException) -> None:
        self.message.show_error(f"The team server cannot be reached and the draft could not be kept on this PC "
                                f"either ({exc}). Keep this window open: your changes are still here.")

    def note_back_online(self) -> None:
        if self._back_online:
            self._back_online = False
            self.retry_timer.stop()
            self.message.show_error("The team server is back: your draft is saved there, and the copy kept on this "
                                    "PC was removed.")

    def resolve_conflict(self, conflict: Conflict) -> None:
        from triage_desk.ui.conflict_dialog import ask

        open_already = getattr(self, "_conflict_dialog", None)
        if open_already is not None and shiboken6.isValid(open_already) and open_already.isVisible():
            return  # an autosave met the same conflict while the person is still choosing
        # open(), not exec(): this runs in an operation's failure callback, and a nested event loop there hung CI
        self._conflict_dialog = ask(conflict, self, lambda choice: self._conflict_chosen(conflict, choice),
                                    can_merge=True)

    def _conflict_chosen(self, conflict: Conflict, choice: str | None) -> None:
        from triage_desk.ui.conflict_dialog import KEEP_THEIRS, MERGE, OVERWRITE

        dialog = self._conflict_dialog
        if choice == KEEP_THEIRS:
            self.load_document(copy.deepcopy(conflict.theirs), conflict.version)
            self.status.setText("Their version is shown; yours was set aside")
        elif choice in (OVERWRITE, MERGE):
            self.step().page.store(self.doc)
            mine = copy.deepcopy(self.doc)
            chosen = merge(conflict.theirs, mine, dialog.take_theirs()) if choice == MERGE else mine
            self.load_document(chosen, conflict.version, base=conflict.theirs)
            self.save_draft_async(force=True)
        else:
            self.message.show_error(f"Not saved: {conflict}. Save again (Ctrl+S) to choose.")

    def load_document(self, doc: dict, version: int, base: dict | None = None) -> None:
        """Show `doc` on every page (keep theirs, or the merge), now based on the saved `version`."""
        self.flow.doc = doc
        for step in self.steps:
            if hasattr(step.page, "load"):
                step.page.load(doc)
        self._version, self._base = version, copy.deepcopy(base if base is not None else doc)
        self._saved_generation = self._generation
