"""The referral wizard as a headless state machine (no Qt): which step, what blocks Next, when to save.

Steps are the visible form sections in form order, then `threshold` (indicators), `dash`, `s42` (adult
referrals only), `routing` and `review`. Next is refused while the current page holds values in the wrong
shape (format or invalid combination); missing required values never block Next, only submission.
Every page change is a save point, and while there are unsaved edits a save is due every 30 seconds:
the UI calls `changed()` on each edit and `tick()` from a timer, and passes a `saver(doc, step_id)` that
writes the draft (`intake.save_draft`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from triage_desk.forms.form import Form, fill_computed
from triage_desk.forms.validation import Problem, engine_problems, problems

AUTOSAVE_SECONDS = 30.0
# Extra steps after the form sections; `sections` says which validation sections a step owns.
EXTRA_STEPS = (("threshold", "Threshold: presenting issues"), ("dash", "Domestic abuse risk (DASH)"),
               ("s42", "Adult safeguarding (s42 tests)"), ("routing", "Outcome and routing"),
               ("review", "Review and submit"))
BLOCKS_NEXT = ("format", "rule")


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    section: dict | None = None  # the form section for a section step


class WizardFlow:
    def __init__(self, form: Form, doc: dict, *, step: str | None = None,
                 saver: Callable[[dict, str], None] | None = None, clock: Callable[[], float] = time.monotonic,
                 autosave_seconds: float = AUTOSAVE_SECONDS):
        self.form, self.doc, self.saver, self.clock = form, doc, saver, clock
        self.autosave_seconds = autosave_seconds
        self.dirty = False
        self.last_saved = clock()  # a draft is saved when created or resumed
        ids = [s.id for s in self.steps]
        self._current = step if step in ids else ids[0]
        fill_computed(form, doc)

    # ---- steps ------------------------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        out = []
        for section in self.form.visible_sections(self.doc):
            letter = section.get("letter")
            title = Form.label(section, self.doc)
            out.append(Step(section["id"], f"{letter}. {title}" if letter else title, section))
        for sid, title in EXTRA_STEPS:
            if sid == "s42" and self.doc.get("variant") != "adult":
                continue
            out.append(Step(sid, title))
        return out

    @property
    def index(self) -> int:
        ids = [s.id for s in self.steps]
        if self._current in ids:
            return ids.index(self._current)
        return 0  # the step was hidden by an edit (e.g. the variant changed): start again at the top

    @property
    def current(self) -> Step:
        return self.steps[self.index]

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.index == len(self.steps) - 1

    # ---- problems ---------------------------------------------------------------------------------
    def page_problems(self, step_id: str | None = None) -> list[Problem]:
        """Everything wrong or missing on one page (default: the current one)."""
        step = step_id or self.current.id
        if step == "review":
            return self.submit_problems()
        if step in ("threshold", "dash", "s42"):
            return [p for p in engine_problems(self.doc) if p.section == step]
        if step == "routing":
            return []
        return [p for p in problems(self.doc, self.form) if p.section == step]

    def next_blockers(self) -> list[Problem]:
        """The problems that stop Next on the current page (wrong formats, invalid combinations)."""
        return [p for p in self.page_problems() if p.kind in BLOCKS_NEXT]

    def submit_problems(self) -> list[Problem]:
        """Everything that stops submission, in page order (visible at any time)."""
        order = {s.id: n for n, s in enumerate(self.steps)}
        found = [p for p in problems(self.doc, self.form) + engine_problems(self.doc) if p.blocking]
        return sorted(found, key=lambda p: order.get(p.section or "", len(order)))

    @property
    def can_submit(self) -> bool:
        return not self.submit_problems()

    # ---- moving -----------------------------------------------------------------------------------
    def next(self) -> list[Problem]:
        """Move on one page. Returns the blocking problems instead when the page has invalid values."""
        blockers = self.next_blockers()
        if blockers:
            return blockers
        if not self.is_last:
            self._move(self.steps[self.index + 1].id)
        return []

    def back(self) -> None:
        """One page back: always allowed (nothing entered is lost; the page is saved)."""
        if not self.is_first:
            self._move(self.steps[self.index - 1].id)

    def go(self, step_id: str) -> list[Problem]:
        """Jump to a page. Going forward past a page with invalid values is refused like Next."""
        ids = [s.id for s in self.steps]
        if step_id not in ids:
            raise ValueError(f"step {step_id!r} is not shown for this referral")
        if ids.index(step_id) > self.index:
            blockers = self.next_blockers()
            if blockers:
                return blockers
        if step_id != self.current.id:
            self._move(step_id)
        return []

    def _move(self, step_id: str) -> None:
        self._current = step_id
        self.save()  # every page change is a save point

    # ---- edits and saving -------------------------------------------------------------------------
    def changed(self) -> None:
        """An edit was made: recompute derived fields (e.g. the confirmation deadline) and mark unsaved."""
        fill_computed(self.form, self.doc)
        self.dirty = True

    def save_due(self) -> bool:
        if not self.dirty:
            return False
        return self.clock() - self.last_saved >= self.autosave_seconds

    def tick(self) -> bool:
        """Timer hook: saves when there are unsaved edits and the autosave interval has passed."""
        if self.save_due():
            self.save()
            return True
        return False

    def save(self) -> None:
        """Write the draft now (through the saver) and mark it saved."""
        if self.saver is not None:
            self.saver(self.doc, self.current.id)
        self.dirty = False
        self.last_saved = self.clock()
