"""The evaluation extract dialog (supervisors): the period, a new folder, the lawful basis
recorded in Settings (or research consent only) and, optionally, the receiving service's age
key for the encrypted linkage file. The extract itself runs off the window's thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.evaluation import EvaluationService, ExtractResult
from restart_desktop.domain.figures import Period
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import DateField, FieldError, buddy_label


class EvaluationExtractDialog(QDialog):
    def __init__(
        self,
        service: EvaluationService,
        runner: TaskRunner,
        start: dt.date,
        end: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.setWindowTitle("Evaluation extract")
        self.setMinimumWidth(560)
        self.start = DateField("First day of the period")
        self.start.set_date(start)
        self.end = DateField("Last day of the period")
        self.end.set_date(end)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("New folder for the extract")
        self.folder.setPlaceholderText("A folder that does not exist yet")
        self.basis = QLineEdit(service.lawful_basis())
        self.basis.setAccessibleName("Lawful basis for including everyone")
        self.basis.setPlaceholderText("Empty: only people whose research consent is recorded")
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Receiving service's age key for the linkage file")
        self.recipient.setPlaceholderText("age1… (optional: no linkage file without it)")
        self.error = FieldError()
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        form = QFormLayout()
        for caption, widget in (
            ("&From:", self.start),
            ("&To:", self.end),
            ("Fol&der:", self.folder),
            ("Lawful &basis:", self.basis),
            ("Linkage &recipient:", self.recipient),
        ):
            label = buddy_label(caption, widget)
            form.addRow(label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Make the extract")
        self.buttons.accepted.connect(self._on_make)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)

    def _on_make(self) -> None:
        try:
            start, end = self.start.date_value(), self.end.date_value()
        except ValueError:
            start = end = None
        if start is None or end is None or end < start:
            self.error.show_message("Enter the period as two dates, the first before the last.")
            return
        if not self.folder.text().strip():
            self.error.show_message("Give a new folder for the extract.")
            self.folder.setFocus()
            return
        self.error.show_message(None)
        service, basis, recipient = self._service, self.basis.text(), self.recipient.text()
        folder, period = Path(self.folder.text().strip()), Period(start, end)

        def work() -> ExtractResult:
            if basis.strip() != service.lawful_basis():
                service.set_lawful_basis(basis)
            return service.extract(period, folder, recipient)

        self.buttons.setEnabled(False)
        self._runner.run(work, self._on_done, self._on_failed)

    def _on_done(self, result: ExtractResult) -> None:
        self.buttons.setEnabled(True)
        text = (
            f"Written to {result.folder}: {result.cases} people, {result.events} events; "
            f"{result.coarsened} coarsened, {result.withheld} withheld"
            + ("; the linkage file is encrypted to the recipient." if result.linkage else ".")
        )
        if result.cases == 0 and not self.basis.text().strip():
            text += (
                " It holds only people whose research consent is recorded, and none in this "
                "period has it. To include everyone, write the programme's lawful basis in "
                "Lawful basis (Alt+B) and make the extract again, into a new folder."
            )
        self.result_label.setText(text)

    def _on_failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.show_message(user_message(error))
