"""Settings > Laptops asking to join (a supervisor's): the laptops that asked to join the team,
each with the fingerprint to compare aloud with the one the laptop showed; approving one, after
saying the fingerprint matches, lets it in as ``restart-desktop team approve`` does. A request
left alone stays outside the team and receives nothing."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.sync import JoinRequest, SyncService
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import buddy_label

EXPLAIN = (
    "These laptops asked to join the team. Before approving one, ask its worker to read out "
    "the fingerprint their laptop showed when it asked (Settings > Central export), and "
    "compare it with the one here, group by group. Approve only when every group is the "
    "same: a different fingerprint means someone else filed the request. A laptop you do "
    "not approve stays outside the team and receives nothing."
)


class JoinRequestsTableModel(RowListTableModel[JoinRequest]):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Worker", "Role", "Fingerprint", "Laptop's id")

    def cells(self, request: JoinRequest) -> Sequence[Any]:
        return (request.worker, request.role, request.fingerprint, request.device_id)


def confirm_text(request: JoinRequest) -> str:
    """The question before approving: the fingerprint to hear, large enough to compare."""
    return (
        f"<p>Ask {html.escape(request.worker)} to read out the fingerprint their laptop "
        "shows. It must be:</p>"
        f"<p style='font-size: x-large; font-family: monospace'><b>"
        f"{html.escape(request.fingerprint)}</b></p>"
        "<p>Approve only if every group is the same. The laptop then receives the team's "
        "changes from its next sync.</p>"
    )


class JoinRequestsDialog(QDialog):
    """The laptops asking to join; Enter (or Approve) on one asks to confirm its fingerprint.
    ``approved`` counts the laptops let in while it was open (the window then syncs)."""

    def __init__(
        self, service: SyncService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Laptops asking to join")
        self._service, self._runner = service, runner
        self.approved = 0
        self.model = JoinRequestsTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Laptops asking to join the team")
        self.table.setTabKeyNavigation(False)  # Tab goes on to the buttons
        self.table.row_activated.connect(lambda _row: self.approve_current())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.approve_button = QPushButton("&Approve…")
        self.approve_button.setToolTip("Compare the fingerprint aloud, then approve (Enter)")
        self.approve_button.setEnabled(False)
        self.approve_button.clicked.connect(self.approve_current)
        self.refresh_button = QPushButton("Look &again")
        self.refresh_button.setToolTip("Read the central export's requests again")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Result")
        self._layout()
        self.resize(860, 420)
        self.refresh()

    def _layout(self) -> None:
        explain = QLabel(EXPLAIN)
        explain.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.approve_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(buddy_label("Laptops &waiting:", self.table))
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)

    def refresh(self, said: str = "") -> None:
        """Read the requests again; ``said``: the last result, kept above the count."""
        self.message.setText("Reading the central export…")
        self._runner.run(
            self._service.join_requests,
            lambda requests: self._on_loaded(requests, said),
            self._on_failed,
        )

    def _on_loaded(self, requests: list[JoinRequest], said: str) -> None:
        self.model.set_rows(requests)
        self.approve_button.setEnabled(bool(requests))
        waiting = len(requests)
        count = (
            f"{waiting} laptop{'s' if waiting != 1 else ''} waiting to be approved."
            if waiting
            else "No laptop is asking to join the team."
        )
        self.message.setText(f"{said} {count}" if said else count)
        if requests:
            self.table.selectRow(0)
            self.table.setFocus()

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def approve_current(self) -> None:
        request = self.model.row_item(self.table.currentIndex().row())
        if request is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question, "Approve this laptop?", confirm_text(request), parent=self
        )
        box.setAccessibleName("Compare the fingerprint")
        same = box.addButton("&Approve: it is the same", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(same)
        box.exec()
        if box.clickedButton() is not same:
            self.message.setText(
                f"Not approved: {request.worker}'s laptop is still waiting, outside the team."
            )
            self.table.setFocus()
            return
        service = self._service
        self.message.setText("Approving…")
        self._runner.run(
            lambda: service.approve(request.device_id),
            lambda _roster: self._on_approved(request),
            self._on_failed,
        )

    def _on_approved(self, request: JoinRequest) -> None:
        self.approved += 1
        self.refresh(
            f"Approved {request.worker}'s laptop: it receives the team's changes from its "
            "next sync."
        )
