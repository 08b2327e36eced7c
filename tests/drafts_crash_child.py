"""Child process for tests/test_drafts_crash.py: autosaves one draft in a tight loop, printing
"committed N" after each commit, until the test kills it with SIGKILL.

Run as a script, or forked by `ForkedChild` from a fork server that has already imported the app: the
test starts 50 children, and a fresh interpreter importing SQLAlchemy and the app each time cost most
of its half minute. Each child still opens the store itself, as a starting app does."""

from __future__ import annotations

import io
import os
import subprocess
import sys


def build(doc: dict, n: int) -> dict:
    """Revision n of the draft: every part the wizard touches changes with n."""
    doc["concerns"] = {"narrative": f"Synthetic narrative, revision {n}. " + "x" * (n % 400), "revision": n}
    doc["household"] = [{"name": f"Member {k} Testperson", "relationship": "aunt"} for k in range(n % 7)]
    return doc


def main() -> None:
    import keyring
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())
    from sqlalchemy import select

    from triage_desk import intake
    from triage_desk.models import User
    from triage_desk.workspace import open_workspace

    data_dir, draft_id, passphrase = sys.argv[1:4]
    ws = open_workspace(data_dir, passphrase=passphrase)
    with ws.session() as s:
        ws.user = s.execute(select(User).where(User.username == "officer")).scalar_one()
    doc, _ = intake.resume_draft(ws, draft_id)
    n = doc["concerns"]["revision"]
    print(f"start {n}", flush=True)
    while True:
        n += 1
        intake.save_draft(ws, build(doc, n), f"step-{n % 5}")
        print(f"committed {n}", flush=True)


def _forked(argv: list[str], out, err) -> None:
    """The forked child: its stdout and stderr are the test's pipes."""
    for conn, fd in ((out, 1), (err, 2)):
        os.dup2(conn.fileno(), fd)
        conn.close()
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the child
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.argv = [__file__, *argv]
    main()


class ForkedChild:
    """What the test uses of subprocess.Popen (pid, stdout, stderr, wait, communicate, kill, returncode)
    for this script's main() in a process forked from multiprocessing's fork server."""

    def __init__(self, *argv: str):
        import multiprocessing

        ctx = multiprocessing.get_context("forkserver")
        # Read when the server starts (once per test process): the modules every child imports.
        ctx.set_forkserver_preload(["drafts_crash_child", "keyring", "sqlalchemy", "sqlcipher3.dbapi2",
                                    "alembic.command", "alembic.config", "alembic.runtime.migration",
                                    "triage_desk.intake", "triage_desk.models", "triage_desk.partners",
                                    "triage_desk.wal_check", "triage_desk.workspace"])
        pipes = [ctx.Pipe(duplex=False) for _ in range(2)]
        self._process = ctx.Process(target=_forked, args=(list(argv), pipes[0][1], pipes[1][1]), daemon=True)
        self._process.start()
        self.pid = self._process.pid
        self.stdout, self.stderr = (self._reader(read, write) for read, write in pipes)
        self.returncode: int | None = None

    @staticmethod
    def _reader(read, write) -> io.TextIOWrapper:
        write.close()  # the child holds the only writing end: its death is the reader's end of file
        stream = os.fdopen(os.dup(read.fileno()), "r")
        read.close()
        return stream

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self._process.name, timeout)
        self.returncode = self._process.exitcode
        return self.returncode

    def kill(self) -> None:
        self._process.kill()

    def communicate(self) -> tuple[str, str]:
        out, err = self.stdout.read(), self.stderr.read()
        self.stdout.close()
        self.stderr.close()
        self.wait()
        return out, err


if __name__ == "__main__":
    main()
