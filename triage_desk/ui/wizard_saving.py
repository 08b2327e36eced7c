"""Saving the referral wizard's draft: off the GUI thread through ui/operations at the flow's save points,
at once on close, never overwriting a newer save. A mixin of ReferralWizard."""

from __future__ import annotations

import copy

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
            intake.save_draft(self.ws, snapshot, step)
            self._saved_generation = generation
            return generation

    def _snapshot(self, step_id: str | None = None) -> tuple[dict, int, str]:
        self.step().page.store(self.doc)
        return copy.deepcopy(self.doc), self._generation, step_id or self.flow.current.id

    def is_dirty(self) -> bool:
        return self._generation > self._saved_generation

    def save_draft_async(self, step_id: str | None = None, force: bool = False) -> None:
        if self.is_submitted or not (force or self.is_dirty()):
            return
        if self._saving:
            self._save_again = True
            return
        self._saving = True
        self.status.setText("Saving draft…")
        snapshot, generation, step = self._snapshot(step_id)
        operations.change(lambda: self._save(snapshot, generation, step), operations.Changes.of(operations.DRAFT),
                          self._saved, self._save_failed, parent=self)

    def save_now(self) -> None:
        """Save at once in this thread (on close, before linking a person)."""
        if self.is_submitted:
            return
        snapshot, generation, step = self._snapshot()
        self._save(snapshot, max(generation, self._saved_generation), step)
        self.flow.dirty = False
        self._show_saved()

    def _saved(self, _generation: int) -> None:
        self._saving = False
        self._show_saved()
        if self._save_again:
            self._save_again = False
            self.save_draft_async(force=True)

    def _show_saved(self) -> None:
        if not self.is_submitted:
            self.status.setText(f"Draft saved {QTime.currentTime().toString('HH:mm')}"
                                + (" (unsaved changes since)" if self.is_dirty() else ""))

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if self.is_submitted:
            return
        self.status.setText("Draft NOT saved")
        self.message.show_error(f"The draft could not be saved: {exc if isinstance(exc, TriageError) else 'error'}"
                                ". Your changes are still here; try Save draft (Ctrl+S) again.")
        if not isinstance(exc, TriageError):
            raise exc
