"""The programme's figures for a period (a supervisor's view): each table with its chart, by
programme, partner organisation or worker, and the board pack written in the background."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.evaluation import EvaluationService
from restart_desktop.app.figures import DEFAULT_GROUPING, GROUPINGS, FiguresService
from restart_desktop.documents.board_pack import PROGRAMME, bars_of, write_board_pack
from restart_desktop.domain.figures import Figures, Period, Table, last_full_quarter
from restart_desktop.ui.charts import BarChart
from restart_desktop.ui.evaluation_dialog import EvaluationExtractDialog
from restart_desktop.ui.list_models import TEXT_ROLES, EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import DateField, buddy_label, documents_folder


class FigureTableModel(RowListTableModel[list[str]]):
    """One figures table as shown in the app (the supervisor's own figures: no suppression)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: tuple[str, ...] = ()

    def set_table(self, table: Table | None) -> None:
        self._columns = table.columns if table else ()
        self.set_rows(table.text_rows(suppress=False) if table else [])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_item(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in TEXT_ROLES:
            return row[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BoardPackThread(QThread):
    """Writes the board pack on a Qt thread of its own (Qt text layout and PDF output need a
    thread with an event dispatcher).

    Signals:
        progress(int, int): files written, files in all.
        written(object): the list of Paths written.
        failed(object): the exception that stopped it.
    """

    progress = Signal(int, int)
    written = Signal(object)
    failed = Signal(object)

    def __init__(self, figures: Figures, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._figures = figures
        self._folder = folder

    def run(self) -> None:
        try:
            self.written.emit(
                write_board_pack(self._figures, self._folder, PROGRAMME, self.progress.emit)
            )
        except Exception as error:  # reported in the view, in words
            self.failed.emit(error)


class FiguresView(QWidget):
    def __init__(
        self, service: FiguresService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._figures: Figures | None = None
        self._thread: BoardPackThread | None = None
        today = self._today()
        self.start = DateField("First day of the period")
        quarter = last_full_quarter(today)  # what a board meeting reports on
        self.start.set_date(quarter.start)
        self.end = DateField("Last day of the period")
        self.end.set_date(quarter.end)
        self.group = QComboBox()
        self.group.setAccessibleName("Break the figures down by")
        for code, label in GROUPINGS.items():
            self.group.addItem(label, code)
        self.group.setCurrentIndex(self.group.findData(DEFAULT_GROUPING))
        self.show_button = QPushButton("Sho&w figures")  # Alt+S: the Settings menu
        self.pack_button = QPushButton("Board &pack…")
        self.pack_button.setToolTip(
            "Write the PDF and CSV files for the board (no names; numbers under 5 shown as "
            "<5, except the barriers escalated to the board, which it lists one by one)"
        )
        self.extract_button = QPushButton("E&valuation extract…")
        self.extract_button.setToolTip("Pseudonymised data for the evaluators, with a codebook")
        self.extract_button.clicked.connect(self._on_extract)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Board pack progress")
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Figures message")
        top = QHBoxLayout()
        for caption, widget in (("Fro&m:", self.start), ("&To:", self.end), ("&By:", self.group)):
            buddy = buddy_label(caption, widget)
            top.addWidget(buddy)
            top.addWidget(widget)
        top.addWidget(self.show_button)
        top.addStretch(1)
        top.addWidget(self.progress)
        top.addWidget(self.pack_button)
        top.addWidget(self.extract_button)
        self.tables = QListWidget()
        self.tables.setAccessibleName("Figures tables")
        self.tables.setMaximumWidth(340)
        self.tables.setWordWrap(True)  # long titles wrap rather than end in "..."
        self.tables.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.model = FigureTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName("The chosen table's figures")
        # Columns as wide as their headings ("Day before a bank holiday"), not squeezed.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("How the figures are counted")
        self.chart = BarChart()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.note)
        right_layout.addWidget(self.chart, 1)
        splitter = QSplitter()
        splitter.addWidget(self.tables)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.show_button.clicked.connect(self.refresh)
        for field in (self.start, self.end):  # Enter in a date shows that period's figures
            field.returnPressed.connect(self.refresh)
        self.pack_button.clicked.connect(self._on_pack)
        self.tables.currentRowChanged.connect(self._on_table_chosen)

    def _period(self) -> Period | None:
        dates: list[dt.date | None] = []
        for field in (self.start, self.end):
            try:
                dates.append(field.date_value())
            except ValueError as error:
                self._refuse(str(error), field)
                return None
        start, end = dates
        if start is None or end is None:
            empty = self.start if start is None else self.end
            self._refuse("Give the first and the last day of the period.", empty)
            return None
        if end < start:
            self._refuse("The period ends before it starts: check the two dates.", self.start)
            return None
        return Period(start, end)

    def _refuse(self, problem: str, field: DateField) -> None:
        """Say what is wrong with the period, and whose figures are still on the screen (the
        heading naming them gives way to the message); the keyboard goes to ``field``."""
        shown = self._figures
        still = f" The figures below are still those for {shown.period.label}." if shown else ""
        self.message.setText(problem + still)
        field.setFocus()
        field.selectAll()

    def focus_first(self) -> None:
        self.start.setFocus()

    def refresh(self) -> None:
        period = self._period()
        if period is None:
            return
        self.message.setText("Working out the figures…")
        service, group = self._service, str(self.group.currentData())
        self._runner.run(lambda: service.figures(period, group), self._on_figures, self._on_failed)

    def _on_figures(self, figures: Figures) -> None:
        self._figures = figures
        self.message.setText(
            f"Figures for {figures.period.label}, by {GROUPINGS[figures.group_by].lower()}."
        )
        row = max(self.tables.currentRow(), 0)
        self.tables.blockSignals(True)
        self.tables.clear()
        for table in figures.tables:
            self.tables.addItem(table.title)
            self.tables.item(self.tables.count() - 1).setToolTip(table.title)
        self.tables.blockSignals(False)
        self.tables.setCurrentRow(min(row, self.tables.count() - 1))
        self._on_table_chosen(self.tables.currentRow())

    def _on_table_chosen(self, row: int) -> None:
        if self._figures is None or not 0 <= row < len(self._figures.tables):
            return
        table = self._figures.tables[row]
        self.model.set_table(table)
        self.note.setText(table.note)
        self.chart.set_bars(bars_of(table, suppress=False) if table.chart == "bar" else ())
        self.chart.setVisible(table.chart == "bar")

    def _today(self) -> dt.date:
        """The session's day, for the default period."""
        return self._service.clock.today()

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))
        self.progress.hide()
        self.pack_button.setEnabled(True)

    def _on_extract(self) -> None:
        """The evaluation extract, for the period shown (changeable in the dialog)."""
        today = self._today()
        try:
            quarter = last_full_quarter(today)
            start = self.start.date_value() or quarter.start
            end = self.end.date_value() or quarter.end
        except ValueError:
            start, end = last_full_quarter(today).start, last_full_quarter(today).end
        dialog = EvaluationExtractDialog(
            EvaluationService(self._service.session), self._runner, start, end, self
        )
        dialog.exec()

    # --- the board pack ------------------------------------------------------------------
    def _on_pack(self) -> None:
        period = self._period()
        if period is None or self._thread is not None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, "Choose the folder for the board pack", str(documents_folder())
        )
        if not folder:
            return
        self.start_pack(period, Path(folder))

    def start_pack(self, period: Period, folder: Path) -> None:
        """Work out the figures, then write the pack, both off the window's thread."""
        self.pack_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.setText("Making the board pack…")
        group = "organisation" if self.group.currentData() != "programme" else "programme"
        service = self._service
        self._runner.run(
            lambda: service.report(period, group),
            lambda figures: self._write(figures, folder),
            self._on_failed,
        )

    def _write(self, figures: Figures, folder: Path) -> None:
        thread = BoardPackThread(figures, folder, self)
        thread.progress.connect(self._on_progress)
        thread.written.connect(self._on_written)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_thread_done)
        self._thread = thread
        thread.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_written(self, paths: list[Path]) -> None:
        self.progress.hide()
        self.message.setText(
            f"Board pack written to {paths[-1].parent}: {paths[-1].name} and "
            f"{len(paths) - 1} CSV files."
        )

    def _on_thread_done(self) -> None:
        self._thread = None
        self.pack_button.setEnabled(True)

    def busy(self) -> bool:
        return self._thread is not None
