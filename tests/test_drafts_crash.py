"""Drafts are never lost: a process autosaving a draft is killed (SIGKILL) at random moments, over
and over; the database stays sound and holds at least the last draft the process reported saved.
Also: the database files never hold the draft's text in clear."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys

import pytest
from conftest import PASSPHRASE
from drafts_crash_child import ForkedChild, build
from intake_helpers import subject
from sqlalchemy import select

from triage_desk import intake
from triage_desk.models import User
from triage_desk.workspace import open_workspace

pytestmark = pytest.mark.sqlite_only("SIGKILL mid-write: the SQLCipher file's write-ahead log keeps the draft")

KILLS = 50


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_drafts_survive_repeated_sigkill(workspace, data_dir):
    doc = intake.new_draft(workspace)
    doc["subjects"] = [subject()]
    intake.save_draft(workspace, build(doc, 0), "start")
    workspace.close()  # the child takes the instance lock
    rng = random.Random(11)
    last = 0
    mid_save = 0
    for _ in range(KILLS):
        child = ForkedChild(str(data_dir), doc["id"], PASSPHRASE)  # the script's main(), without 50 start-ups
        first = child.stdout.readline()
        if not first.startswith("start"):
            child.kill()
            raise AssertionError(f"child failed to start: {first!r} {child.stderr.read()[-2000:]}")
        # What the child finds on start is the last draft it reported, or the one after (committed,
        # killed before it could say so): never anything older.
        start = int(first.split()[1])
        assert start in (last, last + 1)
        try:
            child.wait(timeout=rng.uniform(0.01, 0.25))
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        reported = [int(line.split()[1]) for line in out.splitlines() if line.startswith("committed")]
        last = reported[-1] if reported else start
        mid_save += bool(reported)

    assert mid_save >= KILLS // 2  # most kills landed while the child was saving
    ws = open_workspace(data_dir, passphrase=PASSPHRASE)
    try:
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with ws.session() as s:
            ws.user = s.execute(select(User).where(User.username == "officer")).scalar_one()
        saved, step = intake.resume_draft(ws, doc["id"])
        n = saved["concerns"]["revision"]
        assert n in (last, last + 1)
        assert saved == build(dict(doc), n) and step == f"step-{n % 5}"
    finally:
        ws.close()


def test_database_files_hold_no_clear_text(workspace, data_dir):
    marker = "Zzyxquorvantestname"
    doc = intake.new_draft(workspace)
    doc["subjects"] = [subject(surname=marker, forenames="Qwertyforename")]
    doc["concerns"] = {"narrative": "Qwertyforename was seen near the synthetic test site."}
    intake.save_draft(workspace, doc, "subjects")

    def leaks() -> list[str]:
        found = []
        for name in ("triage.db", "triage.db-wal", "triage.db-shm"):
            path = data_dir / name
            if path.exists():
                data = path.read_bytes()
                if marker.encode() in data or b"Qwertyforename" in data or marker.upper().encode() in data:
                    found.append(name)
        return found

    assert (data_dir / "triage.db-wal").exists()  # the draft sits in the write-ahead log right now
    assert leaks() == []
    workspace.close()
    assert leaks() == []
