"""Helpers for the store-safety tests: synthetic referrals, byte flips, and the CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from intake_helpers import complete, subject

from triage_desk import intake

FRAME = 24 + 4096  # a write-ahead-log frame: header + one page


def submit_referrals(ws, n: int) -> list[str]:
    """n submitted referrals, each in its own transaction; returns their references."""
    refs = []
    for i in range(n):
        doc = complete(intake.new_draft(ws), subject(surname=f"Walsafe{i:03d}"), received_at="2026-03-10T09:00")
        refs.append(intake.submit(ws, doc)["reference"])
    return refs


def snapshot_open_store(ws, target: Path) -> Path:
    """Copy the database, its write-ahead log and key file while the workspace is still open: what a
    power cut or crash leaves behind (the log not yet folded back into the database)."""
    target.mkdir(parents=True)
    for name in ("triage.db", "triage.db-wal", "keys.json"):
        shutil.copyfile(ws.data_dir / name, target / name)
    return target


def current_frames(wal: Path) -> list[int]:
    """Indexes of the frames written since the log last restarted (they carry the header's salts)."""
    data = wal.read_bytes()
    salts = data[16:24]
    count = (len(data) - 32) // FRAME
    return [n for n in range(count) if data[32 + n * FRAME + 8:32 + n * FRAME + 16] == salts]


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def run_cli(*argv: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """`triage-desk ARGV` in a fresh interpreter with no keyring (secrets come from files)."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.run([sys.executable, "-m", "triage_desk", *argv], capture_output=True, text=True,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)
