"""The audit trail on screen: a supervisor's whole log (a tab of its own) and one case's trail
(from its case file), newest first, filtered in SQL by worker, action, person and dates, with
a check of every device's hash chain.

Reading the trail records nothing in it: looking at who looked is not itself a look at a case.

Keyboard: each filter has an Alt letter (Worker W, Action C, Person P, From M, To T); a
filter applies as soon as it changes (a date when Enter is pressed or the field is left).
Enter on an entry narrows the trail to that entry's person. Alt+K checks the chain.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.audit import AuditFilter, AuditService, AuditView, ChainCheck
from restart_desktop.domain.audit import AuditAction, detail_in_words
from restart_desktop.domain.case import CASE_FIELD_LABELS
from restart_desktop.domain.clock import Clock
from restart_desktop.ui.list_models import TEXT_ROLES, EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import DateField, buddy_label

SHOWN = 1000  # the newest entries matching the filters; narrower filters reach older ones
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("When", "Worker", "Device", "Action", "Person", "Detail")
COL_WHEN, COL_WORKER, COL_DEVICE, COL_ACTION, COL_PERSON, COL_DETAIL = range(len(COLUMNS))
ANYONE = "Anyone"
ANY_ACTION = "Any action"
ANY_PERSON = "Any person"
BROKEN_STYLE = "color: #a00000; font-weight: 600;"


def chain_message(check: ChainCheck) -> str:
    """The result of "Check the chain" in words."""
    if not check.broken:
        entries = "entry" if check.entries == 1 else "entries"
        devices = "device" if check.devices == 1 else "devices"
        return (
            f"The audit trail is intact ({check.entries:,} {entries} on {check.devices} {devices})."
        )
    lines = []
    for link in check.broken:
        label = check.device_labels.get(link.device_id)
        device = f"{label} ({link.device_id})" if label else link.device_id
        lines.append(f"Broken: device {device}, entry {link.seq}: {link.why}.")
    return "\n".join(lines)


class AuditTableModel(RowListTableModel[AuditView]):
    """Entries as read (newest first); ``SORT_ROLE`` gives each column's native value."""

    COLUMNS = COLUMNS

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_item(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role in TEXT_ROLES:
            if column == COL_WHEN:
                return self._clock.local_text(entry.at, "%d/%m/%Y %H:%M:%S")
            return (
                None,
                entry.worker,
                entry.device,
                entry.label,
                entry.person,
                detail_in_words(entry.detail, CASE_FIELD_LABELS),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_DETAIL and entry.detail:
            return detail_in_words(entry.detail, CASE_FIELD_LABELS)
        if role == ID_ROLE:
            return f"{entry.device_id}:{entry.seq}"
        if role == SORT_ROLE:
            if column == COL_WHEN:
                return entry.at
            return (
                None,
                entry.worker,
                entry.device,
                entry.label,
                entry.person,
                entry.detail,
            )[column]
        return None


class AuditSortProxyModel(QSortFilterProxyModel):
    """Sorts on ``SORT_ROLE``; equal values keep the trail's order (sorted newest first, two
    entries of the same second stay in the order they were written, the later first)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a == b:
            return left.row() > right.row()
        return bool(a < b)


class AuditTrailView(QWidget):
    """The trail with its filters; ``person`` given (id, name) fixes it to one case's trail.

    The whole log is a supervisor's (the service refuses it to a worker); a case's own trail
    is anyone's who holds the case.
    """

    def __init__(
        self,
        service: AuditService,
        runner: TaskRunner,
        person: tuple[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._fixed_person = person
        self._generation = 0
        self._workers_loaded = False
        self.worker = QComboBox()
        self.worker.setAccessibleName("Worker who did it")
        self.worker.addItem(ANYONE, None)
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem(ANY_ACTION, None)
        for action in AuditAction:
            self.action.addItem(action.label, action.value)
        self.person = QComboBox()
        self.person.setAccessibleName("Person whose case it was about")
        self.person.setMinimumContentsLength(18)
        self.person.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        if person is None:
            self.person.addItem(ANY_PERSON, None)
        else:
            self.person.addItem(person[1], person[0])
            self.person.setEnabled(False)
        self.date_from = DateField("From this day (empty: no limit)")
        self.date_from.setToolTip("Empty: from the first entry")
        self.date_to = DateField("Up to this day (empty: no limit)")
        self.date_to.setToolTip("Empty: up to now")
        for field in (self.date_from, self.date_to):
            field.setMaximumWidth(120)
        self.clear_button = QPushButton("C&lear filters")
        self.check_button = QPushButton("Chec&k the chain")
        self.check_button.setToolTip(
            "Check that no entry was altered or removed behind the "
            "application's back (every laptop's entries)"
        )
        if person is not None:  # the chain covers the whole log: a supervisor's
            self.check_button.hide()  # (setVisible(True) here would show it as a window)
        filters = QHBoxLayout()
        for caption, widget in (
            ("&Worker:", self.worker),
            ("A&ction:", self.action),
            ("&Person:", self.person),
            ("Fro&m:", self.date_from),
            ("&To:", self.date_to),
        ):
            buddy = buddy_label(caption, widget)
            filters.addWidget(buddy)
            filters.addWidget(widget)
        filters.addWidget(self.clear_button)
        filters.addStretch(1)
        filters.addWidget(self.check_button)
        self.count = QLabel("")
        self.count.setAccessibleName("Number of entries shown")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Audit trail message")
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.message.hide()

        self.model = AuditTableModel(service.clock, self)
        self.proxy = AuditSortProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = EnterTableView()
        self.table.setModel(self.proxy)
        self.table.setTabKeyNavigation(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_WHEN, Qt.SortOrder.DescendingOrder)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAccessibleName(
            "Audit trail, newest first: Enter shows only that entry's person"
            if person is None
            else "Audit trail of the case, newest first"
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_DETAIL, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (COL_WHEN, 150),
            (COL_WORKER, 190),
            (COL_DEVICE, 170),
            (COL_ACTION, 170),
            (COL_PERSON, 190),
        ):
            self.table.setColumnWidth(column, width)
        self.table.row_activated.connect(self._on_row_activated)
        # The entry moved to, whole: its detail is cut to the column (the tooltip that holds
        # it is the mouse's alone).
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("The selected entry, whole")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.count)
        for combo in (self.worker, self.action, self.person):
            combo.currentIndexChanged.connect(self.refresh)
        for field in (self.date_from, self.date_to):
            field.editingFinished.connect(self._on_date_edited)
        # The dates as last applied: leaving a field unchanged reads nothing again.
        self._dates: tuple[dt.date | None, dt.date | None] = (None, None)
        self._date_problem = False
        self.clear_button.clicked.connect(self.clear_filters)
        self.check_button.clicked.connect(self.check_chain)

    # --- filters --------------------------------------------------------------------------
    def wanted(self) -> AuditFilter:
        action = self.action.currentData()
        return AuditFilter(
            person_id=self.person.currentData(),
            worker_id=self.worker.currentData(),
            action=AuditAction(action) if action else None,
            date_from=self._dates[0],
            date_to=self._dates[1],
        )

    def show_person(self, person_id: str, name: str, refresh: bool = True) -> None:
        """Narrow the trail to one person's case (the person stays in the list to go back);
        read it again now unless ``refresh`` is False (the caller reads it next)."""
        if self._fixed_person is not None:
            return
        index = self.person.findData(person_id)
        if index < 0:
            self.person.addItem(name or "A person no longer on this laptop", person_id)
            index = self.person.count() - 1
        self.person.blockSignals(True)
        self.person.setCurrentIndex(index)
        self.person.blockSignals(False)
        if refresh:
            self.refresh()

    def clear_filters(self) -> None:
        for combo in (self.worker, self.action, self.person):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.date_from.clear()
        self.date_to.clear()
        self._dates = (None, None)
        self.refresh()

    def _on_date_edited(self) -> None:
        try:
            dates = (self.date_from.date_value(), self.date_to.date_value())
        except ValueError as error:
            self._date_problem = True
            self._say(str(error), problem=True)
            return
        if dates[0] and dates[1] and dates[1] < dates[0]:
            self._date_problem = True
            self._say(
                "The 'To' day is before the 'From' day, so no entry can match: check "
                "the two dates.",
                problem=True,
            )
            return
        if self._date_problem:
            self._date_problem = False
            self._say("")
        if dates != self._dates:
            self._dates = dates
            self.refresh()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.row_item(self.proxy.mapToSource(current).row())
        if entry is None:
            self.detail.clear()
            return
        when = current.siblingAtColumn(COL_WHEN).data()
        about = f", {entry.person}" if entry.person else ""
        words = detail_in_words(entry.detail, CASE_FIELD_LABELS)
        self.detail.setText(
            f"{when}, {entry.worker} ({entry.device}): {entry.label}{about}."
            + (f" {words}" if words else "")
        )

    def _on_row_activated(self, row: int) -> None:
        entry = self.model.row_item(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
        if entry is None or entry.person_id is None:
            return
        self.show_person(entry.person_id, entry.person)
        self.table.setFocus()

    # --- loading --------------------------------------------------------------------------
    def focus_first(self) -> None:
        self.table.setFocus()

    def refresh(self) -> None:
        """Read the entries matching the filters (on the database thread)."""
        self._generation += 1
        generation, service, wanted = self._generation, self._service, self.wanted()
        if not self._workers_loaded:
            person = self._fixed_person[0] if self._fixed_person else None
            self._runner.run(lambda: service.workers(person), self._on_workers, lambda _error: None)
        self.count.setText("Reading the audit trail…")
        self._runner.run(
            lambda: service.entries(wanted, SHOWN + 1),
            lambda entries: self._on_loaded(generation, entries),
            lambda error: self._on_failed(generation, error),
        )

    def _on_workers(self, workers: list[tuple[str, str]]) -> None:
        self._workers_loaded = True
        current = self.worker.currentData()
        self.worker.blockSignals(True)
        self.worker.clear()
        self.worker.addItem(ANYONE, None)
        for worker_id, name in workers:
            self.worker.addItem(name, worker_id)
        self.worker.setCurrentIndex(max(self.worker.findData(current), 0))
        self.worker.blockSignals(False)

    def _on_loaded(self, generation: int, entries: list[AuditView]) -> None:
        if generation != self._generation:
            return  # a filter changed while this was read: the newer answer follows
        more = len(entries) > SHOWN
        had_focus = self.table.hasFocus()
        self.model.set_rows(entries[:SHOWN])
        if more:
            self.count.setText(
                f"Showing the newest {SHOWN:,} entries; narrow the filters to see older ones."
            )
        elif entries:
            self.count.setText(
                f"{len(entries):,} entr{'y' if len(entries) == 1 else 'ies'}, newest first."
            )
        else:
            self.count.setText("No entries match these filters.")
        if entries:
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        if had_focus:
            self.table.setFocus()

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.count.setText("")
            self._say(user_message(error), problem=True)

    # --- the chain ------------------------------------------------------------------------
    def check_chain(self) -> None:
        """Check every device's chain on the database thread (a big log takes seconds)."""
        self.check_button.setEnabled(False)
        self._say("Checking the chain of every laptop's entries…")
        self._runner.run(self._service.check, self._on_checked, self._on_check_failed)

    def _on_checked(self, check: ChainCheck) -> None:
        self.check_button.setEnabled(True)
        self._say(chain_message(check), problem=bool(check.broken))

    def _on_check_failed(self, error: BaseException) -> None:
        self.check_button.setEnabled(True)
        self._say(user_message(error), problem=True)

    def _say(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(BROKEN_STYLE if problem else "")
        self.message.setVisible(bool(text))


class CaseAuditDialog(QDialog):
    """One case's audit trail, from its case file: who opened, changed or exported it."""

    def __init__(
        self,
        service: AuditService,
        runner: TaskRunner,
        person_id: str,
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The person's name stays out of the window title (titles reach task bars and
        # window lists); it is inside the dialog.
        self.setWindowTitle("Audit trail of a case")
        self.trail = AuditTrailView(service, runner, (person_id, name), self)
        intro = QLabel(
            f"Who opened, searched, changed, exported or synced the case of "
            f"<b>{html.escape(name)}</b>, newest first."
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.trail, 1)
        layout.addWidget(buttons)
        self.resize(1100, 560)
        self.trail.refresh()
        self.trail.focus_first()
