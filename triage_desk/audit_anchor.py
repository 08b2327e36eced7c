"""Anchors for the audit chain: signed checkpoints and the anchor file (issue 9 point 3).

A checkpoint is a signed tree head, as in certificate transparency: "the chain had N events ending in
HEAD", signed with the acting user's Ed25519 key at sign-out, lock, close and every 100 events. The
newest is also written to `audit-anchor.json` beside the database (0600). Someone holding only the
database key can rewrite the chain and its hashes, but not these signatures; so deleting the tail,
emptying the chain, re-hashing after an edit, or appending events nobody signed is named by `verify`.
What the anchors cannot prove is written down in docs/threat-model.md.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from triage_desk import audit, grants, statements
from triage_desk.bundle import signing
from triage_desk.formatting import fmt_datetime, from_utc
from triage_desk.models import AuditCheckpoint, AuditEvent, User, utcnow
from triage_desk.private_files import replace_json

ANCHOR_FILE = "audit-anchor.json"
ANCHOR_FORMAT = "triage-desk/audit-anchor"


def _data_dir(session: Session) -> Path | None:
    """The folder beside the database file; None on a team server, where no one workstation's file can
    vouch for a chain every workstation writes (there the server refuses UPDATE/DELETE of events)."""
    bind = session.get_bind()
    return Path(bind.url.database).parent if bind.dialect.name == "sqlite" else None


def _chain_end(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, audit.GENESIS)


def _last_checkpoint_events(session: Session) -> int | None:
    return session.execute(select(func.max(AuditCheckpoint.events))).scalar()


def write(session: Session, user, reason: str) -> AuditCheckpoint | None:
    """Sign the chain's current length and head with `user`'s in-memory key; the anchor file follows
    once the transaction commits (so it never claims events that were rolled back)."""
    key = getattr(user, "signing_key", None)
    if key is None:
        return None
    session.flush()
    events, head = _chain_end(session)
    if events == 0 or _last_checkpoint_events(session) == events:
        return None
    now = utcnow()
    body = {"type": statements.CHECKPOINT, "events": events, "head": head, "reason": reason,
            "admin_pin": grants.pinned(session), "by": statements.signer(user, key),
            "at": now.isoformat(timespec="microseconds") + "Z"}
    signed = statements.sign(key, body)
    row = AuditCheckpoint(events=events, head=head, signed_by=user.username, signed_at=now, reason=reason,
                          signer_key=signed.public_key, statement=signed.text, signature=signed.signature)
    session.add(row)
    session.flush()
    folder = _data_dir(session)
    if folder is not None:
        event.listen(session, "after_commit", lambda _s: write_anchor_file(folder, signed), once=True)
    return row


def write_anchor_file(folder: Path, signed: statements.Signed) -> None:
    """Atomic, owner-only: a crash mid-write leaves the previous anchor."""
    doc = {"format": ANCHOR_FORMAT, "version": 1, "statement": signed.text,
           "signature": base64.b64encode(signed.signature).decode("ascii"),
           "public_key": base64.b64encode(signed.public_key).decode("ascii")}
    try:
        replace_json(folder / ANCHOR_FILE, doc)
    except OSError:
        pass  # the database checkpoint stands; `audit verify` names a stale anchor


def use_signer(session: Session, user) -> None:
    """From sign-in on, checkpoints on this database are signed with `user`'s unsealed key."""
    if getattr(user, "signing_key", None) is None:
        return
    note_unsigned_tail(session, user)
    audit.register_signer(session.get_bind(), user, write)


def verify(session: Session, data_dir=None, *, copy: bool = False, open_elsewhere: bool = False) -> audit.ChainReport:
    """The chain (from its genesis event), its signed checkpoints, the anchor file beside the database
    (`data_dir`, default: the database's folder) and the signed role grants; names the first break.
    `copy`: a backup, taken at any moment and older than the anchor file, which is not compared.
    `open_elsewhere`: the app holds the database, so its session's newest events are not signed yet."""
    report = audit.walk(session, checkpoint_heads(session))
    check(session, report, data_dir, copy=copy, open_elsewhere=open_elsewhere)
    return report


def checkpoint(ws, reason: str) -> None:
    """Sign-out, lock, close: checkpoint with the signed-in user's key, if one is unlocked on this database."""
    user = audit.signer_for(ws.engine)
    if user is None:
        return
    with ws.session() as s:
        write(s, user, reason)


def sign_out(ws) -> None:
    """Checkpoint, then drop the unsealed key from memory."""
    checkpoint(ws, "sign-out")
    user = audit.signer_for(ws.engine)
    audit.forget_signer(ws.engine)
    for who in (user, ws.user):
        if who is not None:
            who.signing_key = None


def note_unsigned_tail(session: Session, user) -> None:
    """At sign-in: events written after the last checkpoint (the app did not close cleanly, or someone
    appended them) are recorded, so the next checkpoint never silently vouches for them."""
    last = _last_checkpoint_events(session)
    events, _ = _chain_end(session)
    if last is not None and events > last and not _only_failed_sign_ins(session, last):
        audit.record(session, user.username, "audit.unsigned_tail", "workspace", None, first=last + 1, last=events)


# ---- verifying ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Checked:
    row: AuditCheckpoint
    valid: bool


def _known_keys(session: Session) -> set[str]:
    """Fingerprints of keys that belong to users here (by their signed grants when roles are pinned)."""
    state = grants.replay(session)
    if state.pin is not None:
        known = {k for items in state.history.values() for _at, _r, _a, k in items if k} | {state.pin}
        # Accounts from before signing keys were granted with no key and made theirs at first sign-in; until an
        # administrator next signs their grant, that key is known from the user table (docs/threat-model.md).
        legacy = [name for name, (_role, _active, key) in state.current.items() if key is None]
        if legacy:
            known |= {signing.fingerprint(k) for k in session.execute(select(User.signing_public_key).where(
                User.username.in_(legacy), User.signing_public_key.is_not(None))).scalars()}
        return known
    return {signing.fingerprint(k) for k in session.execute(
        select(User.signing_public_key).where(User.signing_public_key.is_not(None))).scalars()}


def _checked(session: Session) -> list[_Checked]:
    cache = session.info.get("audit_checkpoints")
    if cache is not None:
        return cache
    known, out = _known_keys(session), []
    for row in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.events)).scalars():
        ok = statements.verify(row.statement, row.signature, row.signer_key)
        if ok:
            body = json.loads(row.statement)
            ok = (body.get("events") == row.events and body.get("head") == row.head
                  and signing.fingerprint(row.signer_key) in known)
        out.append(_Checked(row, ok))
    session.info["audit_checkpoints"] = out
    return out


def checkpoint_heads(session: Session) -> dict[int, str]:
    return {c.row.events: c.row.head for c in _checked(session) if c.valid}


def _when(row: AuditCheckpoint) -> str:
    return fmt_datetime(from_utc(row.signed_at), zone=True)


def _only_failed_sign_ins(session: Session, after: int) -> bool:
    """Events nobody could sign: refused sign-ins (no key is unsealed until a sign-in succeeds)."""
    rows = session.execute(select(AuditEvent.actor, AuditEvent.action).order_by(AuditEvent.id)
                           .offset(after).limit(1000)).all()
    return bool(rows) and len(rows) < 1000 and all(
        actor is None and action.endswith((".failed", ".throttled")) for actor, action in rows)


def _hash_at(session: Session, count: int) -> str | None:
    return session.execute(select(AuditEvent.hash).order_by(AuditEvent.id).offset(count - 1).limit(1)).scalar()


def check(session: Session, report: audit.ChainReport, data_dir: Path | None, *, copy: bool = False,
          open_elsewhere: bool = False) -> None:
    """Add what the checkpoints, the anchor file and the role grants show to `report`."""
    checked = _checked(session)
    # On a team server other workstations are open as a rule: their events are signed when they sign out.
    open_elsewhere = open_elsewhere or session.get_bind().dialect.name != "sqlite"
    for c in checked:
        if not c.valid:
            report.problems.append(f"the checkpoint dated {_when(c.row)} is not signed by any user's key: forged")
    valid = [c.row for c in checked if c.valid]
    report.checkpoints = len(valid)
    if valid:
        last = max(valid, key=lambda r: r.events)
        if last.events > report.events:
            report.problems.append(f"the chain holds {report.events} events but {last.signed_by}'s signed checkpoint "
                                   f"of {_when(last)} vouches for {last.events}: events were deleted")
        elif last.events < report.events and (copy or open_elsewhere
                                              or audit.signer_for(session.get_bind()) is not None):
            report.warnings.append(f"the {report.events - last.events} newest events belong to a session still "
                                   "open (in a backup: the session the copy was taken in); they are signed at "
                                   "sign-out, lock or close")
        elif last.events < report.events and report.first_break is None and _only_failed_sign_ins(session, last.events):
            report.warnings.append(f"the {report.events - last.events} newest events are failed sign-in attempts "
                                   "(nobody was signed in to sign them)")
        elif last.events < report.events and report.first_break is None:
            report.problems.append(f"the {report.events - last.events} newest events (after the last signed "
                                   "checkpoint) are not signed by any user's key: forged, or the app is still "
                                   "open or did not close cleanly")
    elif report.events:
        report.warnings.append("no signed checkpoint yet (a database from before checkpoints existed)")
    if not copy and session.get_bind().dialect.name == "sqlite":  # on a server: no anchor file (see _data_dir)
        _check_anchor_file(session, report, Path(data_dir) if data_dir else _data_dir(session), bool(valid))
    for ev in session.execute(select(AuditEvent.detail).where(AuditEvent.action == "audit.unsigned_tail")).scalars():
        d = json.loads(ev)
        report.warnings.append(f"events {d.get('first')} to {d.get('last')} were not signed when written "
                               "(noticed at the next sign-in): the app did not close cleanly, or they were added")
    report.problems.extend(grants.problems(session))


def _check_anchor_file(session: Session, report: audit.ChainReport, folder: Path, have_checkpoints: bool) -> None:
    path = folder / ANCHOR_FILE
    if not path.exists():
        if have_checkpoints:
            report.problems.append(f"the anchor file {ANCHOR_FILE} beside the database is missing")
        return
    try:
        doc = json.loads(path.read_text("utf-8"))
        signed = statements.Signed(doc["statement"], base64.b64decode(doc["signature"]),
                                   base64.b64decode(doc["public_key"]))
        body = signed.body
        events, head = int(body["events"]), str(body["head"])
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        report.problems.append(f"the anchor file {ANCHOR_FILE} is damaged")
        return
    if not signed.valid() or signed.fingerprint not in _known_keys(session):
        report.problems.append(f"the anchor file {ANCHOR_FILE} is not signed by any user's key")
        return
    if events > report.events:
        report.problems.append(f"the chain ({report.events} events) is shorter than the anchor file "
                               f"({events} events): events were deleted")
    elif report.first_break is None and _hash_at(session, events) != head:
        report.problems.append(f"event {events} differs from the one the anchor file vouches for: the chain "
                               "was rewritten")
    if body.get("admin_pin") != grants.pinned(session):
        report.problems.append("the administrator key pinned in the database differs from the anchor file's")
