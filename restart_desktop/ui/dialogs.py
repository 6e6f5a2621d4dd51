"""Small dialogs: change status with a reason, allocate to a worker, and About."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.about import AboutInfo
from restart_desktop.app.cases import WorkerOption
from restart_desktop.domain.case import ALLOWED_TRANSITIONS, CaseStatus
from restart_desktop.ui.widgets import FieldError


class StatusDialog(QDialog):
    """Choose the next status (only allowed ones are offered) and say why."""

    def __init__(self, current: CaseStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change case status")
        self.setMinimumWidth(460)
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        for option in sorted(ALLOWED_TRANSITIONS[current], key=list(CaseStatus).index):
            self.status.addItem(option.label, option.value)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the status change")
        self.reason.setPlaceholderText("Why, in a few words")
        self.error = FieldError()
        form = QFormLayout()
        form.addRow(QLabel(f"Now: <b>{current.label}</b>"))
        status_label = QLabel("New &status:")
        status_label.setBuddy(self.status)
        form.addRow(status_label, self.status)
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change status")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> CaseStatus:
        return CaseStatus(self.status.currentData())

    def _on_accept(self) -> None:
        if not self.reason.text().strip():
            self.error.show_message("Give a reason: it is kept with the case's history.")
            self.adjustSize()  # make room for the message rather than clip it
            self.reason.setFocus()
            return
        self.accept()


class AllocateDialog(QDialog):
    """Choose the worker the case is allocated to."""

    def __init__(
        self, workers: list[WorkerOption], current: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Allocate case")
        self.worker = QComboBox()
        self.worker.setAccessibleName("Worker to allocate the case to")
        self.worker.addItem("Nobody (unallocated)", None)
        for option in workers:
            self.worker.addItem(option.name, option.id)
        found = self.worker.findData(current)
        self.worker.setCurrentIndex(max(found, 0))
        label = QLabel("Allocate &to:")
        label.setBuddy(self.worker)
        form = QFormLayout()
        form.addRow(label, self.worker)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Allocate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> str | None:
        value = self.worker.currentData()
        return value if isinstance(value, str) else None


class AboutDialog(QDialog):
    """Help > About: the version and build, the licence, the data folder, third-party
    licences (how the LGPL obligations of the one-folder build are met)."""

    def __init__(self, info: AboutInfo, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QTextBrowser

        super().__init__(parent)
        self.setWindowTitle("About RESTART Desktop")
        self.summary = QLabel(
            f"<b>RESTART Desktop</b> {html.escape(info.version)} ({html.escape(info.build)})"
            "<br>Offline case tool for RESTART Thames Valley resettlement workers."
            f"<br>{html.escape(info.licence)}"
            f"<br>Data folder: {html.escape(str(info.data_folder))}"
        )
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Version, build, licence and data folder")
        self.licences = QTextBrowser()
        self.licences.setAccessibleName("Third-party licences")
        self.licences.setMarkdown(info.third_party)
        self.licences.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
