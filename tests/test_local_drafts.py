"""Server down while typing (issue 15 point 6): the draft is kept encrypted on this PC, never in a local
database, and offered again (saved to the server) once it is back."""

from __future__ import annotations

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import intake, local_drafts
from triage_desk.errors import StoreError


def test_a_kept_draft_is_sealed_bound_to_its_user_and_comes_back(workspace):
    act_as(workspace, "officer")
    doc = complete(intake.new_draft(workspace), subject(surname="Offlinewell"), received_at="2026-11-20T10:00")
    doc["concerns"]["narrative"] = "Typed while the server was away."
    path = local_drafts.keep(workspace, doc, "concerns", 1)
    raw = path.read_bytes()
    assert b"Offlinewell" not in raw and b"server was away" not in raw  # nothing in clear on disk
    assert (path.stat().st_mode & 0o777) == 0o600
    [back] = local_drafts.pending(workspace)
    assert back.doc == doc and back.step == "concerns" and back.version == 1
    act_as(workspace, "lead")
    assert local_drafts.pending(workspace) == []  # another user's copy is not offered to them
    act_as(workspace, "officer")
    local_drafts.forget(workspace, doc["id"])
    assert local_drafts.pending(workspace) == []


def test_without_a_credential_store_the_draft_is_not_kept_in_clear(workspace, no_keyring):
    act_as(workspace, "officer")
    doc = intake.new_draft(workspace)
    with pytest.raises(StoreError, match="keyring"):
        local_drafts.keep(workspace, doc, None, 1)
    assert not (workspace.data_dir / local_drafts.FOLDER).exists() or not any(
        (workspace.data_dir / local_drafts.FOLDER).iterdir())


def test_server_trouble_is_told_apart_from_bad_input():
    from sqlalchemy.exc import OperationalError

    from triage_desk.errors import InputError

    assert local_drafts.is_server_trouble(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert local_drafts.is_server_trouble(StoreError("the team server cannot be reached"))
    assert not local_drafts.is_server_trouble(InputError("status: only a draft can be autosaved"))
