"""Sync in the window: the status bar's sync state, Sync now (F9) and a sync every minute when
the central export can be reached, the central export settings (choose the folder, create or
join the team), and the conflicts to settle. All work runs on the database worker."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.sync import ConflictView, SyncResult, SyncService
from restart_desktop.domain.case import Role
from restart_desktop.ui.list_models import EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message

AUTO_SYNC_MS = 60_000


class SyncController(QObject):
    """Signals:
    status_changed(str): the words for the status bar ("Synced 10:42", "Offline, 3 changes
        waiting"...).
    synced(): a sync finished; lists may have new records.
    failed(): a sync could not finish (the message is in status_changed).
    """

    status_changed = Signal(str)
    synced = Signal()
    failed = Signal()

    def __init__(self, service: SyncService, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.service = service
        self._runner = runner
        self._busy = False
        # As of the last look (no disk access on the GUI thread): for the offer at quitting.
        self.reachable = False
        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_SYNC_MS)
        self.timer.timeout.connect(lambda: self.sync(automatic=True))

    def start(self) -> None:
        self.timer.start()
        self.sync(automatic=True)

    def stop(self) -> None:
        self.timer.stop()

    def sync(self, automatic: bool = False) -> None:
        """Sync now; an automatic sync first checks quietly that the export is reachable."""
        if self._busy:
            return
        self._busy = True
        service = self.service

        def work() -> tuple[str, SyncResult | None, bool]:
            target = service.target()
            if target is None:
                return "No central export set (Settings)", None, False
            if not target.root.is_dir():
                return f"Offline, {_waiting(service.waiting_changes())}", None, False
            result = service.sync_now()
            return _describe(result, service.waiting_changes()), result, True

        if not automatic:
            self.status_changed.emit("Syncing…")
        self._runner.run(work, self._on_done, self._on_failed)

    def _on_done(self, outcome: tuple[str, SyncResult | None, bool]) -> None:
        self._busy = False
        words, result, self.reachable = outcome
        self.status_changed.emit(words)
        if result is not None:
            self.synced.emit()
        else:
            self.failed.emit()  # nothing synced: offline or no target

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        self.status_changed.emit(f"Sync failed: {user_message(error)}")
        self.failed.emit()


def _waiting(count: int) -> str:
    return f"{count} change{'s' if count != 1 else ''} waiting"


def _describe(result: SyncResult, waiting: int) -> str:
    if result.state != "synced":
        return result.message
    words = f"Synced {dt.datetime.now():%H:%M}"
    if result.report.conflicts:
        words += f", {result.report.conflicts} conflicts to settle (Settings)"
    if result.report.problems:
        words += ", a problem: " + next(iter(result.report.problems.values()))
    elif waiting:
        words += f", {_waiting(waiting)}"
    return words


class ExportDialog(QDialog):
    """Settings > Central export: the folder, and creating or joining the team."""

    def __init__(
        self, service: SyncService, runner: TaskRunner, role: Role, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Central export")
        self._service = service
        self._runner = runner
        target = service.target()
        self.path = QLineEdit(str(target.root) if target else "")
        self.path.setAccessibleName("Central export folder")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._on_browse)
        self.recovery = QLineEdit()
        self.recovery.setAccessibleName("The programme's recovery key (age1...)")
        self.recovery.setPlaceholderText("age1… (the programme's recovery key)")
        self.join_button = QPushButton("Ask to &join the team")
        self.create_button = QPushButton("&Create the team")
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer.setAccessibleName("Result")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        folder = QLabel("&Folder:")
        folder.setBuddy(self.path)
        form.addRow(folder, row)
        supervisor = role == Role.SUPERVISOR
        if supervisor:
            recovery = QLabel("&Recovery key:")
            recovery.setBuddy(self.recovery)
            form.addRow(recovery, self.recovery)
        buttons = QHBoxLayout()
        buttons.addWidget(self.join_button)
        if supervisor:
            buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        explain = QLabel(
            "The central export is a folder (network share, synced cloud folder or encrypted "
            "USB stick). Everything written there is encrypted to the team and signed by this "
            "laptop. A supervisor creates the team once; each worker's laptop asks to join and "
            "the supervisor approves it (restart-desktop-admin team approve)."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.answer)
        layout.addWidget(close)
        self.join_button.clicked.connect(self._on_join)
        self.create_button.clicked.connect(self._on_create)
        self.create_button.setVisible(supervisor)
        self.setMinimumWidth(620)

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the central export folder",
                                                  self.path.text())  # fmt: skip
        if folder:
            self.path.setText(folder)

    def _folder(self) -> Path | None:
        text = self.path.text().strip()
        if not text:
            self.answer.setText("Choose the central export folder first.")
            return None
        return Path(text)

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

        self._runner.run(lambda: service.request_to_join(folder), done,
                         lambda error: self.answer.setText(html.escape(user_message(error))))

    def _on_create(self) -> None:
        folder, service, recovery = self._folder(), self._service, self.recovery.text()
        if folder is None:
            return
        if not recovery.strip():
            self.answer.setText("Enter the programme's recovery key (it starts with age1).")
            return
        self._runner.run(lambda: service.create_team(folder, recovery),
                         lambda _roster: self.answer.setText(
                             "Team created. Workers can now ask to join."),
                         lambda error: self.answer.setText(html.escape(user_message(error))))


class ConflictsTableModel(RowListTableModel[ConflictView]):
    COLUMNS = ("Record", "Field", "This laptop", "Other laptop", "Shown now")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        view = self.row_item(index.row()) if index.isValid() else None
        if view is None or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        return (
            view.entity.replace("_", " "),
            view.field.replace("_", " "),
            str(view.local_value),
            str(view.remote_value),
            "other laptop's" if view.winner == "remote" else "this laptop's",
        )[index.column()]


class ConflictsDialog(QDialog):
    """Fields changed on two laptops at once: keep one value. The choice syncs to everyone."""

    def __init__(self, service: SyncService, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self._service = service
        self._runner = runner
        self.model = ConflictsTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Conflicts to settle")
        self.keep_local = QPushButton("Keep &this laptop's value")
        self.keep_remote = QPushButton("Keep the &other laptop's value")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_local)
        buttons.addWidget(self.keep_remote)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "The same field was changed on two laptops before either saw the other's change. "
            "Both values are kept; choose the right one."
        ))  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.keep_local.clicked.connect(lambda: self._keep("local"))
        self.keep_remote.clicked.connect(lambda: self._keep("remote"))
        self.resize(760, 420)
        self.refresh()

    def refresh(self) -> None:
        self._runner.run(self._service.conflicts, self._on_loaded,
                         lambda error: self.message.setText(user_message(error)))

    def _on_loaded(self, conflicts: list[ConflictView]) -> None:
        self.model.set_rows(conflicts)
        if conflicts:
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.message.setText("No conflicts to settle.")
        self.table.setFocus()

    def _keep(self, which: str) -> None:
        view = self.model.row_item(self.table.currentIndex().row())
        if view is None:
            return
        service = self._service
        self._runner.run(lambda: service.resolve(view.id, which),
                         lambda _none: self.refresh(),
                         lambda error: self.message.setText(user_message(error)))
