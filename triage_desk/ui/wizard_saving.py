"""Saving and submitting the referral wizard's draft: off the GUI thread through ui/operations at the
flow's save points and before the window closes, never overwriting a newer save; no autosave after submission.
A mixin of ReferralWizard."""

from __future__ import annotations

import copy
from collections.abc import Callable

from PySide6.QtCore import QTime

from triage_desk import intake
from triage_desk.errors import TriageError
from triage_desk.ui import operations


class DraftSaving:
    """Needs the wizard's ws, flow, doc, generation counters, save lock, status and message labels."""

    def _flow_saver(self, doc: dict, step_id: str) -> None:
        """The flow's save points (every page change; 30 s after an unsaved edit): written off the GUI thread."""
        self.save_draft_async(step_id, force=True)

    def _save(self, snapshot: dict, generation: int, step: str | None) -> int:
        """Runs in a worker thread (or the GUI thread on close): a newer save is never overwritten."""
        with self._save_lock:
            if generation < self._saved_generation or self.is_submitted:
                return self._saved_generation
            self.save_versioned(snapshot, step)  # wizard_team: against the version last read
            self._saved_generation = generation
            return generation

    def _snapshot(self, step_id: str | None = None) -> tuple[dict, int, str]:
        self.step().page.store(self.doc)
        return copy.deepcopy(self.doc), self._generation, step_id or self.flow.current.id

    def is_dirty(self) -> bool:
        return self._generation > self._saved_generation

    def save_draft_async(self, step_id: str | None = None, force: bool = False) -> None:
        if self.is_submitted or self._submitting or not (force or self.is_dirty()):
            return
        if self._saving:
            self._save_again = True
            return
        self._saving = True
        self.status.setText("Saving draft…")
        snapshot, generation, step = self._snapshot(step_id)
        operations.change(lambda: self._save(snapshot, generation, step), operations.Changes.of(operations.DRAFT),
                          self._saved, self._save_failed, parent=self)

    def save_work(self) -> Callable[[], None]:
        """The draft as it is now, to write off the GUI thread before a service that needs it saved (linking
        a person): the returned call does the writing."""
        if self.is_submitted:
            return lambda: None
        snapshot, generation, step = self._snapshot()
        generation = max(generation, self._saved_generation)
        return lambda: self._save(snapshot, generation, step)

    def _locking(self) -> bool:
        return getattr(self.parent(), "is_locked", lambda: False)()

    def save_then_close(self, result: int) -> None:
        """Closing with unsaved edits: write them off the GUI thread, then close. While the save runs the
        window takes no input (hidden at once when the screen is locking: no case stays on screen)."""
        if self._closing:
            return
        self._closing = True
        if self._locking():
            self.hide()
        self.setEnabled(False)
        self.status.setText("Saving draft…")
        operations.change(self.save_work(), operations.Changes.of(operations.DRAFT),
                          lambda _generation: self._saved_for_close(result),
                          lambda exc: self._close_save_failed(exc, result), parent=self)

    def _saved_for_close(self, result: int) -> None:
        self._closing = False
        self.setEnabled(True)
        self.flow.dirty = False
        self.done(result)

    def _close_save_failed(self, exc: BaseException, result: int) -> None:
        self._closing = False
        self.setEnabled(True)
        if self.keep_on_close(exc, lambda: self._closed(result)):  # the server is away: kept encrypted on
            return  # this PC, offered at the next sign-in
        if not isinstance(exc, TriageError):
            raise exc
        if not self._locking():
            self.message.show_error(f"The draft could not be saved ({exc}); it stays open so nothing is lost.")
            return
        self.hide()  # the screen is locking: the case must not stay on screen; the edits stay in memory
        self.parent().lock_changed.connect(self._unlocked_after_failed_save)

    def _saved(self, _generation: int) -> None:
        self._saving = False
        self._show_saved()
        self.note_back_online()
        if self._save_again:
            self._save_again = False
            self.save_draft_async(force=True)

    def _show_saved(self) -> None:
        if not self.is_submitted:
            self.status.setText(f"Draft saved {QTime.currentTime().toString('HH:mm')}"
                                + (" (unsaved changes since)" if self.is_dirty() else ""))

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if self.is_submitted or self.team_save_failed(exc):  # a conflict, or the server away
            return
        self.status.setText("Draft NOT saved")
        self.message.show_error(f"The draft could not be saved: {exc if isinstance(exc, TriageError) else 'error'}"
                                ". Your changes are still here; try Save draft (Ctrl+S) again.")
        if not isinstance(exc, TriageError):
            raise exc

    # ---- submit ---------------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.is_submitted:
            return
        problems = self.all_problems()
        if problems:
            self.revalidate()
            self.message.show_error(f"{len(problems)} thing{'s' if len(problems) != 1 else ''} still block"
                                    f"{'s' if len(problems) == 1 else ''} submission: see the list on the right.")
            self.blocking.setFocus()
            self.blocking.setCurrentRow(0)
            return
        if self._submitting:
            return
        self._submitting = True  # no autosave may follow the submission (it is no longer a draft)
        self.submit_button.setEnabled(False)
        ws, doc, version = self.ws, copy.deepcopy(self.doc), self._version

        def work():
            with self._save_lock:
                return intake.submit(ws, doc, expected_version=version)

        operations.change(work, operations.Changes.of(operations.CASE, referral_id=doc.get("id")),
                          self._submitted, self._not_submitted, parent=self)

    def _not_submitted(self, exc: BaseException) -> None:
        self._submitting = False
        self.submit_button.setEnabled(True)
        if self.team_save_failed(exc):  # someone else saved first, or the server is away: not submitted
            return
        operations.show_refusal(exc, self.message)

    def _submitted(self, result: dict) -> None:
        self._submitting = False
        self.is_submitted = True
        self.flow.doc = result
        self.autosave_timer.stop()
        self.revalidate_timer.stop()  # a pending re-check must not put "can be submitted" back after this
        review = next(i for i, s in enumerate(self.steps) if s.key == "review")
        if review != self.current:
            self.flow.go("review")  # its save point is skipped: the referral is no longer a draft
            self._show_step(review, focus=False)
        self.review.show_submitted(result)
        for widget in (self.back_button, self.next_button, self.save_button, self.submit_button):
            widget.setEnabled(False)
        self.step_list.setEnabled(False)
        count = (result.get("links") or {}).get("re_referrals_12m") or 0
        reference = result.get("reference")
        self.blocking.clear()  # the list of what blocked submission is over: say what happened instead
        self.blocking.addItem(f"Submitted as {reference}: nothing more to do in this window.")
        self.blocking.addItem("Next: the case opens in the Cases area, where an officer records the threshold "
                              "decision before it is due.")
        self.status.setText(f"Submitted {reference}" + (f" - re-referral ({count} in 12 months)" if count else "")
                            + ". The case is now open in the Cases area.")
        self.close_button.setFocus()
        self.submitted.emit(result)
