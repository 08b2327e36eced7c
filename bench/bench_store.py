"""Store figures (issue 9 §6, §8).

sign_in_unknown  one sign-in attempt with a user name that does not exist (production Argon2id cost);
                 floor: the same failed attempt with a real user name, in the same run. Goal: the ratio
                 stays near 1, so timing cannot tell which names exist.
backup_10k       `backup.create_backup()` of an encrypted workspace holding 10,000 referrals (cached in
                 /tmp/triage-bench-10k-store; delete the folder to rebuild);
                 floor: copying the same database file with shutil in the same run.
demo_build       `demo.bulk_generate` + the demo decisions (what `triage-desk demo` does after set-up) into a
                 new encrypted workspace, TRIAGE_BENCH_DEMO_N referrals (default 100,000), built in a
                 temporary folder deleted afterwards; prints the writer's CPU by phase and the generator
                 processes' CPU. Floor: the same number of referral, person and link rows (real generated rows,
                 repeated) inserted as plain tuples into tables with the same columns, no index or trigger, in a
                 database encrypted the same way (SQLCipher, raw key, 4 KiB pages), in the same run.
demo_1m          demo_build at 1,000,000 referrals (minutes): the issue 16 goal is <= 6 min.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure, best_of, cached_workspace


def _failed_sign_in(ws, name: str) -> None:
    from triage_desk import accounts
    from triage_desk.errors import AuthError

    try:
        with ws.session() as s:
            accounts.authenticate(s, name, "not the password at all")
    except AuthError:
        pass


def sign_in_unknown() -> Figure:
    import keyring
    from keyring.backends import null
    from sqlalchemy import update

    from triage_desk.models import User
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())
    folder = Path(tempfile.mkdtemp(prefix="triage-bench-signin-"))
    try:
        ws, _ = init_workspace(folder / "data", admin_username="admin", admin_display_name="Bench Admin",
                               admin_password=BENCH_PASSWORD, passphrase=BENCH_PASSPHRASE)

        def known() -> None:
            _failed_sign_in(ws, "admin")
            with ws.session() as s:  # never let the throttle kick in during the measurement
                s.execute(update(User).values(failed_logins=0, locked_until=None))

        floor = best_of(known, 7)
        value = best_of(lambda: _failed_sign_in(ws, "nobody-by-this-name"), 7)
        ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Figure("sign_in_unknown", value * 1000, "ms", floor * 1000, "0.8 <= ratio <= 1.25")


def backup_10k() -> Figure:
    from triage_desk import backup

    ws = cached_workspace(Path(tempfile.gettempdir()) / "triage-bench-10k-store", 10_000, seed=11)
    target = Path(tempfile.mkdtemp(prefix="triage-bench-copy-"))
    try:
        floor = best_of(lambda: shutil.copyfile(ws.db_path, target / "copy.db"), 3)
        value = best_of(lambda: backup.create_backup(ws, keep=1), 3)
    finally:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(backup.backups_dir(ws.data_dir), ignore_errors=True)
        ws.close()
    return Figure("backup_10k", value * 1000, "ms", floor * 1000, "ratio <= 10")


def _plain_insert(folder: Path, n: int, batch: int = 20000) -> float:
    """Seconds to insert n referrals' rows as plain tuples into index-free tables of the same columns."""
    from datetime import timedelta

    import sqlcipher3.dbapi2 as sqlcipher

    from triage_desk import demo, demo_load
    from triage_desk.forms import threshold
    from triage_desk.forms.clock import london_now

    end = london_now()
    sample = demo.Slice(end - timedelta(days=365 * demo.YEARS), end, 2000, 0, 2000, "floor")
    (_, *rows), = demo._generate(sample, {}, 2000, {"people": 0, "links": 0}, threshold.default_context())
    inserts = (demo_load._INSERT_PERSON, demo_load._INSERT_REFERRAL, demo_load._INSERT_LINK, demo_load._INSERT_DEADLINE)
    conn = sqlcipher.connect(str(folder / "floor.db"))
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    for sql in inserts:  # the same columns, untyped: no constraint, index or trigger
        table, columns = sql.split(" (", 1)[0].removeprefix("INSERT INTO "), sql.split("(", 1)[1].split(")")[0]
        conn.execute(f"CREATE TABLE {table} ({columns})")
    t0 = time.perf_counter()
    for first in range(0, n, batch):
        repeat = -(-min(batch, n - first) // 2000)
        for sql, sample_rows in zip(inserts, rows, strict=False):
            conn.executemany(sql, (sample_rows * repeat)[:round(len(sample_rows) * min(batch, n - first) / 2000)])
        conn.commit()
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds


def _demo_build(name: str, n: int) -> Figure:
    import keyring
    from keyring.backends import null

    from triage_desk import demo, demo_accounts
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())
    folder = Path(tempfile.mkdtemp(prefix="triage-demo-build-"))
    try:
        ws, _ = init_workspace(folder / "data", admin_username="bench", admin_display_name="Bench",
                               admin_password=BENCH_PASSWORD, passphrase=BENCH_PASSPHRASE)
        demo_accounts.ensure_demo_accounts(ws)
        t0, c0 = time.perf_counter(), time.process_time()
        stats = demo.bulk_generate(ws, n, seed=1)
        demo_accounts.add_demo_decisions(ws, seed=1)
        value, cpu = time.perf_counter() - t0, time.process_time() - c0
        ws.close()
        size = sum(f.stat().st_size for f in (folder / "data").rglob("*") if f.is_file())
        shutil.rmtree(folder / "data")
        phases = ", ".join(f"{k} {c:.1f}" for k, (_, c) in stats["phases"].items())
        print(f"note: {name}: {n:,} referrals in {value:.1f} s wall; writer CPU {cpu:.1f} s ({phases}); "
              f"generator processes CPU {stats['generator_cpu']:.1f} s; {size / 1e9:.2f} GB; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        floor = _plain_insert(folder, n)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Figure(name, value, "s", floor, f"value <= 360 s at 1,000,000 (here {n:,})")


def demo_build() -> Figure:
    return _demo_build("demo_build", int(os.environ.get("TRIAGE_BENCH_DEMO_N", "100000")))


def demo_1m() -> Figure:
    return _demo_build("demo_1m", 1_000_000)


FIGURES = {"sign_in_unknown": sign_in_unknown, "backup_10k": backup_10k, "demo_build": demo_build, "demo_1m": demo_1m}
