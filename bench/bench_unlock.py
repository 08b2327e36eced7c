"""Figure `unlock_to_rows`: through the real app, offscreen, on the cached bench database with no keyring:
the unlock dialog's passphrase submitted (key derivation and database open), then the sign-in dialog's
password submitted (Argon2id sign-in), until the main window's case list has painted its first rows.
The app runs in a fresh process (as a real start does: nothing of the database stack imported yet).
Value: the machine's time for both steps; before each, TYPING_S of event loop stands for the person
typing (the app prepares in the background meanwhile, as it would) and is not counted;
floor: opening the same workspace with the passphrase in a plain script plus reading the first page.
`unlock_stall`: the longest gap of a 10 ms QTimer heartbeat on the GUI thread from the first window
to the painted rows (goal <= 100 ms); its floor is the heartbeat interval itself.
`unlock_stall_cpu`: the most CPU the GUI thread itself spent inside one heartbeat gap (on a loaded
machine a gap also holds other processes' time; this part is the app's own work on the GUI thread).
TRIAGE_BENCH_STACKS=1 prints, for the longest gaps, where the GUI thread was (sampled every 2 ms)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure

HEARTBEAT_MS = 10
TYPING_S = 2.0
SAMPLE_S = 0.002
DEPTH = int(os.environ.get("TRIAGE_BENCH_STACKS") or 0) or 4  # frames shown per sample
ROOT = Path(__file__).resolve().parent.parent


class _Sampler:
    """The GUI thread's innermost frames every SAMPLE_S, from a helper thread."""

    def __init__(self):
        import threading

        self.samples: list[tuple[float, list[str]]] = []
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import threading

        me = threading.get_ident()
        while not self._stop.wait(SAMPLE_S):
            frames = sys._current_frames()
            stack = _frames(frames.get(self._main), DEPTH)
            # the other threads' innermost frames: who held the interpreter while the GUI thread waited
            others = [" < ".join(_frames(f, 2)) for ident, f in frames.items() if ident not in (me, self._main)]
            self.samples.append((time.perf_counter(), stack + [f"[other] {o}" for o in others]))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def during(self, start: float, gap: float) -> str:
        import collections

        inside = [stack for at, stack in self.samples if start < at < start + gap]
        if not inside:
            return "    (no sample)"
        tops = collections.Counter(" < ".join(stack[:DEPTH]) for stack in inside).most_common(6)
        return "\n".join(f"    {seen}/{len(inside)}  {where}" for where, seen in tops)


def _frames(frame, depth: int) -> list[str]:
    stack = []
    while frame is not None and len(stack) < depth:  # innermost first; no source lines read (no I/O)
        stack.append(f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return stack


class _Heartbeat:
    def __init__(self):
        from PySide6.QtCore import QTimer

        self.last, self.gaps = time.perf_counter(), []
        self.cpu = time.thread_time()  # the GUI thread's own CPU, apart from other processes' share
        self.process_cpu = time.process_time()  # every thread of the app (a worker holding the GIL)
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def beat(self) -> None:
        now, cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
        self.gaps.append((now - self.last, self.last, cpu - self.cpu, process_cpu - self.process_cpu))
        self.last, self.cpu, self.process_cpu = now, cpu, process_cpu


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


def _report(beat: _Heartbeat, sampler: _Sampler | None, marks: dict[str, float]) -> None:
    for gap, start, cpu, process_cpu in sorted(beat.gaps, reverse=True)[:4]:
        where = ", ".join(f"{start - at:+.3f} s after {what}" for what, at in marks.items() if start >= at)
        print(f"  stall {gap * 1000:.0f} ms (CPU: GUI thread {cpu * 1000:.0f} ms, all threads "
              f"{process_cpu * 1000:.0f} ms) starting {where}", file=sys.stderr)
        if sampler is not None:
            print(sampler.during(start, gap), file=sys.stderr)
    worst_cpu = max(beat.gaps, key=lambda g: g[2])
    print(f"  most GUI-thread CPU in one gap: {worst_cpu[2] * 1000:.0f} ms (gap {worst_cpu[0] * 1000:.0f} ms, "
          f"{worst_cpu[1] - marks['first window']:+.3f} s after the first window)", file=sys.stderr)


def _child(data_dir: str) -> None:
    """The app from a cold process: first window, unlock, sign-in, first rows; figures as JSON on stdout."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    import keyring
    from keyring.backends import fail
    from PySide6.QtWidgets import QApplication

    from triage_desk.ui.app import AppController

    keyring.set_keyring(fail.Keyring())  # no keyring: the unlock dialog comes first
    app = QApplication.instance() or QApplication([])
    sampler = _Sampler() if os.environ.get("TRIAGE_BENCH_STACKS") else None
    controller = AppController(Path(data_dir), exit_app=lambda code: None)
    controller.start()  # the sign-in window is shown: from here the GUI thread must answer promptly
    shown = time.perf_counter()
    beat = _Heartbeat()
    _wait(app, lambda: controller.unlock is not None and controller.unlock.isVisible())
    _type(app)
    controller.unlock.passphrase.setText(BENCH_PASSPHRASE)
    t0, c0 = time.perf_counter(), time.process_time()
    controller.unlock.submit()
    _wait(app, lambda: controller.login.ws is not None)
    unlocked, unlocked_cpu = time.perf_counter() - t0, time.process_time() - c0
    _type(app)
    controller.login.username.setText("bench")
    controller.login.password.setText(BENCH_PASSWORD)
    t1, c1 = time.perf_counter(), time.process_time()
    controller.login.submit()
    _wait(app, lambda: controller.main is not None and _first_rows(controller.main))
    app.processEvents()  # the paint of those rows
    value, cpu = unlocked + time.perf_counter() - t1, unlocked_cpu + time.process_time() - c1
    _report(beat, sampler, {"first window": shown, "unlock pressed": t0, "sign-in pressed": t1})
    if sampler is not None:
        sampler.stop()
    beat.timer.stop()
    controller.shutdown()
    print(f"  process: {time.perf_counter() - t_start:.2f} s wall, {time.process_time() - cpu_start:.2f} s CPU; "
          f"unlock to rows used {cpu:.2f} s of CPU (all threads)", file=sys.stderr)
    print(json.dumps({"value": value, "cpu": cpu, "stall": max(g[0] for g in beat.gaps),
                      "stall_cpu": max(g[2] for g in beat.gaps)}), flush=True)


def unlock_to_rows() -> list[Figure]:
    from bench_caselist import BENCH_DIR, workspace

    from triage_desk.caselist import fetch_page
    from triage_desk.workspace import open_workspace

    workspace().close()  # built and cached; the app opens it itself, in its own process
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, __file__, str(BENCH_DIR)], env=env, stdout=subprocess.PIPE, text=True,
                         check=True, timeout=600)
    child = json.loads(out.stdout.strip().splitlines()[-1])

    t0 = time.perf_counter()
    ws = open_workspace(BENCH_DIR, passphrase=BENCH_PASSPHRASE)
    with ws.session() as s:
        fetch_page(s)
    floor = time.perf_counter() - t0
    ws.close()
    return [Figure("unlock_to_rows", child["value"], "s", floor, f"value <= 1.0 s (CPU {child['cpu']:.2f} s)"),
            Figure("unlock_stall", child["stall"] * 1000, "ms", HEARTBEAT_MS, "value <= 100 ms"),
            Figure("unlock_stall_cpu", child["stall_cpu"] * 1000, "ms", HEARTBEAT_MS, "value <= 100 ms")]


def _first_rows(main) -> bool:
    from triage_desk.ui.case_list_model import CaseListModel

    models = main.findChildren(CaseListModel)
    return bool(models) and models[0].rowCount() > 0


FIGURES = {"unlock_to_rows": unlock_to_rows}

if __name__ == "__main__":
    _child(sys.argv[1])
