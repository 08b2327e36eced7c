"""Checking data against a JSON Schema shipped beside it in triage_desk/forms/, with every error in words.

One checker for the referral document and for the form, catalogue and rules files a council edits:
each problem names the JSON path and says what is wrong without echoing the value (a document holds
personal data). A schema node may carry "x-problem", the words to use when that node is not met.

Start-up cost: validating the shipped form, catalogue and rules files took ~170 ms of every start (most
of it importing jsonschema). The shipped files are validated by the test suite instead, which records
their digests in `shipped_valid.json` (`python -m triage_desk.forms.schema_check` rewrites it); a file
whose bytes (with its schema's) match a recorded digest is the very file that passed, so it is not
checked again. Any other file — a council's edited copy — is validated in full, every time.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from triage_desk.errors import InputError

SCHEMAS_DIR = Path(__file__).resolve().parent
SHIPPED_VALID = SCHEMAS_DIR / "shipped_valid.json"
# (schema, shipped file) pairs validated by the tests (tests/test_configuration.py) and recorded here
SHIPPED = (("form.schema.json", "marf_default.json"), ("catalogue.schema.json", "catalogue_default.json"),
           ("rules.schema.json", "rules_default.json"))
MAX_REPORTED = 20
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "null"}


@cache
def schema(name: str) -> dict:
    """A schema file shipped in triage_desk/forms/ (e.g. "rules.schema.json")."""
    return json.loads((SCHEMAS_DIR / name).read_text("utf-8"))


@cache
def validator(name: str):
    from jsonschema import Draft202012Validator  # imported only when a file is actually checked

    return Draft202012Validator(schema(name))


def digest(schema_name: str, file_bytes: bytes) -> str:
    """What `shipped_valid.json` records: the schema's bytes and the file's bytes, hashed together."""
    h = hashlib.sha256((SCHEMAS_DIR / schema_name).read_bytes())
    h.update(b"\0")
    h.update(file_bytes)
    return h.hexdigest()


@cache
def _recorded() -> frozenset[str]:
    try:
        return frozenset(json.loads(SHIPPED_VALID.read_text("utf-8")))
    except (OSError, ValueError):  # missing or damaged: every file is validated in full
        return frozenset()


def known_valid(schema_name: str, file_bytes: bytes | None) -> bool:
    return file_bytes is not None and digest(schema_name, file_bytes) in _recorded()


def json_path(parts) -> str:
    """`$.subjects[0].dob` style path for a sequence of keys and indexes."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(str(part)):
            out += f".{part}"
        else:
            out += "[" + json.dumps(str(part)) + "]"
    return out


def _words(types: Any) -> str:
    types = types if isinstance(types, list) else [types]
    return " or ".join(_TYPE_WORDS.get(t, str(t)) for t in types if t != "null") or "null"


def describe(error) -> tuple[str, str]:
    """(JSON path, plain-words problem) for one schema error, without the offending value."""
    path = json_path(error.absolute_path)
    kind, expected, sub = error.validator, error.validator_value, error.schema
    if kind == "required":
        missing = next((k for k in expected if isinstance(error.instance, dict) and k not in error.instance), None)
        return json_path([*error.absolute_path, missing]) if missing else path, "is missing"
    if kind == "additionalProperties" and expected is False:
        extra = sorted(k for k in error.instance if k not in (sub.get("properties") or {}))
        return json_path([*error.absolute_path, extra[0]]) if extra else path, "is not a known field"
    if kind == "type":
        return path, f"must be {_words(expected)}"
    if kind in ("pattern", "format"):
        return path, sub.get("x-problem", "is not in the expected format")
    if kind == "enum":
        return path, "must be one of: " + ", ".join("null" if v is None else str(v) for v in expected)
    if kind == "const":
        return path, f"must be {json.dumps(expected)}"
    if kind in ("minimum", "exclusiveMinimum"):
        return path, f"must be {'at least' if kind == 'minimum' else 'more than'} {expected}"
    if kind in ("maximum", "exclusiveMaximum"):
        return path, f"must be at most {expected}"
    if kind in ("minItems", "maxItems", "minProperties", "maxProperties"):
        return path, sub.get("x-problem") or (f"must hold at {'least' if kind.startswith('min') else 'most'} "
                                              f"{expected} {'items' if kind.endswith('Items') else 'entries'}")
    if kind == "minLength":
        return path, "must not be empty"
    if kind == "maxLength":
        return path, f"is longer than {expected:,} characters"
    if kind == "uniqueItems":
        return path, "lists the same value twice"
    return path, sub.get("x-problem", "is not acceptable here")


def problems(data: Any, schema_name: str) -> list[str]:
    """Every way `data` breaks the schema, as '$.path: problem', sorted by path, each once."""
    found = {"{}: {}".format(*describe(e)) for e in validator(schema_name).iter_errors(data)}
    return sorted(found)


def check_file(data: Any, schema_name: str, source: str, file_bytes: bytes | None = None) -> None:
    """Raise InputError '<file>: <path>: <problem>; ...' when a configuration file breaks its schema.
    `file_bytes` (the file as read): a shipped file the tests validated is not checked again."""
    if known_valid(schema_name, file_bytes):
        return
    found = problems(data, schema_name)
    if found:
        more = f"; and {len(found) - MAX_REPORTED} more" if len(found) > MAX_REPORTED else ""
        raise InputError(f"{source}: " + "; ".join(found[:MAX_REPORTED]) + more)


def bad(source: str, path: str, problem: str) -> InputError:
    """The error for a cross-reference a schema cannot express, in the same shape as a schema error."""
    return InputError(f"{source}: {path}: {problem}")


def record_shipped() -> list[str]:
    """Validate every shipped file against its schema (raising on a problem) and write their digests."""
    digests = []
    for schema_name, file_name in SHIPPED:
        raw = (SCHEMAS_DIR / file_name).read_bytes()
        found = problems(json.loads(raw), schema_name)
        if found:
            raise InputError(f"{file_name}: " + "; ".join(found[:MAX_REPORTED]))
        digests.append(digest(schema_name, raw))
    SHIPPED_VALID.write_text(json.dumps(digests, indent=1) + "\n", "utf-8")
    return digests


if __name__ == "__main__":
    print("\n".join(record_shipped()))
