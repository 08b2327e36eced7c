"""Run slow work (opening the database, key stretching, imports) off the GUI thread.

Worker threads are kept and reused: starting a thread makes the caller wait until the new thread runs,
which on a busy machine held the GUI thread for milliseconds per call (seven calls at sign-in). A job
runs on an idle worker when there is one, else on a new one, so jobs still run side by side; `serial`
jobs (ui/operations) run one at a time on their own worker, in the order they were handed over.
The result comes back through a Qt signal of one QObject living in the GUI thread, so the callbacks
always run on the GUI thread (queued connection). The callbacks stay on the GUI thread's side: a
worker never holds the last reference to a widget's method.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from shiboken6 import isValid

WORKER_NAME = "triage-desk-worker"


class _Dispatcher(QObject):
    finished = Signal(int, object, object)  # (job, result, exception)

    def __init__(self):
        super().__init__()
        self.callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self.finished.connect(self._deliver)

    @Slot(int, object, object)
    def _deliver(self, job: int, result, exc) -> None:
        on_done, on_error = self.callbacks.pop(job)
        if exc is None:
            if on_done is not None:
                on_done(result)
        elif on_error is not None:
            on_error(exc)
        else:
            raise exc


class _Pool:
    def __init__(self):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()  # side-by-side jobs: any idle worker takes one
        self.serial: queue.SimpleQueue = queue.SimpleQueue()  # one at a time, first in first out
        self.state = threading.Condition()
        self.idle = 0  # workers waiting on `jobs` and not yet promised a job
        self.running = 0  # jobs handed over and not yet finished
        self.serial_worker = False

    def submit(self, job: int, fn: Callable[[], object], serial: bool) -> None:
        with self.state:
            self.running += 1
            if serial:
                start, self.serial_worker = not self.serial_worker, True
            else:
                start = self.idle == 0
                self.idle -= 0 if start else 1
        (self.serial if serial else self.jobs).put((job, fn))
        if start:
            threading.Thread(target=self.serve, args=(self.serial if serial else self.jobs, serial),
                             name=WORKER_NAME, daemon=True).start()

    def serve(self, jobs: queue.SimpleQueue, serial: bool) -> None:
        while True:
            self.run_one(*jobs.get())
            with self.state:
                self.running -= 1
                self.idle += 0 if serial else 1
                self.state.notify_all()

    @staticmethod
    def run_one(job: int, fn: Callable[[], object]) -> None:
        try:
            result, exc = fn(), None
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread, never swallowed
            result, exc = None, error
        try:
            _dispatcher().finished.emit(job, result, exc)
        except RuntimeError:  # the application has already quit: nobody is left to tell
            pass

    def wait_idle(self, timeout: float) -> None:
        with self.state:
            self.state.wait_for(lambda: self.running == 0, timeout)


_pool = _Pool()
_ids = itertools.count()
_the_dispatcher: _Dispatcher | None = None


def _dispatcher() -> _Dispatcher:
    return _the_dispatcher


def run_in_background(fn: Callable[[], object], on_done: Callable[[object], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None, *, serial: bool = False) -> None:
    """Call `fn()` on a worker thread; then `on_done(result)` or `on_error(exc)` on the GUI thread.
    `serial`: after every serial job handed over before it, and never beside one."""
    global _the_dispatcher
    if _the_dispatcher is None or not isValid(_the_dispatcher):
        _the_dispatcher = _Dispatcher()  # made on the GUI thread, where this is called
    job = next(_ids)
    _the_dispatcher.callbacks[job] = (on_done, on_error)
    _pool.submit(job, fn, serial)


def wait_for_workers(timeout: float = 30.0) -> None:
    """Let every job handed over finish, then deliver (tests call this between tests; closing the app may too)."""
    from PySide6.QtCore import QCoreApplication

    _pool.wait_idle(timeout)
    QCoreApplication.processEvents()


def prewarm() -> None:
    """Load the database stack while the user reads or types (workspace.preload)."""
    from triage_desk.workspace import preload

    preload()
