"""Household and significant others (section E): add, edit and remove the people around the subject.

A list of people with Add / Edit / Remove (Alt+A, Alt+E, Alt+R) and the chosen person's details below
it, drawn from the form definition's household fields: relationship, parental responsibility, whether
they live with the subject and, when they do not, their own address. Each person gets a stable id so
consent records and "who was told" can refer to them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from triage_desk.ui.section_page import RepeatPage


class HouseholdEditor(RepeatPage):
    def __init__(self, ws, section: dict, form: dict, parent: QWidget | None = None, doc: dict | None = None):
        section = dict(section)
        section.setdefault("item_noun", "person")
        section.setdefault("item_label", "{name}")
        super().__init__(ws, section, form, parent, doc=doc)

    def _label(self, item: dict, n: int) -> str:
        label = super()._label(item, n)
        rel = item.get("relationship")
        if isinstance(rel, str) and rel:
            names = {c.get("value"): c.get("label") for c in (self.form.get("choices") or {}).get("relationship", [])
                     if isinstance(c, dict)}
            label += f" - {names.get(rel, rel.replace('_', ' '))}"
        if item.get("parental_responsibility") == "yes":
            label += " - parental responsibility"
        return label
