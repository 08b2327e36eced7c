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


# ---- kept drafts the server no longer holds as drafts ---------------------------------------------------
@dataclass(frozen=True)
class Overtaken:
    """A kept draft whose server copy was submitted (or is gone) meanwhile: offered once, then saved as a
    new draft or discarded, never saved over the submitted referral."""

    draft: LocalDraft
    reference: str
    explanation: str  # in words: who submitted it and when; that the offline changes were not applied


_STATUS_WORDS = {"submitted": "was submitted", "decided": "was submitted and decided",
                 "closed": "was submitted and has since been closed"}


def sort_pending(ws) -> tuple[list[LocalDraft], list[Overtaken]]:
    """This user's kept drafts: those still drafts on the server (saved again at sign-in) and those that are
    not any more (explained once)."""
    from sqlalchemy import select

    from triage_desk import accounts
    from triage_desk.concurrency import display_name
    from triage_desk.formatting import fmt_datetime, from_utc
    from triage_desk.intake import CASE_ROLES
    from triage_desk.models import AuditEvent, Referral

    accounts.require(ws.user, *CASE_ROLES)
    kept, overtaken = [], []
    with ws.session() as s:
        for draft in pending(ws):
            row = s.get(Referral, draft.doc.get("id"))
            if row is not None and row.status == "draft":
                kept.append(draft)
                continue
            reference = row.reference if row is not None else draft.doc.get("reference") or "The draft"
            if row is None:
                happened = "is no longer on the team server"
            else:
                submit = s.execute(select(AuditEvent.actor, AuditEvent.at).where(
                    AuditEvent.target_id == row.id, AuditEvent.action == "referral.submit")
                    .order_by(AuditEvent.id.desc()).limit(1)).first()
                by, at = submit if submit is not None else (row.updated_by, row.updated_at)
                happened = (f"{_STATUS_WORDS.get(row.status, 'is no longer a draft')} by {display_name(s, by)} "
                            f"at {fmt_datetime(from_utc(at))}")
            overtaken.append(Overtaken(draft, reference, f"{reference} {happened} while this PC could not reach "
                                       "the server; your offline changes were not applied to it."))
    return kept, overtaken


_NOT_CARRIED = ("id", "reference", "status", "links", "decision", "schema", "schema_version", "form")


def save_as_new(ws, overtaken: Overtaken) -> tuple[dict, int | None]:
    """What was typed offline, as a new draft of its own (new reference); the kept copy goes. Returns the new
    document and its version."""
    from triage_desk import intake

    typed = overtaken.draft.doc
    doc = intake.new_draft(ws, typed.get("variant") or "child")
    doc.update({key: value for key, value in typed.items() if key not in _NOT_CARRIED})
    version = intake.save_draft(ws, doc, overtaken.draft.step)
    forget(ws, typed["id"])
    return doc, version


def discard(ws, overtaken: Overtaken) -> None:
    """The person chose to let the offline changes go."""
    forget(ws, overtaken.draft.doc["id"])
