"""One way to run background work: a single worker thread for database and crypto calls.

Results come back to the GUI thread through a queued signal, never by polling or
``processEvents()``. Each runner serialises its work on its own thread (the window's, and the
sync controller's); their writes, like every write of the app, take turns at store/writer.py.
Failures the user can act on (``UserError``, storage and security errors) reach the caller's
error handler with their message; anything else is a bug: logged without personal data and
reported with a plain message, never a traceback.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from restart_desktop.app.errors import SecurityError, StorageError, UserError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)
T = TypeVar("T")


def _expected_errors() -> tuple[type[Exception], ...]:
    # The reference module (csv, dataclasses...) is not needed to show the unlock page.
    from restart_desktop.domain.errors import ReferenceDataError

    return (UserError, SecurityError, StorageError, ReferenceDataError)


BUG_MESSAGE = (
    "Something went wrong inside RESTART Desktop, so that action did not finish. Nothing "
    "half-done was saved. Please try again; if it happens again, tell your IT contact the "
    "time it happened."
)


def user_message(error: BaseException) -> str:
    """What to show a person for ``error``."""
    if isinstance(error, _expected_errors()):
        return str(error)
    return BUG_MESSAGE


def save_failed_message(what: str, error: BaseException) -> str:
    """Why ``what`` (a PDF the worker chose where to save) was not saved: the system's reason
    in words for a folder that refused it, never Python's "[Errno 13] ... '/path/.x.part'"."""
    if isinstance(error, OSError):
        return (
            f"{what} could not be saved there ({error.strerror or 'the folder refused it'}). "
            "Choose another folder."
        )
    return user_message(error)


def _run_released(holder: list[Callable[[], T]]) -> T:
    """Run the task on the database thread without keeping it: the runner holds it, and lets
    it go on the GUI thread once its result is handed over."""
    work = holder.pop()
    try:
        return work()
    finally:
        del work


class TaskRunner(QObject):
    """Runs callables on one background thread and hands results to the GUI thread.

    Signals:
        busy_changed(bool): work started (True) or all work finished (False).
    """

    busy_changed = Signal(bool)
    _finished = Signal(object, int)  # future, the task's number

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = None  # started with the first task
        self._pending = 0
        self._shut = False  # after shutdown(): work asked for is dropped
        #: Each task's callables by number, held and released here on the GUI thread: a
        #: closure over a widget (a case tab closed while its work ran) released last on the
        #: database thread would delete the widget there, and Qt dies later at a random place.
        self._tasks: dict[int, tuple[Callable[[], Any], Callable[[Any], None], Any]] = {}
        self._numbered = 0
        self._finished.connect(self._on_finished)

    @property
    def pending(self) -> int:
        """Tasks not finished, and work announced but not started yet (``hold``)."""
        return self._pending

    def hold(self) -> None:
        """Count work about to be started (refreshes a change notice will start) as pending,
        until ``release``: "nothing pending" then means the window has settled."""
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

    def release(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._shut:
            # A timer that fired after the window quit (a search settling): the database is
            # closed, so there is nothing to do and nobody to tell.
            log.debug("work asked for after shutdown dropped")
            return
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restart-db")
        self._numbered += 1
        number = self._numbered
        self._tasks[number] = (work, on_done, on_error)
        future = self._executor.submit(_run_released, [work])
        finished = self._finished
        future.add_done_callback(lambda f: finished.emit(f, number))

    def _on_finished(self, future: Future[Any], number: int) -> None:
        self._pending -= 1
        _work, on_done, on_error = self._tasks.pop(number)
        try:
            error = future.exception()
            if error is None:
                try:
                    on_done(future.result())
                except RuntimeError as gone:
                    # The widget that asked (a closed case tab) was deleted while the work was
                    # in flight. The work itself finished; there is just nobody left to tell.
                    if "already deleted" not in str(gone):
                        raise
                    log.debug("result for a closed view dropped")
            else:
                if not isinstance(error, _expected_errors()):
                    # The frames only: an exception's message can quote personal data.
                    log.error(
                        "background task failed: %s\n%s",
                        type(error).__name__,
                        "".join(traceback.format_tb(error.__traceback__)),
                    )
                if on_error is not None:
                    on_error(error)
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Finish queued work (so nothing in flight is lost), then stop the thread."""
        self._shut = True
        if self._executor is not None:
            self._executor.shutdown(wait=True)
