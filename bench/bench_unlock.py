"""Figure `unlock_to_rows`: through the real app, offscreen, on the cached bench database with no keyring:
the unlock dialog's passphrase submitted (key derivation and database open), then the sign-in dialog's
password submitted (Argon2id sign-in), until the main window's case list has painted its first rows.
Value: the machine's time for both steps; before each, TYPING_S of event loop stands for the person
typing (the app prepares in the background meanwhile, as it would) and is not counted;
floor: opening the same workspace with the passphrase in a plain script plus reading the first page.
`unlock_stall`: the longest gap of a 10 ms QTimer heartbeat on the GUI thread over the same steps
(goal <= 100 ms); its floor is the heartbeat interval itself."""

from __future__ import annotations

import os
import sys
import time

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure

HEARTBEAT_MS = 10
TYPING_S = 2.0


class _Heartbeat:
    def __init__(self):
        from PySide6.QtCore import QTimer

        self.last, self.worst, self.gaps = time.perf_counter(), 0.0, []
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last, self.last))
        self.worst, self.last = max(self.worst, now - self.last), now


def _wait(app, until, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not until():
        if time.perf_counter() > end:
            raise RuntimeError("the app never got there")
        app.processEvents()
        time.sleep(0.001)


def _type(app) -> None:
    end = time.perf_counter() + TYPING_S
    _wait(app, lambda: time.perf_counter() > end)


def unlock_to_rows() -> list[Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import keyring
    from bench_caselist import BENCH_DIR, workspace
    from keyring.backends import fail
    from PySide6.QtWidgets import QApplication

    from triage_desk.caselist import fetch_page
    from triage_desk.ui.app import AppController
    from triage_desk.workspace import open_workspace

    workspace().close()  # built and cached; the app opens it itself
    keyring.set_keyring(fail.Keyring())  # no keyring: the unlock dialog comes first
    app = QApplication.instance() or QApplication([])
    controller = AppController(BENCH_DIR, exit_app=lambda code: None)
    controller.start()
    _wait(app, lambda: controller.unlock is not None and controller.unlock.isVisible())
    beat = _Heartbeat()
    _type(app)
    controller.unlock.passphrase.setText(BENCH_PASSPHRASE)
    t0 = time.perf_counter()
    controller.unlock.submit()
    _wait(app, lambda: controller.login.ws is not None)
    unlocked = time.perf_counter() - t0
    _type(app)
    controller.login.username.setText("bench")
    controller.login.password.setText(BENCH_PASSWORD)
    t1 = time.perf_counter()
    controller.login.submit()
    _wait(app, lambda: controller.main is not None and _first_rows(controller.main))
    app.processEvents()  # the paint of those rows
    value = unlocked + time.perf_counter() - t1
    stall = beat.worst
    marks = {"unlock pressed": t0, "sign-in pressed": t1}
    for gap, start in sorted(beat.gaps, reverse=True)[:3]:
        where = ", ".join(f"{start - at:+.3f} s after {what}" for what, at in marks.items() if start >= at)
        print(f"  stall {gap * 1000:.0f} ms starting {where or 'before unlock'}", file=sys.stderr)
    beat.timer.stop()
    controller.shutdown()

    t0 = time.perf_counter()
    ws = open_workspace(BENCH_DIR, passphrase=BENCH_PASSPHRASE)
    with ws.session() as s:
        fetch_page(s)
    floor = time.perf_counter() - t0
    ws.close()
    return [Figure("unlock_to_rows", value, "s", floor, "value <= 1.0 s"),
            Figure("unlock_stall", stall * 1000, "ms", HEARTBEAT_MS, "value <= 100 ms")]


def _first_rows(main) -> bool:
    from triage_desk.ui.case_list_model import CaseListModel

    models = main.findChildren(CaseListModel)
    return bool(models) and models[0].rowCount() > 0


FIGURES = {"unlock_to_rows": unlock_to_rows}
