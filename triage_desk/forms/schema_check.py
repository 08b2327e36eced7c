"""Checking data against a JSON Schema shipped beside it in triage_desk/forms/, with every error in words.

One checker for the referral document and for the form, catalogue and rules files a council edits:
each problem names the JSON path and says what is wrong without echoing the value (a document holds
personal data). A schema node may carry "x-problem", the words to use when that node is not met.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from triage_desk.errors import InputError

SCHEMAS_DIR = Path(__file__).resolve().parent
MAX_REPORTED = 20
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "null"}


@cache
def schema(name: str) -> dict:
    """A schema file shipped in triage_desk/forms/ (e.g. "rules.schema.json")."""
    return json.loads((SCHEMAS_DIR / name).read_text("utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


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


def check_file(data: Any, schema_name: str, source: str) -> None:
    """Raise InputError '<file>: <path>: <problem>; ...' when a configuration file breaks its schema."""
    found = problems(data, schema_name)
    if found:
        more = f"; and {len(found) - MAX_REPORTED} more" if len(found) > MAX_REPORTED else ""
        raise InputError(f"{source}: " + "; ".join(found[:MAX_REPORTED]) + more)


def bad(source: str, path: str, problem: str) -> InputError:
    """The error for a cross-reference a schema cannot express, in the same shape as a schema error."""
    return InputError(f"{source}: {path}: {problem}")
