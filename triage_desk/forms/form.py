"""The multi-agency referral form as data: load and check the form file, look up fields and choices.

The format is described in docs/referral-schema.md (and the form-definition contract): sections A-I,
each with fields that have a dotted `path`, a `type`, a `required` rule and an optional `visible_if`.
A council changes its form by editing the file; a copy at `<data dir>/forms/marf.json` overrides the
shipped default. Errors name the file and the key at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import default_rules
from triage_desk.forms.schema_check import bad, check_file, schema

FORMS_DIR = Path(__file__).resolve().parent
DEFAULT_FORM = FORMS_DIR / "marf_default.json"
OVERRIDE_NAME = Path("forms") / "marf.json"

FORM_SCHEMA = "form.schema.json"
# the field types the validator and the wizard implement (listed once, in the schema)
FIELD_TYPES = tuple(schema(FORM_SCHEMA)["$defs"]["field"]["properties"]["type"]["enum"])
NOT_KNOWN = "not_known"
NOT_APPLICABLE = "not_applicable"
YESNO = ("yes", "no", NOT_KNOWN)
EXPLICIT = (NOT_KNOWN, NOT_APPLICABLE)  # an explicit answer that is not a value


def is_blank(value: Any) -> bool:
    """Nothing entered: absent, empty text, an empty list or object."""
    return value is None or (isinstance(value, str) and value.strip() == "") or value == [] or value == {}


@dataclass(frozen=True)
class Form:
    """A loaded, checked form definition. `raw` is the plain data (what the UI renders)."""

    raw: dict
    source: str

    @property
    def id(self) -> str:
        return self.raw["id"]

    @property
    def version(self) -> str:
        return self.raw["version"]

    @property
    def title(self) -> str:
        return self.raw.get("title", self.id)

    @property
    def sections(self) -> list[dict]:
        return self.raw["sections"]

    def section(self, section_id: str) -> dict:
        for s in self.sections:
            if s["id"] == section_id:
                return s
        raise InputError(f"form: no section {section_id!r} in {self.source}")

    def choices(self, name: str) -> list[dict]:
        """A shared choice list: [{"value", "label"}, ...]."""
        try:
            return self.raw["choices"][name]
        except KeyError:
            raise InputError(f"form: no choice list {name!r} in {self.source}") from None

    def field_choices(self, field: dict) -> list[dict]:
        """The choices of a field (a named shared list or an inline list); [] when it has none."""
        raw = field.get("choices")
        if isinstance(raw, str):
            return self.choices(raw)
        return list(raw or [])

    def choice_values(self, field: dict) -> set:
        return {c["value"] for c in self.field_choices(field)}

    def choice_label(self, field: dict, value: Any) -> str:
        for c in self.field_choices(field):
            if c["value"] == value:
                return c.get("label", str(value))
        return str(value)

    def stamp(self) -> dict:
        """What a saved referral records about the form it was filled in with."""
        return {"id": self.id, "version": self.version}

    @staticmethod
    def label(field_or_section: dict, doc: dict | None = None) -> str:
        """Label in the document's wording (adult variant uses `label_adult` when the file gives one)."""
        key = "label" if "label" in field_or_section else "title"
        if doc and doc.get("variant") == "adult" and field_or_section.get(f"{key}_adult"):
            return field_or_section[f"{key}_adult"]
        return field_or_section.get(key) or field_or_section.get("id", "")

    @staticmethod
    def help(field_or_section: dict, doc: dict | None = None) -> str:
        if doc and doc.get("variant") == "adult" and field_or_section.get("help_adult"):
            return field_or_section["help_adult"]
        return field_or_section.get("help") or ""

    def visible_sections(self, doc: dict) -> list[dict]:
        return [s for s in self.sections if is_visible(s.get("visible_if"), doc, doc)]


# ---- dotted paths and visibility ------------------------------------------------------------------
def get_path(obj: Any, dotted: str) -> Any:
    """Value at a dotted path (`address.postcode`, list indexes as digits); None when absent."""
    for part in dotted.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def set_path(obj: dict, dotted: str, value: Any) -> None:
    """Write at a dotted path, creating objects on the way. None or "" removes the key: a blank is
    absent, never a silent empty string ("not known" is the explicit value)."""
    *parents, last = dotted.split(".")
    for part in parents:
        nxt = obj.get(part)
        if not isinstance(nxt, dict):
            nxt = obj[part] = {}
        obj = nxt
    if value is None or value == "":
        obj.pop(last, None)
    else:
        obj[last] = value


def is_visible(cond: dict | None, obj: Any, doc: Any) -> bool:
    """`visible_if` holds: a path starting with "/" is read from the document root, otherwise from `obj`."""
    if not cond:
        return True
    path = cond.get("path", "")
    value = get_path(doc, path[1:].replace("/", ".")) if path.startswith("/") else get_path(obj, path)
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in (cond["in"] or [])
    if "not_equals" in cond:
        return value != cond["not_equals"]
    return True


def fill_computed(form: Form, doc: dict, compute_due=None) -> None:
    """Set computed fields (e.g. the phone-confirmation deadline) from the values they depend on.

    `compute_due(step, start)` defaults to the threshold rules' deadline (`threshold.due`)."""
    for section in form.sections:
        for field in section["fields"]:
            spec = field.get("computed")
            if not spec or section.get("repeat"):
                continue
            obj = doc.get(section["path"])
            if not isinstance(obj, dict):
                continue
            value = None
            if is_visible(field.get("visible_if"), obj, doc):
                value = _deadline(spec, get_path(obj, spec["from"]), compute_due)
            set_path(obj, field["path"], value)


def _deadline(spec: dict, start: Any, compute_due) -> str | None:
    from triage_desk.forms.clock import iso_local

    if not isinstance(start, str):
        return None
    try:
        when = datetime.fromisoformat(start)
    except ValueError:
        return None
    if compute_due is None:
        from triage_desk.forms.threshold import due as compute_due
    return iso_local(compute_due(spec["deadline"], when))


# ---- loading and checking -------------------------------------------------------------------------
def check_form(raw: Any, source: str, file_bytes: bytes | None = None) -> dict:
    """Check a form file against form.schema.json, then what a schema cannot say (a named choice list
    exists, values, section ids and field paths are unique, require_one_of names fields of its section).
    Raises InputError naming the file, the JSON path and the problem."""
    check_file(raw, FORM_SCHEMA, source, file_bytes)
    lists = raw.get("choices") or {}
    for name, items in lists.items():
        if isinstance(items, list):
            _unique([i["value"] for i in items], source, f"$.choices.{name}", ".value", "repeats an earlier value")
    _unique([sec["id"] for sec in raw["sections"]], source, "$.sections", ".id", "is a section id used twice")
    for n, section in enumerate(raw["sections"]):
        key = f"$.sections[{n}]"
        paths = [f["path"] for f in section["fields"]]
        _unique(paths, source, f"{key}.fields", ".path", "is a field path used twice in this section")
        for m, field in enumerate(section["fields"]):
            if isinstance(field.get("choices"), str) and field["choices"] not in lists:
                raise bad(source, f"{key}.fields[{m}].choices",
                          f"names a choice list {field['choices']!r} that the file does not define")
        for m, group in enumerate(section.get("require_one_of") or []):
            if not set(group) <= set(paths):
                raise bad(source, f"{key}.require_one_of[{m}]", "must list field paths of this section")
    return raw


def _with_rule_lists(raw: dict) -> dict:
    """A choice list given as {"rules": key} becomes that code table of the rules file (reason codes, lawful
    bases), so the form offers exactly the codes the consent checks accept, and screens see plain lists."""
    for name, items in (raw.get("choices") or {}).items():
        if isinstance(items, dict):
            table = default_rules().codes(items["rules"])
            raw["choices"][name] = [{"value": code, "label": label[:1].upper() + label[1:]}
                                    for code, label in table.items()]
    return raw


def _unique(values: list, source: str, key: str, suffix: str, problem: str) -> None:
    seen: set = set()
    for n, value in enumerate(values):
        if value in seen:
            raise bad(source, f"{key}[{n}]{suffix}", problem)
        seen.add(value)


_CACHE: dict[tuple[str, int, int], Form] = {}


_ACTIVE_DATA_DIR: Path | None = None


def use_data_dir(data_dir: str | Path | None) -> None:
    """Make `<data_dir>/forms/marf.json` (when present) the form used by default in this process: call it when a
    workspace opens, so the wizard, validation and new drafts all use the council's form."""
    global _ACTIVE_DATA_DIR
    _ACTIVE_DATA_DIR = Path(data_dir) if data_dir is not None else None


def form_path(data_dir: str | Path | None = None) -> Path:
    """The form file in use: the data directory's override when present, else the shipped default."""
    data_dir = data_dir if data_dir is not None else _ACTIVE_DATA_DIR
    if data_dir is not None:
        override = Path(data_dir) / OVERRIDE_NAME
        if override.is_file():
            return override
    return DEFAULT_FORM


def load_form(path: str | Path | None = None, *, data_dir: str | Path | None = None) -> Form:
    """Load and check a form file (cached per file version). Errors name the file and key."""
    p = Path(path) if path is not None else form_path(data_dir)
    source = p.name
    try:
        st = p.stat()
    except OSError:
        raise InputError(f"{source}: form file not found or unreadable") from None
    key = (str(p), st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        file_bytes = p.read_bytes()
        raw = json.loads(file_bytes)
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{source}: form file cannot be read") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{source}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    form = Form(_with_rule_lists(check_form(raw, source, file_bytes)), source)
    _CACHE[key] = form
    return form
