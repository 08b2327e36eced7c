"""A referral document as the case view shows it: sections A–I as HTML tables, codes and ISO dates in words
(forms/labels.py, formatting.py). No widgets: the case view puts the HTML in a text browser."""

from __future__ import annotations

import html
import re
from datetime import datetime

from triage_desk.formatting import fmt_date, fmt_datetime

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


def load_form_or_none() -> dict | None:
    """The form definition, or None when it cannot be loaded (FALLBACK_SECTIONS are shown then)."""
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


class _Blank(dict):
    def __missing__(self, key):
        return ""


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
