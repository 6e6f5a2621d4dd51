"""My actions: referrals nobody has answered (to chase), then open follow-up actions across the
worker's caseload, overdue first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.notes import ActionView, NoteService
from restart_desktop.app.referrals import ReferralService, ReferralView
from restart_desktop.ui.list_models import EnterTableView, Index, RowListTableModel
from restart_desktop.ui.referrals import ReferralsTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.timeline import OVERDUE, CloseActionDialog, action_state

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Due", "Person", "Action", "Who")
COL_DUE, COL_PERSON, COL_ACTION, COL_WHO = range(len(COLUMNS))



class ActionsTableModel(RowListTableModel[ActionView]):
    COLUMNS = COLUMNS

    def set_actions(self, actions: list[ActionView]) -> None:
        self.set_rows(actions)

    def action(self, row: int) -> ActionView | None:
        return self.row_item(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        action = self.action(index.row()) if index.isValid() else None
        if action is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == COL_DUE:
                return action_state(action)
            if column == COL_PERSON:
                return action.person_name
            if column == COL_ACTION:
                return action.description
            detail = f" ({action.owner_detail})" if action.owner_detail else ""
            return action.owner.label + detail
        if role == ID_ROLE:
            return action.id
        if role == SORT_ROLE:
            return action.due_date or dt.date.max
        if role == Qt.ItemDataRole.ForegroundRole and action.overdue:
            return QBrush(OVERDUE)
        return None


class MyActionsView(QWidget):
    """Signals:
    case_requested(str): open this person's case (contacts tab).
    referral_case_requested(str): open this person's referrals (a referral to chase).
    changed(): an action was closed.
    """

    case_requested = Signal(str)
    referral_case_requested = Signal(str)
    changed = Signal()

    def __init__(
        self,
        service: NoteService,
        runner: TaskRunner,
        referrals: ReferralService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._referrals = referrals
        self.chase_model = ReferralsTableModel(with_person=True, parent=self)
        self.chases = EnterTableView()
        self.chases.setModel(self.chase_model)
        self.chases.setAccessibleName("Referrals to chase: Enter opens the person's referrals")
        self.chases.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.chases.setMaximumHeight(170)
        self.chases.setTabKeyNavigation(False)  # Tab moves between the two lists
        self.chases.setColumnWidth(0, 200)
        self.chases.setColumnWidth(2, 160)
        self.chases_label = QLabel("")
        self.chases_label.setStyleSheet("font-weight: 600;")
        self.chases.row_activated.connect(self._on_chase_activated)
        self.model = ActionsTableModel(self)
        self.table = EnterTableView()
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.setAccessibleName("My open actions, overdue first")
        self.table.horizontalHeader().setSectionResizeMode(
            COL_ACTION, QHeaderView.ResizeMode.Stretch
        )
        for column, width in ((COL_DUE, 170), (COL_PERSON, 220), (COL_WHO, 200)):
            self.table.setColumnWidth(column, width)
        self.summary = QLabel("")
        self.summary.setAccessibleName("Number of open and overdue actions")
        self.close_button = QPushButton("C&lose action…")
        self.open_button = QPushButton("&Open case")
        self.refresh_button = QPushButton("&Refresh")
        buttons = QHBoxLayout()
        for button in (self.close_button, self.open_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chases_label)
        layout.addWidget(self.chases)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.chases_label.hide()
        self.chases.hide()
        self.close_button.clicked.connect(self._on_close_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.row_activated.connect(lambda _row: self._on_open_clicked())

    def refresh(self) -> None:
        service, referrals = self._service, self._referrals
        self._runner.run(service.my_actions, self._on_loaded, self._on_failed)
        if referrals is not None:
            self._runner.run(referrals.to_chase, self._on_chases_loaded, self._on_failed)

    def _on_chases_loaded(self, views: list[ReferralView]) -> None:
        self.chase_model.set_rows(views)
        self.chases_label.setText(
            f"Referrals to chase ({len(views)}): sent, and no answer after "
            f"{self._referrals.chase_working_days if self._referrals else 3} working days"
        )
        self.chases_label.setVisible(bool(views))
        self.chases.setVisible(bool(views))
        if views:
            self.chases.setCurrentIndex(self.chase_model.index(0, 0))

    def focus_first(self) -> None:
        """Ctrl+2: the referrals to chase when there are any (they come first), else actions."""
        (self.chases if self.chases.isVisible() else self.table).setFocus()

    def _on_chase_activated(self, row: int) -> None:
        view = self.chase_model.row_item(row)
        if view is not None:
            self.referral_case_requested.emit(view.person_id)

    def _on_loaded(self, actions: list[ActionView]) -> None:
        current = self.table.currentIndex().row()
        self.model.set_actions(actions)
        overdue = sum(1 for a in actions if a.overdue)
        self.summary.setText(f"{len(actions)} open, {overdue} overdue")
        if actions:
            row = min(max(current, 0), len(actions) - 1)
            self.table.setCurrentIndex(self.model.index(row, COL_DUE))

    def _on_failed(self, error: BaseException) -> None:
        self.summary.setText(user_message(error))

    def current_action(self) -> ActionView | None:
        return self.model.action(self.table.currentIndex().row())

    def _on_open_clicked(self) -> None:
        action = self.current_action()
        if action is not None:
            self.case_requested.emit(action.person_id)

    def _on_close_clicked(self) -> None:
        action = self.current_action()
        if action is None:
            return
        dialog = CloseActionDialog(action.description, action.person_name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        service, status, outcome = self._service, dialog.chosen(), dialog.outcome.text()
        self._runner.run(
            lambda: service.close_action(action.id, status, outcome),
            lambda _none: self._after_close(),
            self._on_failed,
        )

    def _after_close(self) -> None:
        self.refresh()
        self.changed.emit()
