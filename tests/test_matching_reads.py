"""Person search reads each candidate once (issue 16: 76-101 ms at a million referrals): the look-ups return
what scoring needs, and the referrals of every listed person come in one query, not one per person."""

from __future__ import annotations

import pytest
from intake_helpers import complete, subject
from pg_fixtures import STORES, on_store
from sqlalchemy import event

from triage_desk import intake, matching


@pytest.fixture(params=STORES)
def workspace(request, workspace):
    return on_store(request, workspace)


def _known(workspace, *surnames: str) -> list[dict]:
    """People born the same day at the same postcode, each with one submitted referral."""
    people = [subject(name, "Ellory", "2014-07-07", postcode="ZX3 3CC") for name in surnames]
    for person in people:
        intake.submit(workspace, complete(intake.new_draft(workspace), person, received_at="2026-01-10T09:00"))
    return people


def _search(workspace, typed: dict) -> tuple[list[matching.Candidate], list[tuple]]:
    """The candidates for `typed`, and the (statement, parameters) the search sent to the store."""
    seen: list[tuple] = []

    def capture(conn, cursor, statement, params, *args):
        seen.append((statement, params))

    event.listen(workspace.engine, "before_cursor_execute", capture)
    try:
        with workspace.session() as s:
            found = matching.find_candidates(s, typed)
    finally:
        event.remove(workspace.engine, "before_cursor_execute", capture)
    return found, seen


def test_candidates_and_their_referrals_are_read_once(workspace):
    twins = _known(workspace, "Varnholt", "Varnholm", "Orbeck")
    found, seen = _search(workspace, {"surname": "Varnholt", "dob": "2014-07-07"})
    assert {c.person_id for c in found} >= {twins[0]["id"], twins[1]["id"]}
    assert all(len(c.referrals) == 1 for c in found)
    assert sum("referral_subject" in st for st, _ in seen) == 1, seen
    assert not any("FROM person WHERE id IN" in st for st, _ in seen), seen


def test_phonetic_and_birth_date_look_ups_read_only_an_index(workspace):
    """200 candidates were 200 random pages of the person table at a million referrals."""
    if workspace.engine.dialect.name != "sqlite":
        pytest.skip("the covering person indexes are the SQLCipher store's")
    _, seen = _search(workspace, {"surname": "Varnholt", "forenames": "Ellory", "dob": "2014-07-07"})
    look_ups = [(st, p) for st, p in seen if st.startswith("SELECT id, surname") and "dob = ?" in st
                or "surname_key = ? LIMIT" in st]
    with workspace.session() as s:
        plans = [" | ".join(str(r[-1]) for r in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + st, p))
                 for st, p in look_ups]
    assert len(plans) == 3 and all("USING COVERING INDEX" in plan for plan in plans), plans


def test_the_server_is_asked_twice_per_search(workspace):
    """Each statement is a round trip to the team server: a full subject cost seven (18 ms at a million
    referrals against 3 ms of SQL). All look-ups go as one statement, the listed people's referrals as one."""
    if workspace.engine.dialect.name == "sqlite":
        pytest.skip("SQLCipher runs in-process: its look-ups keep their own covering-index plans")
    twins = _known(workspace, "Varnholt", "Varnholm")
    found, seen = _search(workspace, {"surname": "Varnholt", "forenames": "Ellory", "dob": "2014-07-07",
                                      "nhs_number": "9434765919", "address": {"postcode": "zx33cc"}})
    assert [c.person_id for c in found][:2] == [twins[0]["id"], twins[1]["id"]]
    assert all(len(c.referrals) == 1 for c in found)
    assert len(seen) == 2, seen
