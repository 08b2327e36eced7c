"""Live: what changed on the team server, told to every workstation (PostgreSQL LISTEN/NOTIFY; no Qt).

Writing side: every unit of work that changes rows NOTIFYs the record kinds and referral ids it touched,
in the same transaction (so nothing is announced that then rolls back, and nothing committed goes
unannounced): session events below, whichever service wrote. Reading side: `Listener`, a thread holding
one connection that LISTENs and hands each change to a callback (ui/operations turns it into the
`workspace_changed` signal). On SQLCipher (one PC) both are no-ops: the app's own changes are announced
by ui/operations already.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.orm import Session

CHANNEL = "triage_desk_changes"
MAX_IDS = 50  # more referrals than this in one commit: "any referral" (a NOTIFY payload is < 8000 bytes)
CASE, DECISION, CHECK, USER, AUDIT, SETTINGS, TRUST, DRAFT, LEASE = (
    "case", "decision", "check", "user", "audit", "settings", "trust", "draft", "lease")
# Table -> the kind of record views know (ui/operations kinds); unlisted tables are casework ("case").
_KINDS = {"decision": DECISION, "agency_check": CHECK, "sharing_decision": CHECK, "user": USER,
          "role_grant": USER, "audit_event": AUDIT, "audit_checkpoint": AUDIT, "setting": SETTINGS,
          "trusted_signer": TRUST, "edit_lease": LEASE, "review_pack": DECISION, "review_item": DECISION}
_ORIGINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    kinds: frozenset[str]
    referral_ids: tuple[str, ...] | None  # None: any referral may be concerned


def origin(engine) -> str:
    """This open workspace's id on the feed: a listener skips its own changes (already announced)."""
    found = _ORIGINS.get(engine)
    if found is None:
        found = _ORIGINS[engine] = uuid.uuid4().hex[:12]
    return found


def is_live(engine) -> bool:
    return engine.dialect.name == "postgresql"


def _referral_id(obj) -> str | None:
    table = obj.__table__.name
    if table == "referral":
        return obj.id
    return getattr(obj, "referral_id", None)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context) -> None:
    bind = session.get_bind()
    if not is_live(bind):
        return
    found = session.info.setdefault("feed", (set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        if table is None:
            continue
        found[0].add(DRAFT if table.name == "referral" and obj.status == "draft" else _KINDS.get(table.name, CASE))
        rid = _referral_id(obj)
        if rid:
            found[1].add(rid)


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    found = session.info.pop("feed", None)
    if not found or not found[0]:
        return
    kinds, ids = found
    payload = {"o": origin(session.get_bind()), "k": sorted(kinds),
               "r": sorted(ids) if len(ids) <= MAX_IDS else None}
    session.execute(text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": json.dumps(payload, separators=(",", ":"))})


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("feed", None)


def parse(payload: str, own: str | None = None) -> Change | None:
    """A notification's change; None for our own or an unreadable one."""
    try:
        data = json.loads(payload)
        kinds = frozenset(str(k) for k in data["k"])
        ids = data.get("r")
    except (ValueError, KeyError, TypeError):
        return None
    if own is not None and data.get("o") == own:
        return None
    return Change(kinds, tuple(str(i) for i in ids) if isinstance(ids, list) else None)


class Listener(threading.Thread):
    """LISTENs on its own connection (from the workspace's engine, so it uses the same profile and TLS)
    and calls `on_change(Change)` from this thread. After losing the server it reconnects and reports
    "anything may have changed" once, so views catch up."""

    def __init__(self, engine, on_change: Callable[[Change], None], *, include_own: bool = False):
        super().__init__(name="triage-desk-changefeed", daemon=True)
        self.engine, self.on_change = engine, on_change
        self.own = None if include_own else origin(engine)
        self._halt = threading.Event()
        self.listening = threading.Event()  # set once LISTEN is in force (tests wait on it)

    def stop(self, timeout: float = 5.0) -> None:
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def _connect(self):
        raw = self.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for as long as we listen; never back into the pool
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def run(self) -> None:
        lost = False
        while not self._halt.is_set():
            try:
                conn = self._connect()
            except Exception:  # noqa: BLE001 - server away: try again shortly; the status bar says so
                lost = True
                self._halt.wait(2.0)
                continue
            self.listening.set()
            if lost:
                self.on_change(Change(frozenset((CASE, DECISION, CHECK, DRAFT, LEASE)), None))
            try:
                self._drain(conn)
            except Exception:  # noqa: BLE001 - the connection dropped
                lost = True
                log.info("change feed: connection lost; reconnecting")
            finally:
                conn.close()

    def _drain(self, conn) -> None:
        while not self._halt.is_set():
            for note in conn.notifies(timeout=0.5):
                change = parse(note.payload, self.own)
                if change is not None:
                    self.on_change(change)
