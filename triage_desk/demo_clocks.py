"""The demo's deadline rows (demo.bulk_generate): the decision and RAG clocks deadlines.py would have left
on each synthetic referral, so the measures dashboard has timeliness to show.

An undecided (submitted) referral's two clocks still run. A decided or closed one was decided at a
synthetic moment after it was received, and the decision closed both clocks at that moment, as a recorded
decision does (the mapper event in models/casework.py): met when closed at or before its due time, missed
after it. Most decisions come within the timescale; about LATE_SHARE of them after it, so the demo front
door sits near its 95 % target, not on it, and its weeks differ.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from triage_desk.demo_accounts import DEMO_OFFICER
from triage_desk.forms.clock import WorkingCalendar
from triage_desk.matching import sql_datetime
from triage_desk.models.casework import DECIDED_LATE

LATE_SHARE = 0.14  # decisions made after their timescale: about one in ten misses its decision clock
CLOSED_BY = DEMO_OFFICER[0]  # the demo's decisions are the demo officer's (demo_accounts)


def decided_at(rng: random.Random, cal: WorkingCalendar, received: datetime, rag: str | None) -> datetime:
    """When a synthetic decision was made (local, naive). Red cases are decided within hours, day or night
    (their 4-hour clock is elapsed time); the others within working hours, mostly inside 1 working day."""
    late = rng.random() < LATE_SHARE
    if rag == "red":
        return received + timedelta(minutes=rng.randrange(245, 600) if late else rng.randrange(15, 236))
    day = cal.day_seconds // 60  # minutes of working time in a working day
    # a late decision is mostly hours late; one in four waits several working days (a green case's 3 days too)
    minutes = rng.randrange(15, day) if not late else day + (
        rng.randrange(15, day) if rng.random() < 0.75 else rng.randrange(day, 4 * day))
    return cal.add_working_time_local(received, minutes * 60)


def clocks(rng: random.Random, cal: WorkingCalendar, rid: str, received: datetime, end: datetime, status: str,
           dues: dict[str, datetime], rag: str | None) -> list[tuple]:
    """Deadline rows (referral, kind, started, due, state, closed at, closed by, reason) of one referral;
    `dues`: kind -> due time (local, naive) for the decision and RAG clocks. Nothing is closed after `end`
    (the demo's last moment)."""
    if status == "draft":
        return []
    start = sql_datetime(received)
    if status == "submitted":
        return [(rid, kind, start, sql_datetime(due), "open", None, None, None) for kind, due in dues.items()]
    local = received.replace(tzinfo=None)  # London wall time, as every stored deadline time is
    at = min(decided_at(rng, cal, local, rag), end.replace(tzinfo=None))
    closed = sql_datetime(at)
    return [(rid, kind, start, sql_datetime(due), *(("met", closed, CLOSED_BY, None) if at <= due
                                                    else ("missed", closed, CLOSED_BY, DECIDED_LATE)))
            for kind, due in dues.items()]


def earliest_open(rows: list[tuple]) -> tuple[str | None, str | None]:
    """(next_due, its kind) as models/casework.py keeps them: the soonest open clock, the first written on
    a tie; (None, None) when none is open."""
    open_rows = [r for r in rows if r[4] == "open"]
    if not open_rows:
        return None, None
    row = min(open_rows, key=lambda r: r[3])  # min() keeps the first of equal values
    return row[3], row[1]
