"""The onward handover dialog (its summary and the decision letter are drawn by
documents/onward.py), and the supervisor's programme-exit list (open cases with no plan for
after support, Ctrl+9)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.errors import UserError
from restart_desktop.app.onward import ConsentNeeded, ExitRow, OnwardService, OnwardSummary
from restart_desktop.documents.onward import SUMMARY_TITLE, summary_html
from restart_desktop.documents.pdf import PdfWriterThread
from restart_desktop.domain.onward import DEFAULT_SECTIONS, OnwardServiceKind, Section
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, save_failed_message
from restart_desktop.ui.widgets import FieldError, ask_save_path, buddy_label, open_dialog

Index = QModelIndex | QPersistentModelIndex


class OnwardDialog(QDialog):
    """Write the onward handover summary for one case: the service, the sections it needs
    (defaults by kind), an override reason if consent does not cover it; Save writes the
    PDF where the worker chooses and keeps the handover on record."""

    def __init__(
        self,
        service: OnwardService,
        runner: TaskRunner,
        person_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.person_id = service, runner, person_id
        self.setWindowTitle("Onward handover summary")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Service taking the person on")
        for kind in OnwardServiceKind:
            self.kind.addItem(kind.label, kind.value)
        self.service_name = QLineEdit()
        self.service_name.setAccessibleName("Name of the service")
        self.sections = {section: QCheckBox(section.label) for section in Section}
        self.override = QLineEdit()
        self.override.setAccessibleName("Reason to share without consent")
        self.error = FieldError()
        form = QFormLayout()
        for text, widget in (
            ("&Kind of service:", self.kind),
            ("Service &name:", self.service_name),
        ):
            label = buddy_label(text, widget)
            form.addRow(label, widget)
        for box in self.sections.values():
            form.addRow("", box)
        label = buddy_label("&Reason, if consent does not cover it:", self.override)
        form.addRow(label, self.override)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save.setText("&Save as PDF…")
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(lambda _i: self._defaults())
        self._defaults()
        self.writer: PdfWriterThread | None = None
        self.target: Path | None = None

    def _defaults(self) -> None:
        wanted = DEFAULT_SECTIONS[OnwardServiceKind(self.kind.currentData())]
        for section, box in self.sections.items():
            box.setChecked(section in wanted)

    def chosen(self) -> tuple[Section, ...]:
        return tuple(section for section, box in self.sections.items() if box.isChecked())

    def _on_save(self) -> None:
        if not self.chosen():
            self.error.show_message("Tick at least one section to send.")
            return
        kind = OnwardServiceKind(self.kind.currentData())
        name, override, sections = self.service_name.text(), self.override.text(), self.chosen()
        service, person = self.service, self.person_id
        self.runner.run(
            lambda: service.summary(person, kind, name, sections, override),
            self._on_summary,
            self._on_error,
        )

    def _on_summary(self, summary: OnwardSummary) -> None:
        target = self.target or ask_save_path(
            self,
            "Save the onward handover summary",
            f"onward-handover-{summary.person_id[-8:]}-{self.service.clock.today():%Y-%m-%d}.pdf",
            ".pdf",
            "PDF",
        )
        if target is None:
            return
        self.writer = PdfWriterThread(summary_html(summary), target, SUMMARY_TITLE, self)
        self.writer.written.connect(
            lambda _path: self.runner.run(
                lambda: self.service.record(summary), lambda _id: self.accept(), self._on_error
            )
        )
        self.writer.failed.connect(
            lambda error: self.error.show_message(
                save_failed_message("The PDF", error) + " Nothing was recorded."
            )
        )
        self.writer.start()

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, ConsentNeeded):
            self.error.show_message(str(error))
            self.override.setFocus()
        elif isinstance(error, UserError):
            self.error.show_message(str(error))
        else:
            raise error


class ExitTableModel(RowListTableModel[ExitRow]):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Name", "Status", "Worker", "Release")

    def cells(self, row: ExitRow) -> Sequence[Any]:
        release = row.release_date.strftime("%d/%m/%Y") if row.release_date else ""
        return (row.name, row.status, row.worker, release)


class ExitView(QWidget):
    """Programme exit: every open case with no plan for after support; Enter writes the
    onward handover summary for the selected one."""

    def __init__(
        self, service: OnwardService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.model = ExitTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Open cases with no plan for after support")
        self.table.row_activated.connect(self.open_row)
        self.count = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(self.table)
        self.dialog: OnwardDialog | None = None

    def refresh(self) -> None:
        self.runner.run(self.service.without_plan, self._on_loaded)

    def _on_loaded(self, rows: list[ExitRow]) -> None:
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} open cases with no plan for after support")
        if rows:
            self.table.selectRow(0)

    def focus_first(self) -> None:
        self.table.setFocus()

    def open_row(self, row: int) -> None:
        item = self.model.row_item(row)
        if item is None:
            return
        self.dialog = OnwardDialog(self.service, self.runner, item.person_id, self)
        open_dialog(self.dialog)
