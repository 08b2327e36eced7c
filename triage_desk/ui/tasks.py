"""Run slow work (opening the database, key stretching, imports) off the GUI thread.

A plain Python thread does the work; the result comes back through a Qt signal on a QObject that
lives in the GUI thread, so the callbacks always run on the GUI thread (queued connection).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

WORKER_NAME = "triage-desk-worker"
_alive: set[_Relay] = set()  # keep relays alive until their result has been delivered


class _Relay(QObject):
    finished = Signal(object, object)  # (result, exception)

    def __init__(self, on_done: Callable | None, on_error: Callable | None):
        super().__init__()
        self._on_done, self._on_error = on_done, on_error
        self.thread: threading.Thread | None = None
        self.finished.connect(self._deliver)

    @Slot(object, object)
    def _deliver(self, result, exc) -> None:
        # The worker emitted as its very last act; wait for it to unwind so that its reference to this
        # relay is gone and the relay (a QObject of the GUI thread) is destroyed here, never in the worker.
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        _alive.discard(self)
        if exc is None:
            if self._on_done is not None:
                self._on_done(result)
        elif self._on_error is not None:
            self._on_error(exc)
        else:
            raise exc


def run_in_background(fn: Callable[[], object], on_done: Callable[[object], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None) -> threading.Thread:
    """Call `fn()` in a worker thread; then `on_done(result)` or `on_error(exc)` on the GUI thread."""
    relay = _Relay(on_done, on_error)
    _alive.add(relay)

    def work() -> None:
        try:
            result, exc = fn(), None
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread, never swallowed
            result, exc = None, error
        try:
            relay.finished.emit(result, exc)
        except RuntimeError:  # the application has already quit: nobody is left to tell
            pass

    thread = threading.Thread(target=work, name=WORKER_NAME, daemon=True)
    relay.thread = thread
    thread.start()
    return thread


def wait_for_workers(timeout: float = 30.0) -> None:
    """Let every worker finish and deliver (tests call this between tests; closing the app may too)."""
    from PySide6.QtCore import QCoreApplication

    for thread in [t for t in threading.enumerate() if t.name == WORKER_NAME]:
        thread.join(timeout)
    QCoreApplication.processEvents()


def prewarm() -> None:
    """Import the database stack while the user reads or types (it costs ~0.5 s on first import)."""
    import alembic.command  # noqa: F401

    import triage_desk.accounts  # noqa: F401 - pulls in SQLAlchemy and the models
    import triage_desk.db  # noqa: F401
