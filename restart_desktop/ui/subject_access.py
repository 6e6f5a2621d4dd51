"""The subject access export in the window: gather everything held about the person in the
background, let the worker review the names of other people found in the records, then draw
the PDF (documents/subject_access.py, on a thread of its own) and write it with the JSON file
into the folder the worker chose. The command line calls the same drawing directly.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.errors import UserError
from restart_desktop.app.subject_access import (
    ExportResult,
    SubjectAccessService,
    SubjectRecords,
    check_folder,
    export_paths,
    withhold,
)
from restart_desktop.documents.subject_access import draw_pdf
from restart_desktop.domain.redaction import WITHHELD, NameCandidate
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.list_models import TEXT_ROLES, Index
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import buddy_label


class ExportDrawThread(QThread):
    """Withholds the chosen names and draws the PDF on a Qt thread of its own (Qt text layout
    needs a thread with an event dispatcher; the database worker has none).

    Signals:
        drawn(object): (the redacted SubjectRecords, the PDF's bytes).
        failed(object): the exception that stopped it.
    """

    drawn = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        records: SubjectRecords,
        withheld: Collection[str],
        reference: ReferenceData,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._records = records
        self._withheld = tuple(withheld)
        self._reference = reference

    def run(self) -> None:
        try:
            redacted = withhold(self._records, self._withheld)
            self.drawn.emit((redacted, draw_pdf(redacted, self._reference)))
        except Exception as error:  # reported in the dialog, in words
            self.failed.emit(error)


# --- the review list ------------------------------------------------------------------------
class NameCandidateTableModel(QAbstractTableModel):
    """The likely names of other people, most frequent first (a short list, in the order the
    finder gives): ticked names are withheld (all, to start with)."""

    NAME, COUNT = range(2)
    COLUMNS = ("Name found", "Places")  # in the records and their earlier values

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[NameCandidate] = []
        self._ticked: list[bool] = []

    def set_candidates(self, candidates: Collection[NameCandidate]) -> None:
        self.beginResetModel()
        self._rows = list(candidates)
        self._ticked = [True] * len(self._rows)
        self.endResetModel()

    def chosen(self) -> list[str]:
        return [c.name for c, ticked in zip(self._rows, self._ticked, strict=True) if ticked]

    def set_all(self, ticked: bool) -> None:
        self._ticked = [ticked] * len(self._rows)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._rows) - 1, 0),
                [Qt.ItemDataRole.CheckStateRole],
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.NAME:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        candidate, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.CheckStateRole and column == self.NAME:
            ticked = self._ticked[index.row()]
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role in TEXT_ROLES:
            if column == self.NAME:
                if role == Qt.ItemDataRole.AccessibleTextRole:
                    state = "withheld" if self._ticked[index.row()] else "kept"
                    return f"{candidate.name}, {state}"
                return candidate.name
            return str(candidate.count)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.CheckStateRole
            or not index.isValid()
            or index.column() != self.NAME
            or not 0 <= index.row() < len(self._rows)
        ):
            return False
        state = value.value if isinstance(value, Qt.CheckState) else value
        self._ticked[index.row()] = state == Qt.CheckState.Checked.value
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


# --- the dialog -----------------------------------------------------------------------------
class SubjectAccessDialog(QDialog):
    """Review and write one person's subject access export. No name in the title: a window
    title shows in task switchers.

    Signals:
        exported(object): the ExportResult of files written.
    """

    exported = Signal(object)

    def __init__(
        self,
        service: SubjectAccessService,
        runner: TaskRunner,
        person_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Subject access export")
        self._service = service
        self._runner = runner
        self._person_id = person_id
        self._records: SubjectRecords | None = None
        self._thread: ExportDrawThread | None = None
        self._busy = False
        self._closed = False
        intro = QLabel(
            "A PDF and a JSON file with everything held about this person: case details, "
            "contact notes and addenda, release plans, referrals, assessments, reviews, "
            "earlier values and the audit trail of the record. They are written only into "
            "the folder you choose; the export is recorded in the audit trail."
        )
        intro.setWordWrap(True)
        self.message = QLabel("Gathering the records…")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Export message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        names_label = QLabel("&Names of other people found in the records:")
        explain = QLabel(
            f"Ticked names are replaced by {WITHHELD} in both files. Untick "
            "anything that is not another person's name (a place, a service)."
        )
        explain.setWordWrap(True)
        self.model = NameCandidateTableModel(self)
        self.names = QTableView()
        self.names.setModel(self.model)
        self.names.setAccessibleName("Names to withhold")
        self.names.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.names.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.names.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.names.setTabKeyNavigation(False)
        self.names.verticalHeader().hide()
        header = self.names.horizontalHeader()
        header.setSectionResizeMode(NameCandidateTableModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(
            NameCandidateTableModel.COUNT, QHeaderView.ResizeMode.ResizeToContents
        )
        names_label.setBuddy(self.names)
        self.tick_all = QPushButton("Tick &all")
        self.tick_none = QPushButton("Tick n&one")
        ticks = QHBoxLayout()
        ticks.addWidget(self.tick_all)
        ticks.addWidget(self.tick_none)
        ticks.addStretch(1)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder for the two files")
        self.folder.setPlaceholderText("Choose a folder (an encrypted drive, not a shared one)")
        folder_label = buddy_label("&Folder:", self.folder)
        self.choose = QPushButton("C&hoose…")
        folder_row = QHBoxLayout()
        folder_row.addWidget(folder_label)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setRange(0, 0)
        self.write_button = QPushButton("&Write export")
        self.write_button.setEnabled(False)
        self.write_button.setDefault(True)
        self.close_button = QPushButton("&Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.message)
        layout.addWidget(names_label)
        layout.addWidget(explain)
        layout.addWidget(self.names, 1)
        layout.addLayout(ticks)
        layout.addLayout(folder_row)
        layout.addLayout(buttons)
        self.resize(620, 520)
        self.tick_all.clicked.connect(lambda: self.model.set_all(True))
        self.tick_none.clicked.connect(lambda: self.model.set_all(False))
        self.choose.clicked.connect(self._on_choose_clicked)
        self.write_button.clicked.connect(self._on_write_clicked)
        self.close_button.clicked.connect(self.reject)
        self.folder.textChanged.connect(self._update_buttons)
        self.finished.connect(self._on_finished)
        self._set_busy(True)
        runner.run(lambda: service.gather(person_id), self._on_gathered, self._on_failed)

    # --- state ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if self._closed and not busy:
            self.deleteLater()  # closed while working: gone once the work is over
            return
        self.progress.setVisible(busy)
        for widget in (self.choose, self.folder, self.tick_all, self.tick_none, self.names):
            widget.setEnabled(not busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.write_button.setEnabled(
            not self._busy and self._records is not None and bool(self.folder.text().strip())
        )

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))
        self._set_busy(False)

    def _on_gathered(self, records: SubjectRecords) -> None:
        self._records = records
        self.model.set_candidates(records.candidates)
        held = sum(len(rows) for rows in records.tables.values())
        found = len(records.candidates)
        if found:
            review = (
                f"{found} possible name{'s' if found != 1 else ''} of other people "
                "found: check the list below, then choose the folder."
            )
        else:
            review = "No names of other people were found. Choose the folder."
        self.message.setText(f"{held:,} records gathered. {review}")
        self._set_busy(False)
        if found:
            self.names.setCurrentIndex(self.model.index(0, NameCandidateTableModel.NAME))
            self.names.setFocus()
        else:
            self.folder.setFocus()

    # --- writing --------------------------------------------------------------------------
    def _on_choose_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose the folder for the export", self.folder.text()
        )
        if folder:
            self.folder.setText(folder)
            self.write_button.setFocus()

    def _on_write_clicked(self) -> None:
        records, text = self._records, self.folder.text().strip()
        if records is None or self._busy:
            return
        if not text:
            self.message.setText("Choose the folder for the two files first.")
            return
        folder = Path(text).expanduser()
        withheld = self.model.chosen()
        self._set_busy(True)
        self.message.setText("Checking the folder…")
        self._runner.run(
            lambda: check_folder(folder, export_paths(records, folder)),
            lambda _: self._draw(records, withheld, folder),
            self._on_failed,
        )

    def _draw(self, records: SubjectRecords, withheld: list[str], folder: Path) -> None:
        self.message.setText("Drawing the PDF…")
        # Parented to the application: a lock closes the dialog, the thread finishes anyway.
        thread = ExportDrawThread(
            records, withheld, self._service.reference, QCoreApplication.instance()
        )
        thread.drawn.connect(lambda drawn: self._write(drawn, folder))
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_thread_done)
        self._thread = thread
        thread.start()

    def _on_thread_done(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        self._thread = None

    def _write(self, drawn: tuple[SubjectRecords, bytes], folder: Path) -> None:
        self.message.setText("Writing the files…")
        service = self._service
        redacted, pdf = drawn
        try:
            self._runner.run(
                lambda: service.write(redacted, folder, pdf), self._on_written, self._on_failed
            )
        except RuntimeError:  # the app is quitting: its database worker has stopped
            self._on_failed(UserError("RESTART Desktop was closing: nothing was written."))

    def _on_written(self, result: ExportResult) -> None:
        self._set_busy(False)
        withheld = (
            f" {result.names_withheld} name{'s' if result.names_withheld != 1 else ''}"
            f" withheld in {result.places_withheld} places."
            if result.names_withheld
            else " Nothing was withheld."
        )
        self.message.setText(
            f"Written to {result.pdf.parent}: {result.pdf.name} and "
            f"{result.json.name}.{withheld} The export is in the audit "
            "trail."
        )
        self.write_button.setEnabled(False)  # once is enough: the files are there now
        self.close_button.setFocus()
        self.exported.emit(result)

    def reject(self) -> None:
        """Close (also on lock, which closes every dialog: this one lists names). Work under
        way finishes in the background."""
        self.model.set_candidates([])
        super().reject()

    def _on_finished(self, _result: int) -> None:
        self._closed = True
        if not self._busy:
            self.deleteLater()
