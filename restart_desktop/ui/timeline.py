"""A person's contacts and actions: the timeline (newest first), the selected entry in full,
and the note editor when a contact is being written."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.notes import (
    ActionView,
    NoteService,
    NoteView,
    TimelineEntry,
    TimelineKind,
)
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.notes import ActionStatus
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.list_models import TEXT_ROLES, EnterTableView, Index, RowListTableModel
from restart_desktop.ui.note_dialogs import ActionDialog, AddendumDialog, CloseActionDialog
from restart_desktop.ui.note_editor import NoteEditor
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import buddy_label, run_dialog

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("When", "What", "Summary", "By / status")
COL_WHEN, COL_WHAT, COL_SUMMARY, COL_BY = range(len(COLUMNS))
SUMMARY_CHARS = 120
OVERDUE = QColor("#8a1c00")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1] + "…"


def action_state(action: ActionView) -> str:
    if action.status != ActionStatus.OPEN:
        return action.status.label
    if action.due_date is None:
        return "Open"
    return f"{'Overdue' if action.overdue else 'Due'} {action.due_date:%d/%m/%Y}"


class TimelineTableModel(RowListTableModel[TimelineEntry]):
    """The entries of one person's timeline, as given (newest first)."""

    COLUMNS = COLUMNS
    #: The zone times are shown in: the session clock's (None: the laptop's own).
    zone: dt.tzinfo | None = None

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        self.set_rows(entries)

    def entry(self, row: int) -> TimelineEntry | None:
        return self.row_item(row)

    def row_of(self, record_id: str) -> int:
        for row, entry in enumerate(self._rows):
            record = entry.note or entry.action or entry.event
            if record is not None and record.id == record_id:
                return row
        return -1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role in TEXT_ROLES:
            return self._display(entry, column)
        if role == ID_ROLE:
            record = entry.note or entry.action or entry.event
            return record.id if record else None
        if role == SORT_ROLE:
            return entry.at if column == COL_WHEN else self._display(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and entry.action and entry.action.overdue:
            return QBrush(OVERDUE)
        return None

    def _display(self, entry: TimelineEntry, column: int) -> str:
        if column == COL_WHEN:
            return local_text(entry.at, zone=self.zone)
        if entry.note is not None:
            note = entry.note
            if column == COL_WHAT:
                count = len(note.addenda)
                extra = f" (+{count} {'addendum' if count == 1 else 'addenda'})" if count else ""
                return note.contact_type.label + extra
            if column == COL_SUMMARY:
                return _one_line(note.not_seen_reason or note.text)
            return note.worker_name
        if entry.action is not None:
            action = entry.action
            if column == COL_WHAT:
                return "Action"
            if column == COL_SUMMARY:
                return _one_line(action.description)
            return action_state(action)
        if entry.event is not None:
            return (entry.event.what, entry.event.summary, entry.event.by)[column - 1]
        return ""


def note_html(note: NoteView, reference: ReferenceData, zone: dt.tzinfo | None = None) -> str:
    """The whole note and its addenda, for the reading pane (text escaped, never as markup);
    times in ``zone`` (the session clock's)."""
    needs = ", ".join(
        (reference.need(code).label if reference.need(code) else code)  # type: ignore[union-attr]
        for code in note.needs
    )
    facts = [
        f"<b>{html.escape(note.contact_type.label)}</b> on "
        + local_text(note.contact_at, "%A %d %B %Y, %H:%M", zone),
        f"By {html.escape(note.worker_name)}; finalised {local_text(note.finalised_at, zone=zone)}",
    ]
    if note.location:
        facts.append(f"Where: {html.escape(note.location)}")
    if note.duration_minutes:
        facts.append(f"Duration: {note.duration_minutes} minutes")
    if note.not_seen_reason:
        facts.append(f"Not seen because: {html.escape(note.not_seen_reason)}")
    if needs:
        facts.append(f"Needs discussed: {html.escape(needs)}")
    parts = ["<p>" + "<br>".join(facts) + "</p>", _paragraphs(note.text)]
    for addendum in note.addenda:
        parts.append(
            f"<hr><p><b>Addendum</b> by {html.escape(addendum.author)}, "
            f"{local_text(addendum.at, zone=zone)}</p>{_paragraphs(addendum.text)}"
        )
    if note.reviews:
        parts.append("<hr><p><b>Review</b></p>")
        for review in note.reviews:
            comment = f": {html.escape(review.comment)}" if review.comment else ""
            parts.append(
                f"<p>{local_text(review.at, zone=zone)} · {html.escape(review.action)} · "
                f"{html.escape(review.author)}{comment}</p>"
            )
    return "".join(parts)


def action_html(action: ActionView) -> str:
    owner = action.owner.label + (f" ({action.owner_detail})" if action.owner_detail else "")
    lines = [
        f"<b>Action</b>: {html.escape(action.description)}",
        f"Who: {html.escape(owner)}",
        f"State: {html.escape(action_state(action))}",
    ]
    if action.outcome:
        lines.append(f"Outcome: {html.escape(action.outcome)}")
    return "<p>" + "<br>".join(lines) + "</p>"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())


FILTERS = (
    ("Notes, actions and events", frozenset(TimelineKind)),
    ("Notes only", frozenset({TimelineKind.NOTE})),
    ("Actions only", frozenset({TimelineKind.ACTION})),
)


class TimelinePanel(QWidget):
    """Signals:
    changed(): a note, addendum or action written here was saved (every view showing it,
        this one too, refreshes from the change notice).
    """

    changed = Signal()

    def __init__(
        self,
        service: NoteService,
        runner: TaskRunner,
        reference: ReferenceData,
        person_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._reference = reference
        self.person_id = person_id
        self.person_name = ""  # set by the case file once it has loaded the person
        self.editor: NoteEditor | None = None
        self._select_after_load: str | None = None

        self.filter = QComboBox()
        self.filter.setAccessibleName("Show")
        for label, _kinds in FILTERS:
            self.filter.addItem(label)
        filter_label = buddy_label("Sh&ow:", self.filter)
        self.new_note_button = QPushButton("New contact note")
        self.new_note_button.setToolTip("Write a new contact note (Ctrl+Shift+N)")
        self.add_action_button = QPushButton("Add a&ction…")
        self.addendum_button = QPushButton("Add &addendum…")
        self.close_action_button = QPushButton("C&lose action…")
        self.model = TimelineTableModel(self)
        self.model.zone = service.clock.zone
        self.table = EnterTableView()  # Enter moves to the reading pane
        self.table.setModel(self.model)
        self.table.setAccessibleName("Contacts and actions, newest first")
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        for column, width in ((COL_WHEN, 120), (COL_WHAT, 170), (COL_BY, 150)):
            self.table.setColumnWidth(column, width)
        self.reader = QTextBrowser()
        self.reader.setAccessibleName("The selected note in full")
        self.reader.setOpenLinks(False)
        self.right = QStackedWidget()
        self.right.addWidget(self.reader)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Number of entries")

        top = QHBoxLayout()
        for widget in (
            filter_label,
            self.filter,
            self.new_note_button,
            self.add_action_button,
            self.addendum_button,
            self.close_action_button,
        ):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.count_label)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.filter.currentIndexChanged.connect(self.reload)
        self.new_note_button.clicked.connect(lambda: self.new_note())
        self.add_action_button.clicked.connect(self._on_add_action)
        self.addendum_button.clicked.connect(self._on_add_addendum)
        self.close_action_button.clicked.connect(self._on_close_action)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.row_activated.connect(lambda _row: self.reader.setFocus())
        self._update_buttons()
        self.reload()

    # --- loading --------------------------------------------------------------------------
    def reload(self, *_args: object) -> None:
        kinds = FILTERS[self.filter.currentIndex()][1]
        service, person_id = self._service, self.person_id
        self._runner.run(
            lambda: service.timeline(person_id, kinds), self._on_loaded, self._on_failed
        )

    def _on_loaded(self, entries: list[TimelineEntry]) -> None:
        keep = self._select_after_load or self.current_id()
        self._select_after_load = None
        self.model.set_entries(entries)
        notes = sum(1 for e in entries if e.note)
        actions = sum(1 for e in entries if e.action)
        events = len(entries) - notes - actions
        self.count_label.setText(
            f"{_count(notes, 'note')}, {_count(actions, 'action')}"
            + (f", {_count(events, 'event')}" if events else "")
        )
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and entries:
            row = 0
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, COL_WHEN))
        else:
            self.reader.setHtml("<p>No contacts or actions recorded yet.</p>")
        self._update_buttons()

    def _on_failed(self, error: BaseException) -> None:
        self.reader.setHtml(f"<p>{html.escape(user_message(error))}</p>")

    def current_entry(self) -> TimelineEntry | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        value = index.siblingAtColumn(COL_WHEN).data(ID_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def select_record(self, record_id: str) -> None:
        """Select a note or action (once loaded), e.g. a search result being opened."""
        row = self.model.row_of(record_id)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, COL_WHEN))
            self.table.setFocus()
        else:
            self._select_after_load = record_id

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current.row()) if current.isValid() else None
        if entry is not None and entry.note is not None:
            self.reader.setHtml(note_html(entry.note, self._reference, self._service.clock.zone))
        elif entry is not None and entry.action is not None:
            self.reader.setHtml(action_html(entry.action))
        elif entry is not None and entry.event is not None:
            self.reader.setHtml(
                f"<h3>{html.escape(entry.event.what)}</h3>"
                f"<p>{html.escape(entry.event.summary)}</p>"
                f"<p>Recorded by {html.escape(entry.event.by)}</p>"
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.current_entry()
        self.addendum_button.setEnabled(entry is not None and entry.note is not None)
        self.close_action_button.setEnabled(
            entry is not None
            and entry.action is not None
            and entry.action.status == ActionStatus.OPEN
        )

    # --- writing --------------------------------------------------------------------------
    def new_note(self, draft_id: str | None = None) -> NoteEditor:
        """Open the editor (or bring back the one open) and put the cursor in the text."""
        if self.editor is None:
            editor = NoteEditor(
                self._service, self._runner, self._reference, self.person_id, draft_id
            )
            editor.finalised.connect(self._on_note_finalised)
            editor.discarded.connect(self._close_editor)
            self.right.addWidget(editor)
            self.editor = editor
        self.right.setCurrentWidget(self.editor)
        self.editor.focus_text()
        return self.editor

    def save_draft_now(self) -> None:
        if self.editor is not None:
            self.editor.save_now()

    def _on_note_finalised(self, note_id: str) -> None:
        self._close_editor()
        self._select_after_load = note_id  # shown by the reload its change notice starts
        self.changed.emit()

    def _close_editor(self) -> None:
        if self.editor is not None:
            self.right.setCurrentWidget(self.reader)
            self.right.removeWidget(self.editor)
            self.editor.deleteLater()
            self.editor = None
        self.table.setFocus()

    def _on_add_addendum(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.note is None:
            return
        dialog = AddendumDialog(entry.note, self._service.clock.zone, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, note_id, body = self._service, entry.note.id, dialog.text.toPlainText()
        self._runner.run(
            lambda: service.add_addendum(note_id, body),
            lambda _addendum_id: self._after_write(note_id),
            self._on_failed,
        )

    def _on_add_action(self) -> None:
        dialog = ActionDialog(self._service.clock.today(), self.person_name, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        entry = self.current_entry()
        note_id = entry.note.id if entry is not None and entry.note is not None else None
        service, person_id = self._service, self.person_id
        description = dialog.description.text()
        owner, detail, due = (
            dialog.owner.currentData(),
            dialog.owner_detail.text(),
            (dialog.due_date()),
        )
        self._runner.run(
            lambda: service.add_action(person_id, description, owner, detail, due, note_id),
            self._after_write,
            self._on_failed,
        )

    def _on_close_action(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.action is None:
            return
        dialog = CloseActionDialog(entry.action.description, entry.action.person_name, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, action_id = self._service, entry.action.id
        status, outcome = dialog.chosen(), dialog.outcome.text()
        self._runner.run(
            lambda: service.close_action(action_id, status, outcome),
            lambda _none: self._after_write(action_id),
            self._on_failed,
        )

    def _after_write(self, record_id: object) -> None:
        if isinstance(record_id, str):
            self._select_after_load = record_id  # shown by the reload its notice starts
        self.changed.emit()
