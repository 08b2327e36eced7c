"""The referral wizard's "what still blocks submission" list: counts per step in the step list, inline
messages on the current page, and jumping to a problem's field. A mixin of ReferralWizard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QListWidgetItem,
)

from triage_desk.ui.wizard_steps import relative_path


class ProblemList:
    """Needs the wizard's steps, flow, step list, blocking list and review page."""

    def _extra_problems(self) -> list[tuple[str, str]]:
        """(step, message) from extra pages that report their own problems."""
        out = []
        for step in self.steps:
            if step.section is None and step.key != "review":
                out += [(step.key, str(p)) for p in step.page.problems()]
        return out

    def all_problems(self) -> list[str]:
        """Everything that blocks submission, in words that name the field."""
        self.step().page.store(self.doc)
        messages = [p.message for p in self.flow.submit_problems()]
        return messages + [m for _k, m in self._extra_problems() if m not in messages]

    def revalidate(self) -> None:
        self.step().page.store(self.doc)
        blocking = self.flow.submit_problems()
        extra = [(k, m) for k, m in self._extra_problems() if m not in {p.message for p in blocking}]
        titles = {s.key: s.title for s in self.steps}
        counts = {s.key: 0 for s in self.steps}
        self.blocking.clear()
        for p in blocking:
            key = p.section if p.section in counts else "review"
            counts[key] += 1
            item = QListWidgetItem(f"{titles.get(key, '')}: {p.message}")
            item.setData(Qt.ItemDataRole.UserRole, (key, p.path))
            self.blocking.addItem(item)
        for key, message in extra:
            counts[key] += 1
            item = QListWidgetItem(f"{titles.get(key, '')}: {message}")
            item.setData(Qt.ItemDataRole.UserRole, (key, ""))
            self.blocking.addItem(item)
        if not blocking and not extra:
            self.blocking.addItem("Nothing: the referral can be submitted.")
        for n, step in enumerate(self.steps):
            step.problems = counts[step.key]
            if step.key == "review":
                mark, words = "", ""
            elif step.problems:
                mark, words = f"! {step.problems}  ", f", {step.problems} to do"
            elif step.visited:
                mark, words = "✓  ", ", complete"
            else:
                mark, words = "    ", ""
            item = self.step_list.item(n)
            item.setText(f"{mark}{step.title}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{step.title}{words}")
        step = self.step()
        if hasattr(step.page, "show_problems"):
            inline: dict[str, str] = {}
            if step.visited and step.section is not None:
                for p in self.flow.page_problems(step.key):
                    inline.setdefault(relative_path(p.path, step.path), p.message)
            step.page.show_problems(inline)
        self.review.set_blocking([(self.blocking.item(i).text(), self.blocking.item(i).data(Qt.ItemDataRole.UserRole))
                                  for i in range(self.blocking.count())] if blocking or extra else [])
        self.submit_button.setEnabled(not self.is_submitted)

    def _jump_to_problem(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if not target:
            return
        key, path = target
        index = next(i for i, s in enumerate(self.steps) if s.key == key)
        self.steps[index].visited = True  # show the inline messages there
        if index == self.current:
            self.revalidate()
        elif not self.go_to(index, focus=False):
            return  # this page has a wrong value: go_to said so and put the cursor on it
        page = self.step().page
        if not (path and hasattr(page, "focus_path") and page.focus_path(relative_path(path, self.step().path))):
            first = getattr(page, "first_input", lambda: None)()
            (first or self.next_button).setFocus()
