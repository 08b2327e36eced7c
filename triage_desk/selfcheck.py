"""What `triage-desk --self-test` checks outside Qt: the files an installed copy needs are there and load.

A frozen build that forgot a data file fails here with the file's name, not later in front of a user.
Nothing is written anywhere (no database is opened).
"""

from __future__ import annotations

import json
from importlib import resources


def problems() -> list[str]:
    """One line per missing or unreadable file; empty when the installation is complete."""
    found: list[str] = []
    found += _fonts()
    found += _shipped_json()
    found += _forms()
    found += _migrations()
    return found


def _fonts() -> list[str]:
    from triage_desk.paths import resource_path

    names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    return [f"font {resource_path('fonts', n)} is missing" for n in names if not resource_path("fonts", n).is_file()]


def _shipped_json() -> list[str]:
    out = []
    for name in ("golden_rules.json", "partners_default.json", "referral.schema.json"):
        try:
            json.loads(resources.files("triage_desk.forms").joinpath(name).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            out.append(f"shipped file triage_desk/forms/{name} cannot be read ({exc.__class__.__name__})")
    return out


def _forms() -> list[str]:
    from triage_desk.errors import TriageError

    try:
        from triage_desk.forms.form import load_form
        from triage_desk.forms.threshold import default_context

        default_context()  # catalogue + rules + working calendar
        load_form()
    except (TriageError, OSError, ValueError) as exc:
        return [f"the shipped form, catalogue or rules file cannot be loaded: {exc}"]
    return []


def _migrations() -> list[str]:
    """Alembic reads the migration scripts from files: they must be beside the (frozen) package."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from triage_desk.db import MIGRATIONS_DIR

    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        heads = ScriptDirectory.from_config(cfg).get_heads()
    except Exception as exc:  # noqa: BLE001 - any failure here means the same thing: migrations not found
        return [f"database migrations in {MIGRATIONS_DIR} cannot be read ({exc.__class__.__name__})"]
    return [] if heads else [f"database migrations in {MIGRATIONS_DIR}: no revision found"]


def newest_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from triage_desk.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ",".join(ScriptDirectory.from_config(cfg).get_heads())
