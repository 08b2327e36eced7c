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

FORMS_DIR = Path(__file__).resolve().parent
DEFAULT_FORM = FORMS_DIR / "marf_default.json"
OVERRIDE_NAME = Path("forms") / "marf.json"

FIELD_TYPES = ("text", "multiline", "date", "datetime", "choice", "multichoice", "yesno", "bool", "integer",
               "nhs_number", "postcode", "email", "phone")
REQUIRED = ("yes", "or_unknown", "no")
OPERATORS = ("equals", "in", "not_equals")
SECTION_KINDS = (None, "consent", "household")
NOT_KNOWN = "not_known"
NOT_APPLICABLE = "not_applicable"
YESNO = ("yes", "no", NOT_KNOWN)


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
def _bad(source: str, key: str, problem: str) -> InputError:
    return InputError(f"{source}: {key}: {problem}")


def _check_cond(cond: Any, source: str, key: str) -> None:
    if cond is None:
        return
    if not isinstance(cond, dict) or not isinstance(cond.get("path"), str) or not cond["path"]:
        raise _bad(source, key, "must be an object with a path and one of equals, in, not_equals")
    ops = [op for op in OPERATORS if op in cond]
    if len(ops) != 1:
        raise _bad(source, key, "needs exactly one of equals, in, not_equals")
    if ops[0] == "in" and not isinstance(cond["in"], list):
        raise _bad(source, f"{key}.in", "must be a list")


def _check_choices(raw: dict, source: str) -> None:
    lists = raw.get("choices", {})
    if not isinstance(lists, dict):
        raise _bad(source, "choices", "must be an object of named lists")
    for name, items in lists.items():
        _check_choice_list(items, source, f"choices.{name}")


def _check_choice_list(items: Any, source: str, key: str) -> None:
    if not isinstance(items, list) or not items:
        raise _bad(source, key, "must be a non-empty list of {value, label}")
    seen = set()
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str) \
                or not isinstance(item.get("label"), str):
            raise _bad(source, f"{key}[{n}]", "must be {\"value\": text, \"label\": text}")
        if item["value"] in seen:
            raise _bad(source, f"{key}[{n}].value", "repeats an earlier value")
        seen.add(item["value"])


def _check_field(field: Any, raw: dict, source: str, key: str) -> None:
    if not isinstance(field, dict):
        raise _bad(source, key, "must be an object")
    for name in ("id", "path", "label"):
        if not isinstance(field.get(name), str) or not field[name]:
            raise _bad(source, f"{key}.{name}", "is missing or not text")
    if field.get("type") not in FIELD_TYPES:
        raise _bad(source, f"{key}.type", f"must be one of {', '.join(FIELD_TYPES)}")
    if field.get("required", "no") not in REQUIRED:
        raise _bad(source, f"{key}.required", "must be yes, or_unknown or no")
    choices = field.get("choices")
    if field["type"] in ("choice", "multichoice"):
        if isinstance(choices, str):
            if choices not in raw.get("choices", {}):
                raise _bad(source, f"{key}.choices", f"names a choice list {choices!r} that the file does not define")
        else:
            _check_choice_list(choices, source, f"{key}.choices")
    _check_cond(field.get("visible_if"), source, f"{key}.visible_if")
    _check_cond(field.get("required_if"), source, f"{key}.required_if")
    if field.get("date_rule") not in (None, "past", "edd"):
        raise _bad(source, f"{key}.date_rule", "must be past (not in the future) or edd (up to 10 months ahead)")
    for bound in ("min", "max"):
        if field.get(bound) is not None and (not isinstance(field[bound], int) or isinstance(field[bound], bool)):
            raise _bad(source, f"{key}.{bound}", "must be a whole number")
    spec = field.get("computed")
    if spec is not None and not (isinstance(spec, dict) and isinstance(spec.get("deadline"), str)
                                 and isinstance(spec.get("from"), str)):
        raise _bad(source, f"{key}.computed", "must be {\"deadline\": rules timescale, \"from\": field path}")


def check_form(raw: Any, source: str) -> dict:
    """Raise InputError naming the file and key for anything the wizard or validator could not use."""
    if not isinstance(raw, dict):
        raise _bad(source, "$", "a form file must be a JSON object")
    for name in ("id", "version", "title"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise _bad(source, name, "is missing or not text")
    _check_choices(raw, source)
    sections = raw.get("sections")
    if not isinstance(sections, list) or not sections:
        raise _bad(source, "sections", "must be a non-empty list")
    seen: set[str] = set()
    for n, section in enumerate(sections):
        key = f"sections[{n}]"
        if not isinstance(section, dict):
            raise _bad(source, key, "must be an object")
        for name in ("id", "title", "path"):
            if not isinstance(section.get(name), str) or not section[name]:
                raise _bad(source, f"{key}.{name}", "is missing or not text")
        if section["id"] in seen:
            raise _bad(source, f"{key}.id", f"section id {section['id']!r} is used twice")
        seen.add(section["id"])
        if section.get("kind") not in SECTION_KINDS:
            raise _bad(source, f"{key}.kind", "must be consent, household or absent")
        _check_cond(section.get("visible_if"), source, f"{key}.visible_if")
        fields = section.get("fields")
        if not isinstance(fields, list):
            raise _bad(source, f"{key}.fields", "must be a list")
        paths = set()
        for m, field in enumerate(fields):
            _check_field(field, raw, source, f"{key}.fields[{m}]")
            if field["path"] in paths:
                raise _bad(source, f"{key}.fields[{m}].path", f"path {field['path']!r} is used twice")
            paths.add(field["path"])
        for m, group in enumerate(section.get("require_one_of") or []):
            if not isinstance(group, list) or not set(group) <= paths:
                raise _bad(source, f"{key}.require_one_of[{m}]", "must list field paths of this section")
    return raw


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
        raw = json.loads(p.read_bytes())
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{source}: form file cannot be read") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{source}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    form = Form(check_form(raw, source), source)
    _CACHE[key] = form
    return form
