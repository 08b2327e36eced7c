"""Tamper-evident audit trail.

Every event stores the hash of the previous event and its own hash:
    hash = sha256(prev_hash + canonical_json(own content))
so editing an event breaks its own hash, and deleting one breaks the link of the next (and leaves a
gap in the never-reused ids). SQL triggers refuse UPDATE/DELETE from ordinary code; the chain
catches anyone who removes them. Details never hold personal data: ids and references only.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from triage_desk.models import AuditEvent, utcnow

GENESIS = "0" * 64
GENESIS_ACTION = "workspace.init"  # the chain must start here
GENESIS_PRELUDE = ("partner.seed",)  # written while the new database is opened, just before its set-up event
CHECKPOINT_EVERY = 100
# Per open database (engine): the signed-in user whose in-memory key signs checkpoints, and the function
# that writes one (audit_anchor.write, handed over at sign-in so this module stays below the anchors).
_SIGNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register_signer(engine, user, write_checkpoint) -> None:
    _SIGNERS[engine] = (user, write_checkpoint)


def forget_signer(engine) -> None:
    _SIGNERS.pop(engine, None)


def signer_for(engine):
    entry = _SIGNERS.get(engine)
    return entry[0] if entry else None


def _canonical(event_id: int, at: datetime, actor: str | None, action: str, target_type: str | None,
               target_id: str | None, detail: str) -> bytes:
    return json.dumps([event_id, at.isoformat(timespec="microseconds"), actor, action, target_type,
                       target_id, detail], separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def head(session: Session) -> str:
    """Hash of the newest event (the chain head printed on summaries and bundles)."""
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return last or GENESIS


# pg_advisory_xact_lock key for appends (any constant bigint; "TDaudit" in ASCII).
APPEND_LOCK = 0x5444617564697400


def serialise_appends(session: Session) -> None:
    """One chain under many writers: on a server, appends take turns on a transaction-scoped advisory
    lock (held until commit or rollback), so two workstations never both link to the same head. SQLite
    has one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


def record(session: Session, actor: str | None, action: str, target_type: str | None = None,
           target_id: str | int | None = None, **detail) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the change)."""
    serialise_appends(session)
    prev = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_id, prev_hash = (prev[0], prev[1]) if prev else (0, GENESIS)
    event = AuditEvent(id=prev_id + 1, at=utcnow(), actor=actor, action=action, target_type=target_type,
                       target_id=None if target_id is None else str(target_id),
                       detail=json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str),
                       prev_hash=prev_hash)
    event.hash = _hash(prev_hash, _canonical(event.id, event.at, actor, action, target_type,
                                             event.target_id, event.detail))
    session.add(event)
    session.flush()
    if event.id % CHECKPOINT_EVERY == 0:
        entry = _SIGNERS.get(session.get_bind())
        if entry is not None:
            signer, write_checkpoint = entry
            write_checkpoint(session, signer, "interval")
    return event


@dataclass
class ChainReport:
    events: int
    head: str
    first_break: int | None = None
    problem: str | None = None
    problems: list[str] = field(default_factory=list)  # anchors, checkpoints, roles (audit_anchor.check)
    warnings: list[str] = field(default_factory=list)
    checkpoints: int = 0  # valid signed checkpoints the chain was checked against

    @property
    def intact(self) -> bool:
        return self.first_break is None and not self.problems


def walk(session: Session, vouched: dict[int, str] | None = None) -> ChainReport:
    """Walk the chain in id order and name the first broken event. `expected`: {event count: head hash}
    that signed checkpoints vouch for."""
    vouched = vouched or {}
    prev_id, prev_hash, count, seen_genesis = 0, GENESIS, 0, False
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    for ev in rows:
        count += 1
        if ev.id != prev_id + 1:
            return ChainReport(count, prev_hash, prev_id + 1,
                               f"event {prev_id + 1} is missing (deleted): the chain jumps from "
                               f"{prev_id} to {ev.id}")
        if ev.prev_hash != prev_hash:
            return ChainReport(count, prev_hash, ev.id,
                               f"event {ev.id} ({ev.action}) does not link to event {prev_id}: "
                               "an earlier event was altered or removed")
        expected = _hash(ev.prev_hash, _canonical(ev.id, ev.at, ev.actor, ev.action, ev.target_type,
                                                  ev.target_id, ev.detail))
        if expected != ev.hash:
            return ChainReport(count, prev_hash, ev.id, f"event {ev.id} ({ev.action}) was altered: "
                                                         "its content does not match its hash")
        if not seen_genesis and (ev.id != count or ev.action not in (GENESIS_ACTION, *GENESIS_PRELUDE)):
            return ChainReport(count, prev_hash, 1, "the chain does not start at its genesis event (workspace "
                                                   "set-up): the first events were deleted or replaced")
        seen_genesis = seen_genesis or ev.action == GENESIS_ACTION
        if count in vouched and vouched[count] != ev.hash:
            return ChainReport(count, prev_hash, ev.id, f"event {ev.id} ({ev.action}) is not the event a signed "
                                                         "checkpoint vouches for: the chain was rewritten")
        prev_id, prev_hash = ev.id, ev.hash
    if not seen_genesis:
        return ChainReport(count, prev_hash, 1, "the audit chain is empty: its genesis event (workspace set-up) "
                                                "and every later event are missing" if count == 0 else
                           "the chain has no genesis event (workspace set-up): its start was deleted")
    return ChainReport(count, prev_hash)


def events_for(session: Session, target_type: str, target_id: str) -> list[dict]:
    """A case's events as plain dicts (for bundles and the case history view)."""
    rows = session.execute(select(AuditEvent).where(AuditEvent.target_type == target_type,
                                                    AuditEvent.target_id == str(target_id))
                           .order_by(AuditEvent.id)).scalars()
    return [{"id": e.id, "at": e.at.isoformat(timespec="seconds") + "Z", "actor": e.actor, "action": e.action,
             "target_type": e.target_type, "target_id": e.target_id, "detail": json.loads(e.detail),
             "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]


# Installed by the initial migration: ordinary code can only append.
APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)
