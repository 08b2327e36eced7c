"""Extra wizard steps provided by other features, and the built-in review step.

Step-page contract (every page of the referral wizard follows it):

    class Page(QWidget):
        changed = Signal()
        def __init__(self, ws, parent=None): ...
        def load(self, doc: dict) -> None: ...       # show the document's values
        def store(self, doc: dict) -> None: ...      # write the page's values into doc
        def problems(self) -> list[str]: ...         # "path: plain words" - each blocks submission

Optional: a class attribute `TITLE` (the step's name in the list), `applies(doc) -> bool` (a step
that does not apply to this referral, e.g. s42 for a child, is left out), `first_input()` (where the
keyboard lands when the step opens) and `input_widgets()` (the page's tab order; Tab then continues to
the blocking list and the buttons). A page whose module is not in this build is skipped: the wizard
never shows a dead step. Avoid Alt+N and Alt+B mnemonics on a page: the wizard keeps them for Next/Back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from triage_desk.forms.form import get_path, is_visible
from triage_desk.ui.field_editors import NOT_KNOWN, choices
from triage_desk.ui.optional import optional_module
from triage_desk.ui.widgets import WARNING_STYLE

EXTRA_PAGES = {
    "threshold": "triage_desk.ui.threshold_step:ThresholdStep",
    "dash": "triage_desk.ui.dash_step:DashStep",
    "s42": "triage_desk.ui.s42_step:S42Step",
    "routing": "triage_desk.ui.routing_step:RoutingStep",
}
DEFAULT_TITLES = {"threshold": "Threshold", "dash": "Domestic abuse (DASH)", "s42": "Adult safeguarding (s42)",
                  "routing": "Outcome and timescales"}


def load_page_class(key: str) -> type | None:
    """The page class registered under `key`, or None when its module is not in this build."""
    module_name, _, class_name = EXTRA_PAGES[key].partition(":")
    module = optional_module(module_name)
    return getattr(module, class_name, None) if module is not None else None


def extra_pages() -> list[tuple[str, str, type]]:
    """(key, title, class) for each extra step present in this build, in wizard order."""
    out = []
    for key in EXTRA_PAGES:
        cls = load_page_class(key)
        if cls is not None:
            out.append((key, getattr(cls, "TITLE", None) or DEFAULT_TITLES[key], cls))
    return out


def _show(value, field: dict, form: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value == NOT_KNOWN:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.get("type") == "yesno":
        return {"yes": "Yes", "no": "No"}.get(value, str(value))
    if field.get("type") in ("date", "datetime") and isinstance(value, str):
        from triage_desk.formatting import fmt_date, fmt_datetime
        from triage_desk.ui.field_editors import parse_date, parse_datetime

        if field["type"] == "date" and parse_date(value) == value:
            return fmt_date(value)
        if field["type"] == "datetime" and parse_datetime(value):
            return fmt_datetime(parse_datetime(value))
    labels = dict(choices(form, field)) if field.get("choices") else {}
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, ""))
    return str(labels.get(value, value))


def summary_text(doc: dict, form: dict) -> str:
    """A plain-text read-only summary of the document, section by section, in the form's words."""
    lines = [f"Referral {doc.get('reference', '')} ({doc.get('variant', 'child')})", ""]
    for section in form.get("sections") or []:
        if not is_visible(section.get("visible_if"), doc, doc):
            continue
        lines.append(f"{section.get('letter', '')}. {section.get('title', section['id'])}".strip(". "))
        value = doc.get(section["path"])
        items = value if section.get("repeat") or isinstance(value, list) else [value]
        if section.get("kind") == "consent":
            from triage_desk.ui.consent_editor import describe_record, people_of

            consent = value if isinstance(value, dict) else {}
            names = dict(people_of(doc))
            for pid, entry in (consent.get("informed") or {}).items():
                if isinstance(entry, dict):
                    lines.append(f"    {names.get(pid, 'someone')}: told about the referral: "
                                 f"{_show(entry.get('informed'), {'type': 'yesno'}, form)}")
            records = consent.get("records") or []
            lines.append(f"    Consent records ({len(records)}):")
            lines += [f"      {describe_record(rec, names, form)}" for rec in records if isinstance(rec, dict)]
            for field in section.get("fields") or []:
                if is_visible(field.get("visible_if"), consent, doc):
                    lines.append(f"    {field.get('label', field['id'])}: "
                                 f"{_show(get_path(consent, field['path']), field, form)}")
            for item in consent.get("withhold") or []:
                if isinstance(item, dict):
                    lines.append(f"    Withhold from the family: {item.get('what', '')} (why: {item.get('why', '')})")
        else:
            for n, item in enumerate(items or []):
                if not isinstance(item, dict):
                    continue
                if len(items) > 1 or section.get("repeat"):
                    lines.append(f"  {n + 1}.")
                for field in section.get("fields") or []:
                    if is_visible(field.get("visible_if"), item, doc):
                        lines.append(f"    {field.get('label', field['id'])}: "
                                     f"{_show(get_path(item, field['path']), field, form)}")
            if not items:
                lines.append("    (none)")
        lines.append("")
    links = doc.get("links") or {}
    if links.get("matched_person_ids"):
        lines.append(f"Linked to {len(links['matched_person_ids'])} known person(s); "
                     f"{links.get('re_referrals_12m', 0)} referral(s) in the last 12 months")
    return "\n".join(lines)


class ReviewPage(QWidget):
    """The last step: what will be submitted, what still blocks it, and Submit."""

    TITLE = "Review and submit"
    changed = Signal()
    submit_requested = Signal()

    def __init__(self, ws, form: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.form = ws, form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setAccessibleName("Submission result")
        self.result.hide()
        self.blocking_title = QLabel("Still to do before you can submit:")
        self.blocking = QListWidget()
        self.blocking.setAccessibleName("Still to do before you can submit")
        self.blocking.setWordWrap(True)
        self.blocking.setMaximumHeight(160)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setTabChangesFocus(True)
        self.summary.setAccessibleName("Summary of the referral")
        self.submit_button = QPushButton("Submit referral (Ctrl+Enter)")  # Alt+U is the window's Submit
        self.submit_button.setAccessibleName("Submit referral")
        self.submit_button.setAutoDefault(False)
        self.submit_button.clicked.connect(self.submit_requested)
        summary_label = QLabel("&Summary")
        summary_label.setBuddy(self.summary)
        layout.addWidget(self.result)
        layout.addWidget(self.blocking_title)
        layout.addWidget(self.blocking)
        layout.addWidget(summary_label)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.submit_button, 0, Qt.AlignmentFlag.AlignRight)

    def load(self, doc: dict) -> None:
        self.summary.setPlainText(summary_text(doc, self.form))

    def store(self, doc: dict) -> None:
        """Read-only: nothing to write."""

    def problems(self) -> list[str]:
        return []

    def set_blocking(self, problems: list[tuple[str, object]]) -> None:
        """(text, jump target) pairs: Enter on a line goes to the field, as in the side panel."""
        self.blocking.clear()
        for text, target in problems:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, target)
            self.blocking.addItem(item)
        self.blocking_title.setText("Still to do before you can submit:" if problems
                                    else "Nothing blocks submission.")
        self.blocking.setVisible(bool(problems))
        self.submit_button.setEnabled(not problems)

    def show_submitted(self, doc: dict) -> None:
        count = (doc.get("links") or {}).get("re_referrals_12m") or 0
        flag = (f"RE-REFERRAL: {count} referral{'s' if count != 1 else ''} for the same person in the last 12 months."
                if count else "No earlier referral for these people in the last 12 months.")
        self.result.setText(f"Submitted. Reference {doc.get('reference')}.\n{flag}")
        self.result.setStyleSheet(WARNING_STYLE)
        self.result.show()
        self.submit_button.setEnabled(False)
        self.blocking_title.hide()
        self.blocking.hide()
        self.load(doc)
