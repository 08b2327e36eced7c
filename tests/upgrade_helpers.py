"""A data directory as the first release left it: schema at the oldest migration (0001) with data.

The rows are written with plain SQL in that schema, the way the 0001-era code wrote them, so later
changes to the models cannot quietly make the fixture "new". Synthetic users only."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

OLD_PASSPHRASE = "old release passphrase 1"
OLD_PASSWORD = "old-release-password-1"
USERS = (("admin", "Old Admin", "admin"), ("officer", "Old Officer", "officer"), ("lead", "Old Lead", "lead"))
SETTINGS = {"idle_lock_minutes": "17"}
GENESIS = "0" * 64


def _chain_hash(prev: str, event: list) -> str:
    # The audit chain format of release 0.1.0: sha256(prev_hash + canonical JSON of the event).
    canonical = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(prev.encode("ascii") + canonical).hexdigest()


def make_oldest_data_dir(data_dir: Path) -> dict:
    """Key file + database at revision 0001 holding users, a setting and a chained audit trail."""
    from alembic import command
    from alembic.config import Config

    from triage_desk import vault
    from triage_desk.db import MIGRATIONS_DIR, make_engine
    from triage_desk.secretbox import hash_password

    data_dir.mkdir(parents=True, mode=0o700)
    _kf, key, _code = vault.create_key_file(data_dir, OLD_PASSPHRASE)
    engine = make_engine(data_dir / "triage.db", key)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    raw = engine.raw_connection()
    try:
        prev, at = GENESIS, "2026-01-05 09:00:00.000000"
        # as 0.1.0's `init` wrote them: the set-up event (the chain's genesis), then the accounts
        events = [("workspace.init", "workspace", "0" * 32, "{}")] + [
            ("user.create", "user", username, json.dumps({"role": role}, sort_keys=True, separators=(",", ":")))
            for username, _name, role in USERS]
        for username, name, role in USERS:
            raw.execute("INSERT INTO user (username, display_name, role, password_hash, active, created_at, "
                        "failed_logins) VALUES (?, ?, ?, ?, 1, ?, 0)",
                        (username, name, role, hash_password(OLD_PASSWORD), at))
        for n, (action, target_type, target_id, detail) in enumerate(events, 1):
            event = [n, datetime.fromisoformat(at).isoformat(timespec="microseconds"), "admin", action,
                     target_type, target_id, detail]
            digest = _chain_hash(prev, event)
            raw.execute("INSERT INTO audit_event (id, at, actor, action, target_type, target_id, detail, prev_hash, "
                        "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (n, at, "admin", action, target_type, target_id,
                                                                     detail, prev, digest))
            prev = digest
        for k, v in SETTINGS.items():
            raw.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (k, v))
        raw.commit()
        revision = raw.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        raw.close()
        engine.dispose()
    assert revision == "0001"
    return {"users": [u[0] for u in USERS], "events": len(USERS), "settings": SETTINGS}


def secret_files(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old-pass.txt").write_text(OLD_PASSPHRASE + "\n")
    (folder / "old-pw.txt").write_text(OLD_PASSWORD + "\n")
    return {"passphrase": str(folder / "old-pass.txt"), "password": str(folder / "old-pw.txt")}
