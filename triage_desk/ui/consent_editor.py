"""Consent and notification (section C): who was informed, consent records, lawful basis, what to withhold.

Consent is recorded per person and per scope (the referral, multi-agency checks, sharing with a named
agency) as a list of records: a new record never overwrites an old one, and withdrawing consent adds
a "withdrawn" record, so the history stays visible. "Informed" is a separate fact (a parent can know
and disagree). Invalid combinations are refused with the rule's message (`forms.consent_rules`).
"""

from __future__ import annotations

import copy
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from triage_desk.ui.field_editors import FIELD_ERROR_STYLE, choices
from triage_desk.ui.section_page import FieldGroup, RepeatPage, chain
from triage_desk.ui.widgets import ErrorLabel

YES_NO_BOOL = [(True, "Yes"), (False, "No")]
_GIVEN_OR_REFUSED = {"path": "state", "in": ["given", "refused"]}
_LACKS_CAPACITY = [{"path": "by.standing", "equals": "best_interests"},
                   {"path": "reason_code", "equals": "lacks_capacity"}]


def _f(path: str, label: str, kind: str, required: str = "no", choices=None, visible_if=None, help_=None) -> dict:
    return {"id": path, "path": path, "label": label, "type": kind, "required": required, "choices": choices,
            "visible_if": visible_if, "help": help_}


def record_fields(people: list[tuple[str, str]]) -> list[dict]:
    """A consent record's fields, in the form file's format (one renderer draws both); the choice lists
    come from the form (consent_scope, consent_state, ...) so a council's wording is used."""
    return [
        _f("person_id", "Whose consent", "choice", "yes", people, help_="The person the information is about."),
        _f("scope", "Scope", "choice", "yes", "consent_scope"),
        _f("agency", "Named agency", "text", "yes", visible_if={"path": "scope", "equals": "sharing"}),
        _f("state", "Consent state", "choice", "yes", "consent_state"),
        _f("informed", "Was this person told about the referral", "choice", "yes", YES_NO_BOOL,
           help_="Being informed is a separate fact from consenting: a parent can know and disagree."),
        _f("reason_code", "Reason consent was not sought", "choice", "yes", "consent_reason",
           {"path": "state", "equals": "not_sought"}),
        _f("approved_by", "Practice lead who approved not seeking consent", "text", "no",
           visible_if={"path": "state", "equals": "not_sought"}),
        _f("by.name", "Name of the person who gave or refused it", "text", "yes",
           visible_if={"path": "state", "in": ["given", "refused", "withdrawn"]}),
        _f("by.standing", "Their standing", "choice", "yes", "consent_standing", _GIVEN_OR_REFUSED,
           help_="Who can consent: a person with parental responsibility; a child of 12-15 whose competence has "
                 "been assessed; from 16 the Mental Capacity Act applies; an adult with capacity for themselves."),
        _f("by.age", "Their age (years)", "integer", "no", visible_if=_GIVEN_OR_REFUSED,
           help_="Required when a child or young person consents for themselves."),
        _f("competence_assessed", "Competence assessed", "choice", "no", YES_NO_BOOL,
           {"path": "by.standing", "equals": "child_competent"}),
        _f("capacity_assessment", "Capacity assessment", "multiline", "no") | {"visible_any": _LACKS_CAPACITY},
        _f("best_interests_decision", "Best-interests decision", "multiline", "no") | {"visible_any": _LACKS_CAPACITY},
        _f("form", "Verbal or written", "choice", "yes", "consent_form",
           {"path": "state", "in": ["given", "refused", "withdrawn"]}),
        _f("refusal_reason", "Their reason for refusing", "multiline", "no",
           visible_if={"path": "state", "equals": "refused"}),
        _f("proceeds", "Does the referral still proceed", "choice", "no", YES_NO_BOOL,
           {"path": "state", "equals": "refused"}),
        _f("override_reason", "Reason the refusal is overridden", "choice", "yes", "refusal_override",
           {"path": "proceeds", "equals": True}),
        _f("proceed_decided_by", "Decision to proceed made by", "text", "yes",
           visible_if={"path": "proceeds", "equals": True}),
        _f("date", "Date", "date", "yes"),
        _f("note", "Note", "text", "no"),
    ]


def check_record(record: dict, doc: dict) -> list[str]:
    """Problems with one consent record ([] = acceptable): the rules of forms.consent_rules."""
    from triage_desk.forms import consent_rules

    return [p.message for p in consent_rules.check_record(record, doc)]


def people_of(doc: dict) -> list[tuple[str, str]]:
    """(id, display name) for the subjects and household members of the document."""
    out = []
    for n, s in enumerate(doc.get("subjects") or []):
        if isinstance(s, dict) and s.get("id"):
            name = " ".join(str(s.get(k) or "") for k in ("forenames", "surname") if s.get(k) != "not_known").strip()
            out.append((s["id"], f"{name or f'Subject {n + 1}'} (subject)"))
    for n, p in enumerate(doc.get("household") or []):
        if isinstance(p, dict) and p.get("id"):
            rel = str(p.get("relationship") or "").replace("_", " ")
            out.append((p["id"], f"{p.get('name') or f'Household member {n + 1}'}" + (f" ({rel})" if rel else "")))
    return out


class ConsentRecordDialog(QDialog):
    """Add one consent record; refuses invalid combinations with the rule's message."""

    def __init__(self, doc: dict, record: dict, recorded_by: str, form: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.record, self.recorded_by = doc, record, recorded_by
        self.setWindowTitle("Consent record - Triage Desk")
        self.group = FieldGroup(record_fields(people_of(doc)), form, doc=doc)
        self.group.bind(self.record, doc)
        self.error = ErrorLabel()
        by = QLabel(f"Recorded by: {recorded_by} (you)")
        by.setAccessibleName("Recorded by")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Add record")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Add record")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self.group)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(scroll, 1)
        layout.addWidget(by)
        layout.addWidget(buttons)
        chain([*self.group.input_widgets(), *buttons.buttons()])
        self.resize(640, 600)
        self.group.input_widgets()[0].setFocus()

    def full_record(self) -> dict:
        record = {k: v for k, v in self.record.items() if v not in (None, "", {})}
        record["recorded_by"] = self.recorded_by
        return record

    def accept(self) -> None:
        problems = check_record(self.full_record(), self.doc)
        if problems:
            self.error.show_error("This record cannot be added: " + "; ".join(problems))
            return
        super().accept()


def describe_record(rec: dict, names: dict[str, str], form: dict) -> str:
    def label(list_name: str, value) -> str:
        return dict(choices(form, {"choices": list_name})).get(value, str(value or "?"))

    scope = label("consent_scope", rec.get("scope"))
    if rec.get("scope") == "sharing" and rec.get("agency"):
        scope += f" ({rec['agency']})"
    text = (f"{rec.get('date') or 'no date'}  {names.get(rec.get('person_id'), 'unknown person')}: {scope} - "
            f"{label('consent_state', rec.get('state'))}")
    by = rec.get("by") if isinstance(rec.get("by"), dict) else {}
    if rec.get("state") == "not_sought":
        text += f" ({label('consent_reason', rec.get('reason_code'))})"
    elif by.get("name"):
        text += f", by {by['name']}"
        if by.get("standing"):
            text += f" ({label('consent_standing', by['standing']).lower()})"
    if rec.get("form"):
        text += f", {rec['form']}"
    text += "; informed" if rec.get("informed") is True else "; not informed" if rec.get("informed") is False else ""
    if rec.get("recorded_by"):
        text += f"; recorded by {rec['recorded_by']}"
    return text


class ConsentEditor(QWidget):
    """The consent step page (contract: load / store / problems / changed)."""

    changed = Signal()

    def __init__(self, ws, section: dict, form: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.section, self.form = ws, section, form
        self.doc: dict = {}
        self.problem_map: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(section.get("help") or "Record who was told about the referral and, separately, who "
                       "consented to what. Informing is not the same as consenting: a parent can know and disagree.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.informed_box = QGroupBox("Who was told about the referral")
        self.informed_layout = QVBoxLayout(self.informed_box)
        self.informed_group: FieldGroup | None = None
        self.informed_note = QLabel("Add the subject (step D) and the household (step E): each person is listed "
                                    "here.")
        self.informed_note.setWordWrap(True)
        self.informed_layout.addWidget(self.informed_note)
        layout.addWidget(self.informed_box)

        layout.addWidget(self._records_box())
        layout.addWidget(self._other_box(ws, section, form))
        layout.addStretch(1)

    def _records_box(self) -> QGroupBox:
        records_box = QGroupBox("Consent records (the history is kept: a change adds a record)")
        records_layout = QVBoxLayout(records_box)
        self.records = QListWidget()
        self.records.setAccessibleName("Consent records")
        self.records.setWordWrap(True)
        self.records.setMinimumHeight(70)
        self.records.setMaximumHeight(110)
        self.records.currentRowChanged.connect(self._update_buttons)
        self.add_button = QPushButton("&Add consent record…")
        self.add_button.setAccessibleName("Add consent record")
        self.withdraw_button = QPushButton("&Withdraw consent…")
        self.withdraw_button.setAccessibleName("Withdraw the chosen consent")
        self.withdraw_button.setToolTip("Adds a 'withdrawn' record for the same person and scope; the earlier "
                                        "record stays in the history. Applies to future sharing only.")
        for button in (self.add_button, self.withdraw_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_record())
        self.withdraw_button.clicked.connect(self.withdraw)
        self.records_message = QLabel()
        self.records_message.setWordWrap(True)
        self.records_message.setStyleSheet(FIELD_ERROR_STYLE)
        self.records_message.hide()
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.withdraw_button)
        row.addStretch(1)
        records_layout.addWidget(self.records)
        records_layout.addLayout(row)
        records_layout.addWidget(self.records_message)
        return records_box

    def _other_box(self, ws, section: dict, form: dict) -> QGroupBox:
        """The form's own consent fields (lawful basis...) and the list of what to withhold from the family."""
        other = QGroupBox("Lawful basis, and what the family must not be told")
        other_layout = QVBoxLayout(other)
        self.section_group = FieldGroup(section.get("fields") or [], form)  # the form's own consent fields
        self.section_group.changed.connect(self.changed)
        # Each item: what must not be shared with the family, and why (a list: Add / Edit / Remove).
        self.withhold = RepeatPage(ws, {"id": "withhold", "path": "withhold", "repeat": True, "item_id": False,
                                        "title": "Information to withhold from the family",
                                        "item_noun": "item to withhold", "item_label": "{what}", "fields": [
            _f("what", "Information to withhold from the family", "multiline", "yes"),
            _f("why", "Why it must be withheld", "multiline", "yes",
               help_="For example: it would put the child at risk, or could prejudice a police investigation."),
        ]}, form)
        self.withhold.add_button.setText("Add &item to withhold")  # Alt+A adds a consent record
        self.withhold.changed.connect(self._withhold_edited)
        other_layout.addWidget(self.section_group)
        other_layout.addWidget(self.withhold)
        return other

    # ---- page contract ----------------------------------------------------------------------------
    def consent(self) -> dict:
        c = self.doc.get("consent")
        if not isinstance(c, dict):
            c = self.doc["consent"] = {}
        if not isinstance(c.get("records"), list):
            c["records"] = []
        return c

    def load(self, doc: dict) -> None:
        self.doc = doc
        consent = self.consent()
        self._build_informed()
        self.section_group.bind(consent, doc)
        self.withhold.load(consent)  # edits consent["withhold"] in place
        self._refill()
        chain(self.input_widgets())

    def store(self, doc: dict) -> None:
        doc["consent"] = self.consent()

    def problems(self) -> list[str]:
        return []  # the validator reports consent problems for the whole document

    def input_widgets(self) -> list[QWidget]:
        informed = self.informed_group.input_widgets() if self.informed_group else []
        return [*informed, self.records, self.add_button, self.withdraw_button,
                *self.section_group.input_widgets(), self.withhold.items, self.withhold.add_button,
                self.withhold.edit_button, self.withhold.remove_button, *self.withhold.group.input_widgets()]

    def first_input(self) -> QWidget | None:
        return self.input_widgets()[0]

    def show_problems(self, problems: dict[str, str]) -> None:
        """problems: path below `consent` -> message."""
        self.problem_map = problems
        self.section_group.show_problems(problems)
        if self.informed_group is not None:
            self.informed_group.show_problems({k.removeprefix("informed."): v for k, v in problems.items()
                                               if k.startswith("informed.")})
        self.withhold.show_problems({k.removeprefix("withhold").lstrip("."): v for k, v in problems.items()
                                     if k.startswith("withhold")})
        rest = [v for k, v in problems.items() if k == "records" or k.startswith("records.")]
        self.records_message.setText("\n".join(rest))
        self.records_message.setVisible(bool(rest))

    def focus_path(self, path: str) -> bool:
        if path.startswith("informed.") and self.informed_group is not None:
            return self.informed_group.focus_path(path.removeprefix("informed."))
        if path.startswith("withhold"):
            return self.withhold.focus_path(path.removeprefix("withhold").lstrip("."))
        if self.section_group.focus_path(path):
            return True
        head, _, rest = path.partition(".")
        if head == "records" and rest.split(".")[0].isdigit():
            self.records.setCurrentRow(int(rest.split(".")[0]))
            self.records.setFocus()
        else:
            self.add_button.setFocus()
        return True

    # ---- parts ------------------------------------------------------------------------------------
    def _build_informed(self) -> None:
        people = people_of(self.doc)
        if self.informed_group is not None:
            self.informed_group.setParent(None)
            self.informed_group.deleteLater()
            self.informed_group = None
        self.informed_note.setVisible(not people)
        if not people:
            return
        fields = []
        for pid, name in people:
            fields.append(_f(f"{pid}.informed", f"{name}: told about the referral", "yesno", "no"))
            fields.append(_f(f"{pid}.reason", f"{name}: why not told", "choice", "yes", "consent_reason",
                             {"path": f"{pid}.informed", "equals": "no"}))
        informed = self.consent().get("informed")
        if not isinstance(informed, dict):
            informed = self.consent()["informed"] = {}
        self.informed_group = FieldGroup(fields, self.form)
        self.informed_group.bind(informed, self.doc)
        self.informed_group.changed.connect(self._informed_edited)
        self.informed_layout.addWidget(self.informed_group)

    def _informed_edited(self) -> None:
        informed = self.consent().get("informed") or {}
        for pid in [k for k, v in informed.items() if v == {}]:
            del informed[pid]  # a person whose answer was cleared again: absent, not an empty entry
        self.changed.emit()

    def _withhold_edited(self) -> None:
        consent = self.consent()
        if not consent.get("withhold"):
            consent.pop("withhold", None)  # none withheld: absent, not an empty list
        self.changed.emit()

    def _refill(self) -> None:
        names = dict(people_of(self.doc))
        self.records.clear()
        for rec in self.consent()["records"]:
            self.records.addItem(describe_record(rec, names, self.form) if isinstance(rec, dict) else str(rec))
        if not self.consent()["records"]:
            self.records.addItem("No consent recorded yet.")
            self.records.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self._update_buttons()

    def _chosen(self) -> dict | None:
        row = self.records.currentRow()
        records = self.consent()["records"]
        return records[row] if 0 <= row < len(records) and isinstance(records[row], dict) else None

    def _update_buttons(self, *_args) -> None:
        from triage_desk.forms import consent_rules

        rec = self._chosen()
        replaced = consent_rules._superseded(self.doc) if rec is not None else {}
        self.withdraw_button.setEnabled(rec is not None and rec.get("state") == "given"
                                        and rec.get("id") not in replaced)

    def add_record(self, preset: dict | None = None) -> bool:
        """Open the record dialog; the record is added only when the consent rules accept it."""
        from triage_desk.forms import consent_rules

        record = copy.deepcopy(preset) if preset else {"date": date.today().isoformat()}
        dialog = ConsentRecordDialog(self.doc, record, self.ws.actor or "", self.form, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.window().activateWindow()  # keyboard focus comes back to the wizard
        if not accepted:
            self.add_button.setFocus()
            return False
        consent_rules.add_record(self.doc, dialog.full_record())
        self._refill()
        self.records.setCurrentRow(self.records.count() - 1)
        self.changed.emit()
        self.records.setFocus()
        return True

    def withdraw(self) -> None:
        rec = self._chosen()
        if rec is None or rec.get("state") != "given" or not rec.get("id"):
            return
        preset = {k: copy.deepcopy(rec[k]) for k in ("person_id", "scope", "agency", "by", "form") if k in rec}
        preset.update(state="withdrawn", supersedes=rec["id"], informed=True, date=date.today().isoformat())
        self.add_record(preset)
