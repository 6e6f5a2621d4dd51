"""The supervisor's review queue: workers' finalised notes, release days and referrals waiting
for review, oldest first, with a reading pane and the review actions.

Keyboard: the list takes Up and Down (or Alt+N / Alt+P from anywhere in the view); Tab goes to
the comment box; Alt+R signs off, Alt+C comments, Alt+T returns for correction with the
comment. After an action the next item is shown, so a supervisor can work down the queue
without the mouse.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.case_views import WorkerOption
from restart_desktop.app.review import ReviewDetail, ReviewFilter, ReviewRow, ReviewService
from restart_desktop.domain.clock import date_text, local_text
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.review import ReviewAction, ReviewItemKind, ReviewState
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import DateField, buddy_label

SHOWN = 500  # rows loaded at once: the oldest first, which is what is worked on
BETWEEN = -1  # the period's "Between two dates" choice: the From and Up to fields
PERIODS = (
    ("Any time", None),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Between two dates", BETWEEN),
)


class ReviewTableModel(RowListTableModel[ReviewRow]):
    COLUMNS = ("Date", "Type", "Person", "Worker")

    def remove_item(self, item_id: str) -> int | None:
        """Take a row out (it has left the list shown); returns where it was."""
        for row, item in enumerate(self._rows):
            if item.item_id == item_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
                return row
        return None

    def cells(self, row: ReviewRow) -> Sequence[Any]:
        return (date_text(row.when), row.kind.label, row.person_name, row.worker_name)


def detail_html(detail: ReviewDetail, zone: dt.tzinfo | None = None) -> str:
    """The reading pane: the record, then what has been said about it (times in ``zone``,
    the session clock's)."""
    parts = [
        f"<h3>{html.escape(detail.title)}</h3>",
        f"<p>By {html.escape(detail.worker_name)} · {html.escape(detail.state.label)}</p>",
    ]
    for label, text in detail.body:
        body = html.escape(text).replace("\n", "<br>")
        parts.append(f"<p><b>{html.escape(label)}</b><br>{body}</p>")
    if detail.history:
        parts.append("<h4>Review</h4>")
        for entry in detail.history:
            comment = f": {html.escape(entry.comment)}" if entry.comment else ""
            when = local_text(entry.at, zone=zone)
            parts.append(
                f"<p>{when}, {html.escape(entry.author)}, "
                f"<b>{html.escape(entry.action.label)}</b>{comment}</p>"
            )
    return "".join(parts)


class ReviewView(QWidget):
    """Signals:
    case_requested(str): open this person's case file.
    reviewed(): an action was recorded (the sync sends it).
    """

    case_requested = Signal(str)
    reviewed = Signal()

    def __init__(
        self,
        service: ReviewService,
        runner: TaskRunner,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._detail: ReviewDetail | None = None
        self._reading: str | None = None  # the record the reviewer is on (audited once)
        self._keep_row = 0
        self._total = 0
        self.kind = QComboBox()
        self.kind.setAccessibleName("Type of record")
        self.kind.addItem("All types", None)
        for kind in ReviewItemKind:
            self.kind.addItem(kind.label, kind.value)
        self.worker = QComboBox()
        self.worker.setAccessibleName("Worker")
        self.worker.addItem("All workers", None)
        self.organisation = QComboBox()
        self.organisation.setAccessibleName("Partner organisation")
        self.organisation.addItem("All organisations", None)
        for organisation in reference.organisations:
            self.organisation.addItem(organisation.name, organisation.code)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.state = QComboBox()
        self.state.setAccessibleName("Review state")
        for state in ReviewState:
            self.state.addItem(state.label, state.value)
        for long_names in (self.worker, self.organisation):
            # Sized for about 14 letters (the list opens as wide as its longest name): the
            # organisations' full names would otherwise widen the window past a laptop's screen.
            long_names.setMinimumContentsLength(14)
            long_names.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        filters = QHBoxLayout()
        for label_text, combo in (
            ("T&ype:", self.kind),
            ("&Worker:", self.worker),
            ("Or&ganisation:", self.organisation),
            ("Peri&od:", self.period),
            ("&List:", self.state),
        ):
            buddy = buddy_label(label_text, combo)
            filters.addWidget(buddy)
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(self.refresh)
        filters.addStretch(1)
        self.count = QLabel("")
        self.count.setAccessibleName("Number of records in the list")
        own = "Your own records are not listed: another supervisor reviews them."
        self.count.setToolTip(own)  # the figures count them; the queue does not
        self.count.setAccessibleDescription(own)
        filters.addWidget(self.count)

        self.dates = self._date_fields()

        self.model = ReviewTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName("Records to review, oldest first: Enter opens the case")
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 100)
        self.table.setColumnWidth(1, 100)
        self.table.setColumnWidth(3, 150)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.row_activated.connect(self._on_open_case)
        self.reading = QTextBrowser()
        self.reading.setAccessibleName("The record and its review history")
        self.reading.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes to the comment
        self.comment = QPlainTextEdit()
        self.comment.setAccessibleName("Comment to the worker")
        self.comment.setPlaceholderText("Comment to the worker (needed to comment or return)")
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(90)
        self.reviewed_button = QPushButton("Mark &reviewed")
        self.comment_button = QPushButton("&Comment")
        self.return_button = QPushButton("Re&turn for correction")
        self.previous_button = QPushButton("&Previous")
        self.next_button = QPushButton("&Next")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Result of the last review action")
        actions = QHBoxLayout()
        for button in (self.reviewed_button, self.comment_button, self.return_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.previous_button)
        actions.addWidget(self.next_button)
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(self.reading, 1)
        pane_layout.addWidget(self.comment)
        pane_layout.addLayout(actions)
        pane_layout.addWidget(self.message)
        self.table.setMinimumWidth(520)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(pane)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 700])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.dates)
        layout.addWidget(splitter, 1)
        self.reviewed_button.clicked.connect(lambda: self._act(ReviewAction.REVIEWED))
        self.comment_button.clicked.connect(lambda: self._act(ReviewAction.COMMENT))
        self.return_button.clicked.connect(lambda: self._act(ReviewAction.RETURNED))
        self.next_button.clicked.connect(lambda: self._step(1))
        self.previous_button.clicked.connect(lambda: self._step(-1))
        self._set_enabled(False)

    def _date_fields(self) -> QWidget:
        """The From and Up to days, on a row of their own shown for "Between two dates" (the
        filter row has no room left on a laptop). Empty: no limit that side."""
        self.date_from = DateField("Records from this day (empty: no limit)")
        self.date_to = DateField("Records up to this day (empty: no limit)")
        row = QWidget()
        dates = QHBoxLayout(row)
        dates.setContentsMargins(0, 0, 0, 0)
        for caption, field in (("Fro&m:", self.date_from), ("&Up to:", self.date_to)):
            field.setMaximumWidth(110)
            field.returnPressed.connect(self.refresh)
            dates.addWidget(buddy_label(caption, field))
            dates.addWidget(field)
        self.dates_hint = QLabel("The day of the contact, release day or referral; Enter shows.")
        dates.addWidget(self.dates_hint)
        dates.addStretch(1)
        row.hide()
        self.period.currentIndexChanged.connect(self._on_period_chosen)
        return row

    def _on_period_chosen(self) -> None:
        between = self.period.currentData() == BETWEEN
        self.dates.setVisible(between)
        if between and self.period.hasFocus():
            self.date_from.setFocus()

    # --- loading ---------------------------------------------------------------------------
    def set_workers(self, workers: list[WorkerOption]) -> None:
        current = self.worker.currentData()
        self.worker.blockSignals(True)
        self.worker.clear()
        self.worker.addItem("All workers", None)
        for option in workers:
            self.worker.addItem(option.name, option.id)
        self.worker.setCurrentIndex(max(self.worker.findData(current), 0))
        self.worker.blockSignals(False)

    def wanted(self) -> ReviewFilter:
        """The filters chosen; ValueError (in words) for a day that is not a date."""
        days = self.period.currentData()
        kind = self.kind.currentData()
        date_from = date_to = None
        if days == BETWEEN:
            date_from, date_to = self.date_from.date_value(), self.date_to.date_value()
        elif days:
            date_from = self._service.clock.today() - dt.timedelta(days=days)
        return ReviewFilter(
            worker_id=self.worker.currentData(),
            organisation_code=self.organisation.currentData(),
            date_from=date_from,
            date_to=date_to,
            kind=ReviewItemKind(kind) if kind else None,
            state=ReviewState(self.state.currentData()),
        )

    def refresh(self) -> None:
        try:
            wanted = self.wanted()
        except ValueError as error:
            self._date_problem(f"{error} The list is still the one for the days before.")
            return
        if wanted.date_from and wanted.date_to and wanted.date_to < wanted.date_from:
            self._date_problem("The 'Up to' day is before the 'From' day: check the two days.")
            return
        if self.message.property("date_problem"):  # put right: the problem has gone
            self.message.setProperty("date_problem", False)
            self.message.setText("")
        service = self._service
        self._runner.run(
            lambda: (service.queue(wanted, 0, SHOWN), service.count(wanted)),
            self._on_loaded,
            self._on_failed,
        )

    def _date_problem(self, text: str) -> None:
        self.message.setText(text)
        self.message.setProperty("date_problem", True)

    def focus_first(self) -> None:
        self.table.setFocus()

    def _show_count(self, rows: int) -> None:
        state = ReviewState(self.state.currentData()).label.lower()
        shown = f"the oldest {rows} of " if self._total > rows else ""
        self.count.setText(f"{shown}{self._total} {state}")

    def _on_loaded(self, loaded: tuple[list[ReviewRow], int]) -> None:
        rows, total = loaded
        had_focus = self.table.hasFocus()
        shown = self.model.row_item(self.table.currentIndex().row())
        self.model.set_rows(rows)
        self._total = total
        self._show_count(len(rows))
        if rows:
            # The item being read stays selected (a sync may add older ones above it);
            # gone, the one now in its place.
            ids = [r.item_id for r in rows]
            kept = ids.index(shown.item_id) if shown is not None and shown.item_id in ids else -1
            row = kept if kept >= 0 else min(self._keep_row, len(rows) - 1)
            self.table.setCurrentIndex(self.model.index(row, 0))
        else:
            self._detail = None
            self._reading = None
            self.reading.setHtml("<p>Nothing to review with these filters.</p>")
            self._set_enabled(False)
        if had_focus:
            self.table.setFocus()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_item(current.row())
        if row is None:
            return
        self._keep_row = current.row()
        service = self._service
        # The list reloads after every change (a sign-off, a sync) and selects the record
        # shown again: that is the same reading, not one more for the audit trail.
        reading = row.item_id != self._reading
        self._reading = row.item_id
        self._runner.run(
            lambda: service.detail(row.kind, row.item_id, reading),
            self._on_detail,
            self._on_failed,
        )

    def _on_detail(self, detail: ReviewDetail) -> None:
        current = self.model.row_item(self.table.currentIndex().row())
        if current is None or current.item_id != detail.item_id:
            return  # the worker moved on while it loaded
        self._detail = detail
        self.reading.setHtml(detail_html(detail, self._service.clock.zone))
        self._set_enabled(True)
        self.reviewed_button.setEnabled(detail.state != ReviewState.REVIEWED)
        self.return_button.setEnabled(detail.state != ReviewState.RETURNED)

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.reviewed_button, self.comment_button, self.return_button):
            button.setEnabled(enabled)

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    # --- acting -------------------------------------------------------------------------
    def _step(self, step: int) -> None:
        row = self.table.currentIndex().row() + step
        if 0 <= row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _on_open_case(self, row: int) -> None:
        item = self.model.row_item(row)
        if item is not None:
            self.case_requested.emit(item.person_id)

    def _act(self, action: ReviewAction) -> None:
        detail = self._detail
        if detail is None:
            return
        service, comment = self._service, self.comment.toPlainText()
        self._runner.run(
            lambda: service.act(detail.kind, detail.item_id, action, comment),
            lambda _id: self._after_act(action, detail),
            self._on_act_failed,
        )

    def _after_act(self, action: ReviewAction, detail: ReviewDetail) -> None:
        self.comment.clear()
        done = {
            ReviewAction.REVIEWED: "Marked reviewed",
            ReviewAction.COMMENT: "Comment sent",
            ReviewAction.RETURNED: "Returned for correction",
        }[action]
        self.message.setText(f"{done}: {detail.title}. The worker sees it after the next sync.")
        self.reviewed.emit()
        self.table.setFocus()
        shown = ReviewState(self.state.currentData())
        stays = action == ReviewAction.COMMENT or (
            (action, shown)
            in (
                (ReviewAction.REVIEWED, ReviewState.REVIEWED),
                (ReviewAction.RETURNED, ReviewState.RETURNED),
            )
        )
        if stays:  # the history in the reading pane has grown
            self._on_current(self.table.currentIndex(), QModelIndex())
            return
        # It has left this list: take it out here rather than read the queue again, and show
        # the next one (the list is read again on a filter change, a sync or the tab).
        row = self.model.remove_item(detail.item_id)
        self._total -= 1
        self._show_count(self.model.rowCount())
        if self.model.rowCount():
            self.table.setCurrentIndex(
                self.model.index(min(row or 0, self.model.rowCount() - 1), 0)
            )
        else:
            self.refresh()

    def _on_act_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))
        self.comment.setFocus()
