"""Sync in the window: the status bar's sync state, Sync now (Ctrl+Shift+S) and a sync every
two minutes (``AUTO_SYNC_MS``) while the central export can be reached, the central export
settings (choose the folder, create or join the team), and the conflicts to settle. Syncs run
on a worker thread of their own, the rest on the window's database worker."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.errors import UserError
from restart_desktop.app.sync import (
    Cancelled,
    ConflictOption,
    ConflictView,
    SyncResult,
    SyncService,
    SyncState,
    is_server_target,
    write_recovery_identity,
)
from restart_desktop.app.sync_lock import SyncBusy
from restart_desktop.domain.case import Role
from restart_desktop.domain.clock import Clock
from restart_desktop.ui.collector import young_only
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import ask_save_path, buddy_label

PROBE_MS = 10_000  # how often the export's reachability is looked at (off the GUI thread)
AUTO_SYNC_MS = 120_000  # while reachable, a sync this often (others' changes come in)


class SyncController(QObject):
    """Syncs in the background on a thread of its own, so the window and its lists stay
    usable during a long first sync; one bundle is one transaction, so stopping between two
    (``cancel``) loses nothing. Watches the export: a sync when it becomes reachable (the
    stick is plugged in, the share comes back) and every few minutes while it is.

    Signals:
    status_changed(str): the words for the status bar ("Synced 10:42", "Offline, 3 changes
        waiting", "Syncing 40%").
    progress(int, int): steps done and in all while a sync runs; (0, 0) when it ends.
    synced(): a sync finished; lists may have new records.
    failed(): a sync could not finish (the message is in status_changed).
    """

    status_changed = Signal(str)
    progress = Signal(int, int)
    synced = Signal()
    failed = Signal()

    def __init__(
        self,
        service: SyncService,
        runner: TaskRunner,
        clock: Clock,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.service = service
        self._clock = clock  # the session's: "Synced 10:42" on the clock the records are on
        # Its own thread: the database worker stays free for the window while a sync runs.
        self._runner = TaskRunner(self)
        self._busy = False
        self._closed = False
        self._cancel = threading.Event()
        # As of the last look (no disk access on the GUI thread): for the offers at quitting
        # and locking.
        self.reachable = False
        self._last_sync = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._probe)

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self) -> None:
        self.timer.start()
        self.sync(automatic=True)

    def stop(self) -> None:
        """No more automatic syncs (locked, closing); a sync under way finishes."""
        self.timer.stop()

    def cancel(self) -> None:
        """Stop the sync under way after the bundle it is on (nothing half-applied)."""
        if self._busy:
            self._cancel.set()
            self.status_changed.emit("Stopping the sync…")

    def shutdown(self) -> None:
        """The window is closing: stop after the current bundle, wait, and tell nobody."""
        self._closed = True
        self.timer.stop()
        self._cancel.set()
        self._runner.shutdown()

    def _probe(self) -> None:
        if self._busy:
            return
        service = self.service

        def look() -> bool:
            target = service.target()
            if target is None:
                return False
            try:
                return target.reachable()
            finally:
                target.close()

        def seen(reachable: bool) -> None:
            came_back = reachable and not self.reachable
            self.reachable = reachable
            due = time.monotonic() - self._last_sync >= AUTO_SYNC_MS / 1000
            if reachable and (came_back or due) and self.timer.isActive():
                self.sync(automatic=True)

        self._runner.run(look, seen, lambda _error: None)

    def sync(self, automatic: bool = False) -> None:
        """Sync now; an automatic sync first checks quietly that the export is reachable."""
        if self._busy:
            return
        self._busy = True
        self._cancel.clear()
        self._last_sync = time.monotonic()
        service, cancel, clock = self.service, self._cancel, self._clock

        def step(done: int, total: int) -> None:
            self.progress.emit(done, total)

        def work() -> tuple[str, SyncResult | None, bool]:
            target = service.target()
            if target is None:
                return "No central export set (Settings)", None, False
            reachable = target.reachable()
            target.close()
            if not reachable:
                return (
                    f"{service.offline_words()}, {_waiting(service.waiting_changes())}",
                    None,
                    False,
                )
            try:
                # Garbage is collected on the GUI thread (``ui.collector``), only its young
                # generations while the sync runs: a full one would stall the window.
                with young_only():
                    result = service.sync_now(step, cancel.is_set)
            except Cancelled:
                return f"Sync stopped, {_waiting(service.waiting_changes())}", None, True
            except SyncBusy:  # a scheduled `restart-desktop sync`: this round is skipped
                return (
                    "A sync is already running on this laptop, "
                    f"{_waiting(service.waiting_changes())}",
                    None,
                    True,
                )
            return _describe(result, service.waiting_changes(), clock), result, True

        if not automatic:
            self.status_changed.emit("Syncing…")
        self._runner.run(work, self._on_done, self._on_failed)

    def _on_done(self, outcome: tuple[str, SyncResult | None, bool]) -> None:
        self._busy = False
        if self._closed:
            return  # the lists it would refresh are gone
        self.progress.emit(0, 0)
        words, result, self.reachable = outcome
        self.status_changed.emit(words)
        if result is not None:
            self.synced.emit()
        else:
            self.failed.emit()  # nothing synced: offline, stopped or no target

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        if self._closed:
            return
        self.progress.emit(0, 0)
        self.status_changed.emit(f"Sync failed: {user_message(error)}")
        self.failed.emit()


def _waiting(count: int) -> str:
    return f"{count} change{'s' if count != 1 else ''} waiting"


def _describe(result: SyncResult, waiting: int, clock: Clock) -> str:
    if result.state != SyncState.SYNCED:
        return result.message
    words = f"Synced {clock.now_text()}"
    conflicts = result.report.conflicts
    if conflicts:
        words += f", {conflicts} conflict{'s' if conflicts != 1 else ''} to settle (Settings)"
    if result.report.problems:
        words += ", a problem: " + next(iter(result.report.problems.values()))
    elif result.differs_from:
        words += (
            f", this laptop's records differ from {result.differs_from[0]}'s: rebuild "
            "them (Settings > Central export)"
        )
    elif result.unverified_heads:
        words += (
            f", the audit trail's chain head of {result.unverified_heads[0]}'s laptop in the "
            "export does not verify: ask your supervisor to check the export"
        )
    elif waiting:
        words += f", {_waiting(waiting)}"
    return words


class ExportDialog(QDialog):
    """Settings > Central export: the folder or server, and creating or joining the team."""

    def __init__(
        self, service: SyncService, runner: TaskRunner, role: Role, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Central export")
        self._service = service
        self._runner = runner
        self.path = QLineEdit(service.target_location())  # as kept: nothing opened here
        self.path.setAccessibleName("Central export: a folder, or a server's connection string")
        self.path.setPlaceholderText("A shared folder, or postgresql://HOST/DB?sslmode=verify-full")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._on_browse)
        self.recovery = QLineEdit()
        self.recovery.setAccessibleName("The programme's recovery key (age1...)")
        self.recovery.setPlaceholderText("age1… (the programme's recovery key)")
        self.new_recovery = QPushButton("&New recovery key…")
        self.new_recovery.setToolTip(
            "Make the programme's recovery key and save its secret "
            "half to a file you then keep offline"
        )
        self.join_button = QPushButton("Ask to &join the team")
        self.create_button = QPushButton("&Create the team")
        self.rebuild_button = QPushButton("&Rebuild this laptop's records")
        self.rebuild_button.setToolTip(
            "Work out every record again from the changes held: "
            "when sync says this laptop's records differ"
        )
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Sync problems")
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer.setAccessibleName("Result")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        folder = buddy_label("&Folder or server:", self.path)
        form.addRow(folder, row)
        supervisor = role == Role.SUPERVISOR
        if supervisor:
            recovery = buddy_label("Recovery &key:", self.recovery)
            recovery_row = QHBoxLayout()
            recovery_row.addWidget(self.recovery, 1)
            recovery_row.addWidget(self.new_recovery)
            form.addRow(recovery, recovery_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.join_button)
        if supervisor:
            buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        buttons.addWidget(self.rebuild_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        explain = QLabel(
            "The central export is a folder (network share, synced cloud folder or encrypted "
            "USB stick), or a central PostgreSQL server (a connection string such as "
            "postgresql://server/restart?sslmode=verify-full, or service=NAME). Everything "
            "written there is encrypted to the team and signed by this "
            "laptop. A supervisor creates the team once; each worker's laptop asks to join and "
            "the supervisor approves it (Settings > Laptops asking to join)."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.answer)
        layout.addWidget(self.problems)
        layout.addWidget(close)
        self.new_recovery.clicked.connect(self._on_new_recovery)
        self.rebuild_button.clicked.connect(self._on_rebuild)
        self.join_button.clicked.connect(self._on_join)
        self.create_button.clicked.connect(self._on_create)
        self.create_button.setVisible(supervisor)
        self.new_recovery.setVisible(supervisor)
        self.setMinimumWidth(620)
        if self.path.text():  # a central export is set
            runner.run(service.problems, self._on_problems, lambda _error: None)

    def _on_problems(self, problems: list[str]) -> None:
        if problems:
            self.problems.setText("Held up:\n" + "\n".join(f"• {p}" for p in problems))

    def _on_new_recovery(self) -> None:
        path = ask_save_path(
            self,
            "Save the recovery key (keep it offline)",
            "restart-recovery-key.txt",
            ".txt",
            "age identity",
        )
        if path is None:
            return
        try:
            recipient = write_recovery_identity(path)
        except (UserError, OSError) as error:
            self.answer.setText(
                html.escape(
                    str(error)
                    if isinstance(error, UserError)
                    else f"The recovery key could not be saved there ({error.strerror})."
                )
            )
            return
        self.recovery.setText(recipient)
        self.answer.setText(
            f"The recovery key's secret half is in {html.escape(str(path))}: move it to "
            "offline storage (a safe), not this laptop. Now create the team."
        )

    def _on_rebuild(self) -> None:
        self.answer.setText("Rebuilding…")
        self._runner.run(
            self._service.rebuild,
            lambda count: self.answer.setText(f"Rebuilt {count:,} records from their changes."),
            lambda error: self.answer.setText(html.escape(user_message(error))),
        )

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose the central export folder", self.path.text()
        )
        if folder:
            self.path.setText(folder)

    def _folder(self) -> Path | str | None:
        text = self.path.text().strip()
        if not text:
            self.answer.setText("Choose the central export folder first.")
            return None
        return text if is_server_target(text) else Path(text)

    def _on_join(self) -> None:
        folder, service = self._folder(), self._service
        if folder is None:
            return

        def done(fingerprints: tuple[str, str]) -> None:
            supervisor, own = fingerprints
            self.answer.setText(
                f"Asked to join. Check with your supervisor that their fingerprint is "
                f"<b>{supervisor}</b>; they see this laptop as <b>{own}</b>."
            )

        self._runner.run(
            lambda: service.request_to_join(folder),
            done,
            lambda error: self.answer.setText(html.escape(user_message(error))),
        )

    def _on_create(self) -> None:
        folder, service, recovery = self._folder(), self._service, self.recovery.text()
        if folder is None:
            return
        if not recovery.strip():
            self.answer.setText("Enter the programme's recovery key (it starts with age1).")
            return
        self._runner.run(
            lambda: service.create_team(folder, recovery),
            lambda _roster: self.answer.setText("Team created. Workers can now ask to join."),
            lambda error: self.answer.setText(html.escape(user_message(error))),
        )


class ConflictsTableModel(RowListTableModel[ConflictView]):
    COLUMNS = ("What", "Values", "Shown for now", "Noticed")

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock

    def cells(self, view: ConflictView) -> Sequence[Any]:
        shown = next((o for o in view.options if o.change_id == view.showing), None)
        return (
            view.what,
            " / ".join(o.shown for o in view.options),
            f"{shown.shown} ({shown.author})" if shown else "",
            self._clock.local_text(view.detected_at),
        )


class OptionsTableModel(RowListTableModel[ConflictOption]):
    COLUMNS = ("Value", "Set by", "When")

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock

    def cells(self, option: ConflictOption) -> Sequence[Any]:
        return (option.shown, option.author, self._clock.local_text(option.recorded_at))


class ConflictsDialog(QDialog):
    """Fields changed on two laptops at once: choose the value to keep. The choice is a change
    like any other, so it settles the conflict on every laptop at their next sync."""

    def __init__(self, service: SyncService, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self._service = service
        self._runner = runner
        self.kept = 0  # values chosen while the dialog was open
        self.model = ConflictsTableModel(service.clock, self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Conflicts to settle")
        self.options = OptionsTableModel(service.clock, self)
        self.option_table = EnterTableView()
        self.option_table.setModel(self.options)
        self.option_table.setAccessibleName("The values to choose from")
        self.keep = QPushButton("&Keep this value")
        self.keep.setEnabled(False)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        conflicts_label = buddy_label("&Conflicts:", self.table)
        values_label = buddy_label("&Values (choose one, then Keep):", self.option_table)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        explain = QLabel(
            "The same thing was changed on two laptops before either saw the other's change. "
            "Every value is kept, and every laptop shows the same one for now. Choose the "
            "right value: your choice reaches the others at their next sync."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(conflicts_label)
        layout.addWidget(self.table, 2)
        layout.addWidget(values_label)
        layout.addWidget(self.option_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.keep)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.table.selectionModel().currentRowChanged.connect(self._on_conflict)
        for table in (self.table, self.option_table):
            table.setTabKeyNavigation(False)  # Tab goes on to the next part of the dialog
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # what, which value
        self.option_table.row_activated.connect(lambda _row: self._keep())  # Enter keeps
        self.keep.clicked.connect(self._keep)
        self.resize(820, 480)
        self.refresh()

    def refresh(self) -> None:
        self._runner.run(
            self._service.conflicts,
            self._on_loaded,
            lambda error: self.message.setText(user_message(error)),
        )

    def _on_loaded(self, conflicts: list[ConflictView]) -> None:
        self.model.set_rows(conflicts)
        if conflicts:
            self.table.setCurrentIndex(self.model.index(0, 0))
            self._on_conflict()
            self.table.setFocus()
        else:
            self.options.set_rows([])
            self.keep.setEnabled(False)
            self.message.setText("No conflicts to settle.")

    def _on_conflict(self, *_args: object) -> None:
        view = self.model.row_item(self.table.currentIndex().row())
        self.options.set_rows(list(view.options) if view else [])
        if view is not None:
            showing = next(
                (i for i, o in enumerate(view.options) if o.change_id == view.showing), 0
            )
            self.option_table.setCurrentIndex(self.options.index(showing, 0))
        self.keep.setEnabled(view is not None)

    def _keep(self) -> None:
        view = self.model.row_item(self.table.currentIndex().row())
        option = self.options.row_item(self.option_table.currentIndex().row())
        if view is None or option is None:
            return
        service = self._service

        def done(_none: None) -> None:
            self.kept += 1
            self.message.setText(
                f"Kept {option.shown}. The other laptops follow at their next sync."
            )
            self.refresh()

        self._runner.run(
            lambda: service.resolve(view.record_id, view.field, option.change_id),
            done,
            lambda error: self.message.setText(user_message(error)),
        )
