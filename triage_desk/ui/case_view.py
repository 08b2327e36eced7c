"""One case, read-only: a header with the deadline and re-referral flag, sections A–I of the referral
document in readable form, the subjects' referral history, and panels other features contribute
(Decision, Agency checks) when their modules are present. Opening is audited by `intake.open_case`.
"""

from __future__ import annotations

import html
import importlib
import re
from datetime import datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from triage_desk import deadlines
from triage_desk.caselist import OPEN_STATUSES
from triage_desk.formatting import fmt_date, fmt_datetime
from triage_desk.forms import labels
from triage_desk.ui import operations
from triage_desk.ui.case_list_model import RAG_LABELS, STATUS_LABELS, time_left
from triage_desk.ui.widgets import heading, make_plain

# Used when the form definition cannot be loaded: domain.md §1's sections in order.
FALLBACK_SECTIONS = (("A", "Contact", "contact"), ("B", "Referrer", "referrer"),
                     ("C", "Consent and notification", "consent"), ("D", "Subjects", "subjects"),
                     ("E", "Household and significant others", "household"), ("F", "Agencies involved", "agencies"),
                     ("G", "Concerns", "concerns"), ("H", "Voice of the child or adult", "voice"),
                     ("I", "Adult at risk", "adult"))
WORDS = {"not_known": "Not known", "not_applicable": "Not applicable", "yes": "Yes", "no": "No"}
_CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
PANELS = (("Decision", "triage_desk.ui.decision_panel", "DecisionPanel"),
          ("Agency checks", "triage_desk.ui.checks_panel", "ChecksPanel"),
          ("Progress", "triage_desk.ui.progress_panel", "ProgressPanel"))


def _form() -> dict | None:
    try:
        from triage_desk.ui.field_editors import load_form

        return load_form()
    except (ImportError, OSError, ValueError, KeyError, AttributeError):
        return None


def humanise(key: str) -> str:
    return key.replace("_", " ").replace(".", " › ").strip().capitalize()


def readable(value, choices: dict | None = None) -> str:
    """A stored value in words: choice labels, Yes/No, "Not known", dates as dd/mm/yyyy."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(readable(v, choices) for v in value)
    if isinstance(value, str):
        if choices and value in choices:
            return choices[value]
        if value in WORDS:
            return WORDS[value]
        if _CODE.match(value):  # a stored code with no label to hand: "not_sought" -> "Not sought"
            return value.replace("_", " ").capitalize()
        if _ISO_DATE.match(value):
            return fmt_date(value)
        if _ISO_DATETIME.match(value):
            try:
                return fmt_datetime(datetime.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def _flatten(obj: dict, prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in obj.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, path + ".")
        else:
            out.append((path, value))
    return out


class DocumentRenderer:
    """Sections of a referral document as HTML, labelled from the form definition when present."""

    def __init__(self, form: dict | None):
        self.form = form or {}
        self._catalogue = None
        self.names: dict[str, str] = {}
        self.choice_lists = {}
        for name, items in (self.form.get("choices") or {}).items():
            self.choice_lists[name] = {i["value"]: i.get("label", str(i["value"]))
                                       for i in items if isinstance(i, dict) and "value" in i}

    def sections(self) -> list[dict]:
        if self.form.get("sections"):
            return self.form["sections"]
        return [{"id": path, "letter": letter, "title": title, "path": path}
                for letter, title, path in FALLBACK_SECTIONS]

    def _fields(self, section: dict) -> dict[str, dict]:
        return {f["path"]: f for f in section.get("fields") or [] if isinstance(f, dict) and "path" in f}

    def _choices(self, field: dict | None) -> dict | None:
        if not field:
            return None
        raw = field.get("choices")
        if isinstance(raw, str):
            return self.choice_lists.get(raw)
        if isinstance(raw, list):
            return {i["value"]: i.get("label", str(i["value"])) for i in raw if isinstance(i, dict) and "value" in i}
        return None

    def _table(self, obj: dict, fields: dict[str, dict]) -> str:
        rows = []
        known = [(p, f) for p, f in fields.items()]
        flat = dict(_flatten(obj))
        seen = set()
        for path, field in known:  # the form's order first, then anything else the document holds
            if path not in flat and field.get("type") == "bool":
                flat[path] = False  # an unticked box is saved as nothing: it reads "No"
            if path in flat:
                seen.add(path)
                value = False if field.get("type") == "bool" and flat[path] in (None, "") else flat[path]
                text = readable(self._indicators(path, value), self._choices(field))
                rows.append((field.get("label") or self._path_label(path), html.escape(text)))
        for path, value in flat.items():
            if path not in seen and path != "id":
                rows.append((self._path_label(path), self._value(self._indicators(path, value))))
        if not rows:
            return "<p><i>Nothing recorded.</i></p>"
        cells = "".join(f"<tr><th align='left' valign='top' style='padding-right:16px; font-weight:normal; "
                        f"color:#444'>{html.escape(label)}</th><td>{text}</td></tr>"
                        for label, text in rows)
        return f"<table cellspacing='2'>{cells}</table>"

    def _path_label(self, path: str) -> str:
        """A key the form does not label, in words: a person's id becomes their name ("Informed › Jade
        Pimcombe"), never the id."""
        parts = [self.names.get(p) or p.replace("_", " ") for p in path.split(".")]
        text = " › ".join(parts).strip()
        return text[:1].upper() + text[1:]

    def _indicators(self, path: str, value):
        """Indicator ids in words ("Level 3 - Disclosure of abuse"), from the shipped catalogue."""
        if not path.endswith("indicators") or not isinstance(value, list):
            return value
        if self._catalogue is None:
            from triage_desk.forms.catalogue import default_catalogue

            self._catalogue = default_catalogue()
        out = []
        for item in value:
            found = self._catalogue.get(item) if isinstance(item, str) else None
            out.append(f"{found.label} (level {found.level})" if found else item)
        return out

    def _named(self, key: str, value) -> str:
        if key.endswith("_id") and isinstance(value, str) and self.names.get(value):
            return self.names[value]
        return readable(value)

    def _value(self, value) -> str:
        """HTML for a value the form does not describe (lists of records become one line each)."""
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines = ("; ".join(f"{humanise(k.removesuffix('_id'))}: {self._named(k, v)}" for k, v in _flatten(item)
                               if k != "id") for item in value)
            return "<br>".join(html.escape(line) for line in lines)
        return html.escape(readable(value))

    def section_html(self, section: dict, doc: dict) -> str:
        value = doc.get(section.get("path") or section.get("id"))
        title = f"{section.get('letter', '')}. {section.get('title', '')}".strip(". ")
        out = [f"<h3>{html.escape(title)}</h3>"]
        fields = self._fields(section)
        if isinstance(value, list):
            if not value:
                out.append("<p><i>None recorded.</i></p>")
            for n, item in enumerate(value, 1):
                if isinstance(item, dict):
                    out.append(f"<p><b>{html.escape(self._item_label(section, item, n))}</b></p>")
                    out.append(self._table(item, fields))
                else:
                    out.append(f"<p>{html.escape(readable(item))}</p>")
        elif isinstance(value, dict):
            out.append(self._table(value, fields))
        else:
            out.append("<p><i>Nothing recorded.</i></p>" if value in (None, "") else
                       f"<p>{html.escape(readable(value))}</p>")
        return "".join(out)

    def _item_label(self, section: dict, item: dict, n: int) -> str:
        pattern = section.get("item_label")
        if pattern:
            try:
                text = pattern.format_map(_Blank({k: v for k, v in item.items() if isinstance(v, str)})).strip()
            except (ValueError, IndexError):
                text = ""
            if text:
                return f"{n}. {text}"
        name = " ".join(str(item.get(k) or "") for k in ("forenames", "surname")).strip() or item.get("name") or ""
        return f"{n}. {name}".strip()

    def document_html(self, doc: dict) -> str:
        # People are referred to by id inside the document (consent records): show their names.
        self.names = {p.get("id"): (" ".join(str(p.get(k) or "") for k in ("forenames", "surname")).strip()
                                    or str(p.get("name") or ""))
                      for key in ("subjects", "household") for p in doc.get(key) or []
                      if isinstance(p, dict) and p.get("id")}
        parts = []
        for section in self.sections():
            path = section.get("path") or section.get("id")
            if path == "adult" and doc.get("variant") != "adult" and not doc.get("adult"):
                continue  # the adult section applies to the adult variant only
            parts.append(self.section_html(section, doc))
        return "".join(parts)


def confirmation_text(contact: dict, due=None) -> str:
    """Where the written confirmation of a phone referral stands (due from the moment of submission)."""
    if contact.get("channel") != "phone":
        return "Not needed (not a phone referral)"
    if contact.get("confirmed_at"):
        return f"Received {readable(contact['confirmed_at'])}"
    due = due or contact.get("confirmation_due")
    if isinstance(due, datetime):
        return f"Outstanding — due {fmt_datetime(due)}"
    return f"Outstanding — due {readable(due)}" if due else "Outstanding"


class _Blank(dict):
    def __missing__(self, key):
        return ""


class CaseView(QWidget):
    """A case opened from the list: `doc` as `intake.open_case` returned it (that call audits "case.view")."""

    wizard_opened = Signal(object)  # the wizard window "Continue editing" opened (the area reloads after it)

    def __init__(self, ws, doc: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.doc = doc
        self.referral_id: str = doc["id"]
        self.reference: str = doc.get("reference") or ""
        self.panels: dict[str, QWidget] = {}
        self._due: tuple = (None, "draft")
        self._build()
        self.refresh_header()
        operations.events().workspace_changed.connect(self.on_workspace_changed)
        self.ticker = QTimer(self)
        self.ticker.setInterval(60_000)
        self.ticker.timeout.connect(self.show_time_left)
        self.ticker.start()

    # ---- building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = make_plain(heading(self.reference, 5), selectable=True)
        self.title.setAccessibleName("Case reference")
        top.addWidget(self.title)
        top.addStretch(1)
        self.continue_button = QPushButton("&Continue editing")
        self.continue_button.setAccessibleName("Continue editing this draft")
        self.continue_button.clicked.connect(self.continue_editing)
        self.continue_button.setVisible(self.doc.get("status") == "draft" and self._wizard() is not None)
        top.addWidget(self.continue_button)
        layout.addLayout(top)

        grid = QFormLayout()
        grid.setHorizontalSpacing(16)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("subjects", "Subject(s)"), ("received", "Received"), ("status", "Status"),
                           ("rag", "RAG priority"), ("level", "Level"), ("due", "Next deadline"),
                           ("confirmation", "Written confirmation"), ("re_referrals", "Re-referral")):
            value = make_plain(QLabel(), selectable=True)
            value.setAccessibleName(label)
            value.setWordWrap(True)
            name = QLabel(label + ":")
            name.setBuddy(value)
            grid.addRow(name, value)
            self.fields[key] = value
        layout.addLayout(grid)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        self.document_view = QTextBrowser()
        self.document_view.setAccessibleName("Referral sections A to I")
        self.document_view.setOpenLinks(False)
        self.document_view.setHtml(DocumentRenderer(_form()).document_html(self.doc))
        self.tabs.addTab(self.document_view, "&Referral")
        self.history_view = QTextBrowser()
        self.history_view.setAccessibleName("Referral history of the subjects")
        self.history_view.setHtml("<p><i>Reading the subjects' other referrals…</i></p>")
        self.load_history()
        self.tabs.addTab(self.history_view, "&History")
        for title, module_name, class_name in PANELS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            panel = getattr(module, class_name)(self.ws, self.referral_id, self)
            self.panels[title] = panel
            scroller = QScrollArea()  # a tall panel scrolls inside its tab, never stretches the window
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QScrollArea.Shape.NoFrame)
            scroller.setWidget(panel)
            self.tabs.addTab(scroller, title)
        layout.addWidget(self.tabs, 1)

    def _wizard(self):
        try:
            return importlib.import_module("triage_desk.ui.referral_wizard")
        except ModuleNotFoundError:
            return None

    # ---- content -----------------------------------------------------------------------------------
    def refresh_header(self) -> None:
        """Re-read the referral's columns (a decision or check may have changed them), off the GUI thread."""
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: (case_access.referral_header(ws, referral_id),
                                  case_access.written_confirmation_due(ws, referral_id)),
                         lambda found: self._show_header(*found), parent=self)

    def _show_header(self, row, confirmation_due=None) -> None:
        if row is None:
            return
        self.doc_status = row.status
        self.fields["subjects"].setText(row.subject_name or "(no subject yet)")
        self.fields["received"].setText(fmt_datetime(row.received_at))
        decided = row.final_level is not None
        overridden = decided and row.suggested_level is not None and row.final_level != row.suggested_level
        self._approval = row.approval
        self.fields["status"].setText(labels.status_words(row.status, row.approval, overridden))
        self.fields["rag"].setText(RAG_LABELS.get(row.rag or "", "Not set")
                                   + (" (suggested)" if row.rag and not decided else ""))
        level = row.final_level or row.suggested_level
        self.fields["level"].setText(
            "Not assessed" if not level else
            f"Level {level}" + ("" if row.final_level else " (suggested)"))
        self._due = (row.next_due, row.status, row.next_due_kind)
        self.show_time_left()
        self.fields["confirmation"].setText(confirmation_text(self.doc.get("contact") or {}, confirmation_due))
        n = row.re_referrals_12m or 0
        self.fields["re_referrals"].setText(
            f"{n} referral{'s' if n != 1 else ''} in the last 12 months" if n else "No referrals in the last 12 months")
        self.fields["re_referrals"].setStyleSheet("QLabel { font-weight: bold; }" if n else "")

    def show_time_left(self) -> None:
        """The deadline line, aged by the clock alone (the minute timer calls this without a query)."""
        from triage_desk.forms.clock import london_now

        due, status, kind = self._due
        text, overdue = time_left(due, status, london_now())
        if due is not None:  # the earliest open deadline, whichever step it is
            text = f"{deadlines.KINDS.get(kind or '', 'Deadline')}: {text} (due {fmt_datetime(due)})"
        elif status not in OPEN_STATUSES:
            text = "Decision made"
        if status not in OPEN_STATUSES and getattr(self, "_approval", None) == "pending":
            text += "; practice-lead approval awaited"
        self.fields["due"].setText(("⚠ " if overdue else "") + text)
        self.fields["due"].setStyleSheet("QLabel { font-weight: bold; color: #8a1c1c; }" if overdue else "")

    def load_history(self) -> None:
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: case_access.subject_history(ws, referral_id),
                         lambda links: self.history_view.setHtml(self._history_html(links)), parent=self)

    def _history_html(self, links: list[tuple[str, list[dict]]]) -> str:
        names = {x.get("id"): " ".join(str(x.get(k) or "") for k in ("forenames", "surname")).strip()
                 for x in self.doc.get("subjects") or [] if isinstance(x, dict)}
        parts = []
        for subject_id, others in links:
            who = names.get(subject_id) or "Subject"
            parts.append(f"<h3>{html.escape(who)}</h3>")
            if not others:
                parts.append("<p><i>No other referrals.</i></p>")
                continue
            rows = "".join(f"<tr><td style='padding-right:16px'>{html.escape(r['reference'])}</td>"
                           f"<td style='padding-right:16px'>{html.escape(readable(r['received_at']))}</td>"
                           f"<td>{html.escape(STATUS_LABELS.get(r['status'], r['status']))}</td></tr>"
                           for r in others)
            parts.append("<table><tr><th align='left'>Reference</th><th align='left'>Received</th>"
                         f"<th align='left'>Status</th></tr>{rows}</table>")
        return "".join(parts) or "<p><i>No subject is linked to a known person yet.</i></p>"

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        """A decision or check on this case changes the header; the panels follow by themselves."""
        if changes.touches(operations.CASE, operations.DECISION, operations.CHECK) and changes.about(self.referral_id):
            self.refresh_header()

    def reload(self) -> None:
        self.refresh_header()
        for panel in self.panels.values():
            if hasattr(panel, "reload"):
                panel.reload()

    def continue_editing(self) -> None:
        wizard = self._wizard()
        if wizard is not None:
            opened = wizard.resume(self.ws, self.referral_id, self.window())
            self.wizard_opened.emit(opened)
