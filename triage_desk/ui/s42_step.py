"""Wizard step (adults only): the three Care Act s42 tests; the duty applies only when all three hold."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QGroupBox, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from triage_desk.forms.facts import S42_TESTS
from triage_desk.forms.threshold import default_context
from triage_desk.ui.widgets import heading, make_plain, note

CHOICES = (("Yes", True), ("No", False), ("Not known yet", None))
EXPLAIN = {
    "care_support_needs": "Needs for care and support (whether or not the council is meeting them): for example "
                          "because of frailty, disability, illness, mental health or substance use.",
    "abuse_or_neglect": "Is experiencing, or is at risk of, abuse or neglect – including self-neglect, "
                        "domestic abuse, financial, psychological, sexual or organisational abuse.",
    "unable_to_protect": "Because of those care and support needs, cannot protect themselves from the abuse or "
                         "neglect, or the risk of it.",
}


class S42Step(QWidget):
    TITLE = "Adult safeguarding (s42)"
    changed = Signal()

    @staticmethod
    def applies(doc: dict) -> bool:
        return doc.get("variant") == "adult"

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        labels = default_context().rules["s42_tests"]
        self.groups: dict[str, QButtonGroup] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(note("Section 42 of the Care Act 2014: the council must make (or cause) enquiries when "
                              "all three tests below hold. Answer each from what is known now."))
        order = []
        for n, key in enumerate(S42_TESTS, 1):
            box = QGroupBox(f"Test {n}: the adult {labels[key]}")
            bl = QVBoxLayout(box)
            bl.addWidget(note(EXPLAIN[key]))
            row = QHBoxLayout()
            group = QButtonGroup(box)
            for i, (word, _) in enumerate(CHOICES):
                button = QRadioButton(word)
                button.setAccessibleName(f"s42 test {n} ({labels[key]}): {word.lower()}")
                group.addButton(button, i)
                row.addWidget(button)
                order.append(button)
            row.addStretch(1)
            bl.addLayout(row)
            group.button(2).setChecked(True)
            group.idToggled.connect(self._edited)
            self.groups[key] = group
            layout.addWidget(box)
        self.result = make_plain(heading("", 2), selectable=True)
        self.result.setAccessibleName("s42 result")
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        layout.addStretch(1)
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._update()

    def first_input(self) -> QWidget:
        return self.groups[S42_TESTS[0]].checkedButton()

    def load(self, doc: dict) -> None:
        s42 = doc.get("s42") if isinstance(doc.get("s42"), dict) else {}
        for key, group in self.groups.items():
            blocked = group.blockSignals(True)
            group.button({True: 0, False: 1}.get(s42.get(key), 2)).setChecked(True)
            group.blockSignals(blocked)
        self._update()

    def store(self, doc: dict) -> None:
        doc["s42"] = self.value()

    def problems(self) -> list[str]:
        return []  # "not known yet" is an honest answer; the routing step shows what follows from it

    def value(self) -> dict:
        return {key: CHOICES[g.checkedId()][1] for key, g in self.groups.items()}

    def set_value(self, values: dict) -> None:
        for key, value in values.items():
            self.groups[key].button({True: 0, False: 1}.get(value, 2)).setChecked(True)

    def duty_applies(self) -> bool:
        return all(v is True for v in self.value().values())

    def _edited(self, *_args) -> None:
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        values = self.value()
        held = sum(v is True for v in values.values())
        unknown = sum(v is None for v in values.values())
        if held == 3:
            text = "s42 duty applies: all three tests hold – an adult safeguarding enquiry (S42) follows."
        elif unknown and held + unknown == 3:
            text = f"s42 duty not established yet: {held} of 3 tests hold, {unknown} not known."
        else:
            text = f"No s42 duty: {held} of 3 tests hold. Consider other support (non-statutory enquiry, " \
                   "needs or carer's assessment, team around the adult)."
        self.result.setText(text)
