"""Start-up and sign-in keep the GUI thread free (issue 16 point 3): what runs where, checked by structure,
never by time (the figures are in bench/bench_unlock.py and bench/bench_startup.py)."""

from __future__ import annotations

import subprocess
import sys

IMPORT_PROBE = ("import linecache, triage_desk.ui.operations; import colorsys; "
                "print(any(name.endswith('colorsys.py') for name in linecache.cache))")


def test_a_module_imported_after_the_ui_is_not_read_as_source():
    # found: PySide's `__feature__` import hook reads the whole source of every module imported after Qt
    # (inspect.getsource) - ~20 % of the CPU of loading the database stack, part of it on the GUI thread
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_opening_a_database_at_the_newest_schema_does_not_load_alembic(workspace):
    # found: every open loaded Alembic and all the migration scripts to learn there was nothing to do
    from conftest import PASSPHRASE
    from ui_helpers import close_workspace_keep_dir

    data_dir = close_workspace_keep_dir(workspace)
    probe = ("import sys, keyring; from keyring.backends import null; keyring.set_keyring(null.Keyring()); "
             f"from triage_desk.workspace import open_workspace; ws = open_workspace({str(data_dir)!r}, "
             f"passphrase={PASSPHRASE!r}); ws.close(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_schema_head_read_without_alembic_is_alembics_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from triage_desk.db import MIGRATIONS_DIR, schema_head

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert schema_head() == ScriptDirectory.from_config(cfg).get_current_head()


def _overlapping_stretches(monkeypatch):
    """secretbox.stretch that passes only when two derivations are under way at once."""
    import threading

    from triage_desk import secretbox

    real, barrier = secretbox.stretch, threading.Barrier(2, timeout=10)

    def stretch(*args):
        barrier.wait()  # BrokenBarrierError when the other derivation never starts beside this one
        return real(*args)

    monkeypatch.setattr(secretbox, "stretch", stretch)


def test_sign_in_checks_the_password_and_unseals_the_signing_key_side_by_side(workspace, monkeypatch):
    # found: sign-in ran its two Argon2id derivations one after the other (~0.2 s each at the shipped cost)
    from conftest import ADMIN_PASSWORD

    from triage_desk import session_events

    _overlapping_stretches(monkeypatch)
    user = session_events.sign_in(workspace, "admin", ADMIN_PASSWORD)
    assert user.signing_key is not None


def test_a_wrong_password_still_fails_with_the_unseal_beside_it(workspace, monkeypatch):
    import pytest
    from conftest import ADMIN_PASSWORD

    from triage_desk import session_events
    from triage_desk.errors import AuthError

    before = workspace.user
    _overlapping_stretches(monkeypatch)
    with pytest.raises(AuthError, match="wrong user name or password"):
        session_events.sign_in(workspace, "admin", ADMIN_PASSWORD + "x")
    assert workspace.user is before  # nobody new signed in, no key handed out
