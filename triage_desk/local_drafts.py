"""Server down while typing: the open wizard's draft kept encrypted on this PC until the server is back.

Never a local database: one sealed file per draft in `<data dir>/pending-drafts/`, holding the document,
its wizard step and the version it was last saved at, sealed (secretbox, AES-256-GCM) under a random key
kept in the OS keyring for this store and user, and bound to both (another user's or another store's file
does not open). When a save to the server succeeds again the file goes; at the next sign-in the drafts
still here are offered again and saved to the server (a Conflict, if the draft was changed there meanwhile,
is resolved like any other).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from triage_desk.errors import KeyError_, StoreError, TriageError

FOLDER = "pending-drafts"
KEYRING_SERVICE = "Triage Desk local drafts"


@dataclass(frozen=True)
class LocalDraft:
    doc: dict
    step: str | None
    version: int | None  # the server version it was last saved at (a newer one there: Conflict)
    path: Path


def is_server_trouble(exc: BaseException) -> bool:
    """The save failed because the store could not be reached or used (not because of what was typed)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, StoreError) or isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated or isinstance(exc, (OSError, ConnectionError))


def _store_id(ws) -> str:
    return str(getattr(ws.key_file, "db_id", None) or "local")


def _aad(ws) -> bytes:
    return f"triage-desk/local-draft\0{_store_id(ws)}\0{ws.actor}".encode()


def _secret(ws, *, create: bool) -> bytes | None:
    import keyring
    from keyring.errors import KeyringError

    name = f"{_store_id(ws)}:{ws.actor}"
    try:
        stored = keyring.get_password(KEYRING_SERVICE, name)
        if stored is None and create:
            stored = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
            keyring.set_password(KEYRING_SERVICE, name, stored)
    except KeyringError:
        raise StoreError("the draft could not be kept on this PC: no credential store (keyring) is available "
                         "to protect it; keep the window open until the server is back") from None
    return base64.b64decode(stored) if stored else None


def _folder(ws) -> Path:
    return Path(ws.data_dir) / FOLDER


def keep(ws, doc: dict, step: str | None, version: int | None) -> Path:
    """Seal the draft into this PC's pending folder (replacing an older copy of the same draft)."""
    from triage_desk import secretbox

    secret = _secret(ws, create=True)
    body = json.dumps({"doc": doc, "step": step, "version": version}, ensure_ascii=False).encode("utf-8")
    blob = secretbox.seal(body, secret, _aad(ws))
    folder = _folder(ws)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{doc['id']}.sealed"
        tmp = path.with_suffix(".partial")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            json.dump({"user": ws.actor, "sealed": blob}, fh)
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"the draft could not be kept in {folder} ({exc.strerror})") from None
    return path


def forget(ws, referral_id: str) -> None:
    """Saved on the server again: the local copy goes."""
    (_folder(ws) / f"{referral_id}.sealed").unlink(missing_ok=True)


def pending(ws) -> list[LocalDraft]:
    """This user's drafts kept on this PC (others' files are left alone, damaged ones skipped)."""
    from triage_desk import secretbox

    folder = _folder(ws)
    if not folder.is_dir():
        return []
    secret = _secret(ws, create=False)
    out = []
    for path in sorted(folder.glob("*.sealed")):
        try:
            outer = json.loads(path.read_text(encoding="ascii"))
            if outer.get("user") != ws.actor or secret is None:
                continue
            inner = json.loads(secretbox.unseal(outer["sealed"], secret, _aad(ws), what="local draft key"))
            out.append(LocalDraft(inner["doc"], inner.get("step"), inner.get("version"), path))
        except (OSError, ValueError, KeyError, TypeError, KeyError_, TriageError):
            continue
    return out
