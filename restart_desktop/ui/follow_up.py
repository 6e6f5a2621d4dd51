"""Follow-up checks due, as My actions lists them, and the dialog that records one from the
keyboard: Enter on a check opens it, each answer is a list where Y, N or the first letter
picks ("Not known" is an answer), Enter records.

Signals (FollowUpPanel):
    case_requested(str): open this person's case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.follow_up import CheckAnswers, DueCheck, FollowUpService
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.follow_up import QUESTIONS, Answer
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import buddy_label, ok_cancel


class DueChecksTableModel(RowListTableModel[DueCheck]):
    COLUMNS = ("Due", "Person", "Check", "Released")

    def cells(self, check: DueCheck) -> Sequence[Any]:
        return (
            f"{check.due_on:%d/%m/%Y}",
            check.person_name,
            check.label,
            f"{check.released_on:%d/%m/%Y}",
        )


class CheckDialog(QDialog):
    """Record one check: where the person lives now and four yes / no / not known answers."""

    def __init__(self, check: DueCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(check.label)  # no name: titles show in the taskbar and Alt+Tab
        self.setMinimumWidth(480)
        self.accommodation = QComboBox()
        self.accommodation.setAccessibleName("Where the person is living now")
        for place in FirstNight:
            self.accommodation.addItem(place.label, place.value)
        self.accommodation.setCurrentIndex(self.accommodation.findData(FirstNight.UNKNOWN.value))
        self.answers: dict[str, QComboBox] = {}
        form = QFormLayout()
        intro = QLabel(
            f"{check.person_name}: released {check.released_on:%d/%m/%Y}; due "
            f"{check.due_on:%d/%m/%Y}."
        )
        form.addRow(intro)
        label = buddy_label("&Living:", self.accommodation)
        form.addRow(label, self.accommodation)
        mnemonics = {
            "universal_credit": "&Universal Credit in payment:",
            "treatment": "Drug and alcohol &treatment:",
            "gp": "Registered with a &GP:",
            "ete": "&Education, training or work:",
        }
        for key, question in QUESTIONS.items():
            combo = QComboBox()
            combo.setAccessibleName(question)
            if key == "treatment" and not check.treatment_applies:
                combo.addItem(Answer.NOT_APPLICABLE.label, Answer.NOT_APPLICABLE.value)
                combo.setEnabled(False)
            else:
                for answer in (Answer.NOT_KNOWN, Answer.YES, Answer.NO):
                    combo.addItem(answer.label, answer.value)
            self.answers[key] = combo
            caption = QLabel(mnemonics[key])
            caption.setBuddy(combo)
            form.addRow(caption, combo)
        buttons = ok_cancel(self, "Record check", self.accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.accommodation.setFocus()

    def chosen(self) -> CheckAnswers:
        def answer(key: str) -> Answer:
            return Answer(self.answers[key].currentData())

        return CheckAnswers(
            FirstNight(self.accommodation.currentData()),
            answer("universal_credit"),
            answer("treatment"),
            answer("gp"),
            answer("ete"),
        )


class FollowUpPanel(QWidget):
    case_requested = Signal(str)

    def __init__(
        self, service: FollowUpService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.label = QLabel("")
        self.label.setStyleSheet("font-weight: 600;")
        self.model = DueChecksTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Follow-up checks due: Enter records one")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.row_activated.connect(self.record_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.table)
        self.hide()

    def refresh(self) -> None:
        self._runner.run(self._service.due_checks, self._on_loaded, self._on_failed)

    def _on_loaded(self, checks: list[DueCheck]) -> None:
        self.model.set_rows(checks)
        self.label.setText(f"Follow-up checks due ({len(checks)}): Enter records one")
        self.setVisible(bool(checks))
        if checks:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _on_failed(self, error: BaseException) -> None:
        self.label.setText(user_message(error))
        self.show()

    def record_current(self, row: int | None = None) -> None:
        check = self.model.row_item(self.table.currentIndex().row() if row is None else row)
        if check is None:
            return
        dialog = CheckDialog(check, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        answers, service = dialog.chosen(), self._service
        self._runner.run(
            lambda: service.record_check(check, answers),
            lambda _id: None,  # its change notice refreshes the list
            self._on_failed,
        )
