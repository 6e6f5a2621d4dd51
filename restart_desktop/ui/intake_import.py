"""File > Import recommendations: a referring partner's CSV batch into the intake queue, as
``restart-desktop intake import`` does, with a look first. The file is checked (the service's
own checking, in the file's terms), the recommendations it would record and the lines refused
are listed, and only a file with no refused line can be imported: whole, or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_csv import BatchCheck, BatchRow, RefusedLine
from restart_desktop.ui.list_models import RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import buddy_label, documents_folder, ok_cancel

CSV_FILTER = "CSV files (*.csv);;All files (*)"
Index = QModelIndex | QPersistentModelIndex


def ask_csv_path(back_to: QWidget, start: Path | None = None) -> Path | None:
    """Ask which CSV file to import, starting in Documents (or where the last one was)."""
    chosen, _filter = QFileDialog.getOpenFileName(
        back_to,
        "Choose the partner's CSV file",
        str(start or documents_folder()),
        CSV_FILTER,
    )
    back_to.window().activateWindow()
    back_to.setFocus()
    return Path(chosen) if chosen else None


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _WholeTextTableModel(RowListTableModel[Any]):
    """A cell's whole text as its tooltip too (a narrow window may cut it)."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            role = Qt.ItemDataRole.DisplayRole
        return super().data(index, role)


class BatchRowsTableModel(_WholeTextTableModel):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "Line",
        "Name",
        "Prison number",
        "Prison",
        "Release",
        "Recommended by",
        "Recommended",
        "Screen",
    )

    def cells(self, row: BatchRow) -> Sequence[Any]:
        return (
            str(row.line),
            row.name,
            row.nomis_number,
            row.prison,
            _day(row.release_date),
            row.source,
            _day(row.recommended_on),
            row.screen,
        )


class RefusedLinesTableModel(_WholeTextTableModel):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Line", "Why it cannot be imported")

    def cells(self, refused: RefusedLine) -> Sequence[Any]:
        return (refused.where.capitalize() or "The file", refused.why)


def _table(model: RowListTableModel[Any], name: str) -> QTableView:
    """A read-only list; Enter goes on to the dialog's Import button."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab goes on to the next part of the dialog
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a long reason wraps
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class IntakeImportDialog(QDialog):
    """The file's check, then Import (Enter) or Cancel (Esc). ``imported``: the new cases."""

    def __init__(
        self,
        service: IntakeService,
        runner: TaskRunner,
        path: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import recommendations")
        self._service, self._runner, self.path = service, runner, path
        self.checked: BatchCheck | None = None
        self.imported: list[str] = []
        self.file = QLabel(str(path))
        self.file.setAccessibleName("File")
        self.file.setWordWrap(True)
        self.file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose = QPushButton("&Choose another file…")
        self.choose.clicked.connect(self._on_choose)
        self.again = QPushButton("Check a&gain")
        self.again.setToolTip("Read the file again, after correcting it in the spreadsheet")
        self.again.clicked.connect(self.check)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What the import would do")
        self.rows = BatchRowsTableModel(self)
        self.rows_table = _table(self.rows, "Recommendations the file would record")
        self.refused = RefusedLinesTableModel(self)
        self.refused_table = _table(self.refused, "Lines refused, with the reason")
        self.buttons = ok_cancel(self, "&Import", self._on_import)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setEnabled(False)
        self.rows_label = buddy_label("&Recommendations to import:", self.rows_table)
        self.refused_label = buddy_label("&Lines refused:", self.refused_table)
        self._layout()
        # Enter imports, from the lists too; set once in the dialog, or a button that has
        # the focus first (Choose another file) would stay the default.
        self.import_button.setDefault(True)
        self.resize(1100, 560)
        self.check()

    def _layout(self) -> None:
        explain = QLabel(
            "Recommendations from a referring partner's spreadsheet, saved as CSV UTF-8 "
            "(its columns are in the README). The file is imported whole or not at all: a "
            "refused line is corrected in the spreadsheet, then the file checked again."
        )
        explain.setWordWrap(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.choose)
        file_row.addWidget(self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(file_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows_label)
        layout.addWidget(self.rows_table, 3)
        layout.addWidget(self.refused_label)
        layout.addWidget(self.refused_table, 2)
        layout.addWidget(self.buttons)

    def check(self) -> None:
        """Read and check the file (in the background); nothing is recorded."""
        self.import_button.setEnabled(False)
        self.summary.setText(f"Checking {self.path.name}…")
        service, path = self._service, self.path
        self._runner.run(lambda: service.check_csv(path), self._on_checked, self._on_failed)

    def _on_checked(self, check: BatchCheck) -> None:
        self.checked = check
        self.rows.set_rows(list(check.rows))
        self.refused.set_rows(list(check.refused))
        self._show_parts(bool(check.rows), bool(check.refused))
        ready = len(check.rows)
        self.rows_label.setText(
            "&Recommendations to import:"
            if check.importable
            else "&Recommendations ready (none is imported while a line is refused):"
        )
        if check.importable:
            self.summary.setText(
                f"{_plural(ready, 'recommendation')} ready to go into the intake queue. "
                "Look them over, then Import (Enter); Cancel (Esc) imports nothing."
            )
            self.import_button.setText(f"&Import {_plural(ready, 'recommendation')}")
        else:
            self.summary.setText(
                f"{_plural(len(check.refused), 'line')} of {check.path.name} cannot be "
                "imported, so nothing will be. Correct "
                f"{'it' if len(check.refused) == 1 else 'them'} in the spreadsheet, save "
                "it as CSV UTF-8, then Check again (Alt+G)."
            )
            self.import_button.setText("&Import")
        self.import_button.setEnabled(check.importable)
        first = self.rows_table if check.importable else self.refused_table
        if first.model().rowCount():
            first.selectRow(0)
        first.setFocus()  # read from the keyboard; Enter imports (the default button)

    def _show_parts(self, rows: bool, refused: bool) -> None:
        for widget in (self.rows_label, self.rows_table):
            widget.setVisible(rows)
        for widget in (self.refused_label, self.refused_table):
            widget.setVisible(refused)

    def _on_failed(self, error: BaseException) -> None:
        """The file could not be read (gone, not UTF-8, a folder): said; nothing to list."""
        self.checked = None
        self._show_parts(False, False)
        self.summary.setText(user_message(error))
        self.import_button.setEnabled(False)
        self.again.setFocus()

    def _on_choose(self) -> None:
        chosen = ask_csv_path(self.choose, self.path.parent)
        if chosen is None:
            return
        self.path, self.checked = chosen, None
        self.file.setText(str(chosen))
        self.rows.set_rows([])
        self.refused.set_rows([])
        self.check()

    def _on_import(self) -> None:
        check = self.checked
        if check is None or not check.importable:
            return
        self.import_button.setEnabled(False)
        self.summary.setText("Importing…")
        service, path = self._service, self.path
        self._runner.run(lambda: service.import_csv(path, check), self._on_imported, self._failed)

    def _on_imported(self, ids: list[str]) -> None:
        self.imported = ids
        self.accept()

    def _failed(self, error: BaseException) -> None:
        """The import refused (the file changed, a person recorded meanwhile): said, and
        nothing imported; Check again shows why."""
        self.summary.setText(user_message(error))
        self.again.setFocus()
