"""Start-up and sign-in keep the GUI thread free (issue 16 point 3): what runs where, checked by structure,
never by time (the figures are in bench/bench_unlock.py and bench/bench_startup.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

IMPORT_PROBE = ("import linecache, triage_desk.ui.operations; import colorsys; "
                "print(any(name.endswith('colorsys.py') for name in linecache.cache))")


def test_a_module_imported_after_the_ui_is_not_read_as_source():
    # found: PySide's `__feature__` import hook reads the whole source of every module imported after Qt
    # (inspect.getsource) - ~20 % of the CPU of loading the database stack, part of it on the GUI thread
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.sqlite_only("opened in a child process: the server's password is in this process's test keyring")
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


def test_key_derivations_on_two_threads_at_once_both_finish():
    # found: with cryptography 50 two Argon2id derivations at once in one process hang (the shipped cost)
    # or fail with MemoryError (a small cost), e.g. an unlock and a sign-in on two workers
    import threading

    from triage_desk.secretbox import KdfParams, stretch

    results: list[bytes] = []

    def derive(i: int) -> None:
        for _ in range(3):
            results.append(stretch(f"secret {i}", b"0" * 16, KdfParams(3, 1024, 4)))

    threads = [threading.Thread(target=derive, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 6 and len(set(results)) == 2


APP_PROBE = ("import sys, triage_desk.cli.gui_cmd as g; "
             "g.run_gui = lambda a: print('triage_desk.cli.review_pack_cmd' in sys.modules, a.data_dir, a.demo) or 0; "
             "from triage_desk.cli import main; main(sys.argv[1:])")


def test_starting_the_app_registers_no_command_modules():
    # found: `triage-desk` with no command built every command's parser (21 modules, ~70 ms) before Qt
    out = subprocess.run([sys.executable, "-c", APP_PROBE, "--data-dir", "/somewhere", "--demo"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "/somewhere", "True"]


def test_a_command_still_gets_the_whole_command_line():
    from triage_desk.cli import _starts_the_app

    assert _starts_the_app([]) and _starts_the_app(["--data-dir=/d", "--self-test"])
    assert not _starts_the_app(["assess", "f.json"]) and not _starts_the_app(["--data-dir", "/d", "audit", "verify"])
    assert not any(_starts_the_app([word]) for word in ("--help", "--version", "--data-dir"))


def test_each_command_is_registered_by_the_module_the_table_names():
    # a command names its module so that only that one is registered (all 21 were ~60 ms of every start)
    import argparse
    import importlib

    from triage_desk.cli import COMMAND_MODULES, COMMANDS, common_parser

    registered = {}
    for name in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).register(sub, common_parser())
        registered.update(dict.fromkeys(sub.choices, name.rsplit(".", 1)[1]))
    assert registered == COMMANDS, "add the new command to triage_desk.cli.COMMANDS"


ASSESS_PROBE = ("import sys; from triage_desk.cli import main; code = main(sys.argv[1:]); "
                "print(code, 'triage_desk.cli.review_pack_cmd' in sys.modules)")


def test_a_command_registers_only_its_own_module(tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text('{"subject": {"kind": "child", "age": 7}, "indicators": ["health.missed_checks"]}')
    out = subprocess.run([sys.executable, "-c", ASSESS_PROBE, "assess", str(facts)], capture_output=True,
                         text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 False" and '"suggested_level": 2' in out


# The first dialog of a workstation with no keyring, reported as the `startup` bench does (its prewarm of
# the database stack left out: it starts on that dialog's first show, once the dialog is up).
UNLOCK_PROBE = ("import sys, PySide6.QtCore as qt, triage_desk.ui.app as a; c = a.AppController; "
                "c._prewarm = lambda self: None; show = c._show_unlock; shown = []; "
                "c._show_unlock = lambda self: (shown.append(1), show(self)); report = a._report_shown; "
                "a._report_shown = lambda: (print('unlock', bool(shown), 'Qt', 'Qt' in vars(qt)), report()); "
                "sys.exit(a.run(sys.argv[1]))")


def test_with_no_keyring_the_unlock_dialog_comes_up_without_keyring_or_the_qt_namespace(no_keyring, tmp_path):
    # found: every start asked `keyring` (~25 ms to import) for a key no keyring was ever given, and the
    # unlock dialog built PySide's Qt namespace (~12 ms) before it was shown
    import os

    from conftest import ADMIN_PASSWORD, PASSPHRASE

    from triage_desk.workspace import init_workspace

    ws, _ = init_workspace(tmp_path / "d", admin_username="admin", admin_display_name="A",
                           admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
    ws.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRIAGE_DESK_EXIT_AFTER_SHOW="ready",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    out = subprocess.run([sys.executable, "-c", UNLOCK_PROBE, str(tmp_path / "d")], env=env, capture_output=True,
                         text=True, timeout=60)
    lines = out.stdout.splitlines()
    assert "unlock True Qt False" in lines, out.stdout + out.stderr
    assert lines[-1].startswith("TRIAGE_DESK_SHOWN") and lines[-1].endswith("loaded=-"), out.stdout
