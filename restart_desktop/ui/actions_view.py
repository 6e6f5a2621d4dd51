"""My actions: what the supervisor has sent back (returns to answer, comments to read), then
follow-up checks due after release, then referrals nobody has answered (to chase), then open
follow-up actions across the worker's caseload, overdue first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.follow_up import FollowUpService
from restart_desktop.app.notes import ActionView, NoteService, NoteView
from restart_desktop.app.referral_views import ReferralView
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.review import Notice, ReviewService
from restart_desktop.domain.clock import DATE_PATTERN, local_text
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from restart_desktop.ui.follow_up import FollowUpPanel
from restart_desktop.ui.list_models import TEXT_ROLES, EnterTableView, Index, RowListTableModel
from restart_desktop.ui.note_dialogs import CloseActionDialog
from restart_desktop.ui.referral_models import ReferralsTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.timeline import OVERDUE, action_state
from restart_desktop.ui.widgets import run_dialog

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Due", "Person", "Action", "Who")
COL_DUE, COL_PERSON, COL_ACTION, COL_WHO = range(len(COLUMNS))
#: The lists above the worker's own actions (from the supervisor, follow-up checks due,
#: referrals to chase) show about five rows each; on a short screen (1366x768) they share
#: what leaves the worker's own actions, the page's main list, a third of the page.
ABOVE_MOST_PX = 170
ABOVE_LEAST_PX = 70  # a header and two rows


class ActionsTableModel(RowListTableModel[ActionView]):
    COLUMNS = COLUMNS

    def set_actions(self, actions: list[ActionView]) -> None:
        self.set_rows(actions)

    def action(self, row: int) -> ActionView | None:
        return self.row_item(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        action = self.action(index.row()) if index.isValid() else None
        if action is None:
            return None
        column = index.column()
        if role in TEXT_ROLES:
            if column == COL_DUE:
                return action_state(action)
            if column == COL_PERSON:
                return action.person_name
            if column == COL_ACTION:
                return action.description
            detail = f" ({action.owner_detail})" if action.owner_detail else ""
            return action.owner.label + detail
        if role == ID_ROLE:
            return action.id
        if role == SORT_ROLE:
            return action.due_date or dt.date.max
        if role == Qt.ItemDataRole.ForegroundRole and action.overdue:
            return QBrush(OVERDUE)
        return None


class NoticesTableModel(RowListTableModel[Notice]):
    COLUMNS = ("When", "Person", "About", "From your supervisor")
    #: The zone times are shown in: the session clock's (None: the laptop's own).
    zone: dt.tzinfo | None = None

    def cells(self, notice: Notice) -> Sequence[Any]:
        what = "Returned for correction" if notice.needs_answer else "Comment"
        return (
            local_text(notice.at, DATE_PATTERN, self.zone),
            notice.person_name,
            f"{notice.kind.label}: {what}",
            f"{notice.author}: {notice.comment}",
        )


class AnswerDialog(QDialog):
    """Answer a return: for a note, the addendum that corrects it; for a release day or a
    referral, what was corrected (after correcting it in its own screen)."""

    def __init__(
        self,
        notice: Notice,
        parent: QWidget | None = None,
        note: NoteView | None = None,
        zone: dt.tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Answer the return")
        self.returned = QPlainTextEdit()  # the note being corrected, to read while answering
        self.returned.setReadOnly(True)
        self.returned.setTabChangesFocus(True)
        self.returned.setAccessibleName("The note returned for correction")
        self.returned.setVisible(note is not None)
        if note is not None:
            when = local_text(note.contact_at, zone=zone)
            lines = [f"{when}, {note.contact_type.label}", "", note.text]
            lines += [f"\nAddendum, {local_text(a.at, zone=zone)}: {a.text}" for a in note.addenda]
            self.returned.setPlainText("\n".join(lines))
        is_note = notice.kind == ReviewItemKind.NOTE
        intro = QLabel(
            f"<b>{notice.author}</b> returned this {notice.kind.label.lower()} "
            f"({notice.person_name}): {notice.comment}"
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Addendum to the note" if is_note else "What you corrected")
        caption = QLabel("&Addendum (added under the note):" if is_note else "&What you corrected:")
        caption.setBuddy(self.text)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.send = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.send.setText("&Send answer")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.returned, caption, self.text, self.error, buttons):
            layout.addWidget(widget)
        self.resize(620, 480 if note is not None else 300)
        self.text.setFocus()

    def _on_accept(self) -> None:
        if not self.text.toPlainText().strip():
            self.error.setText("Write the answer first: it goes back to your supervisor.")
            self.text.setFocus()
            return
        self.accept()


class MyActionsView(QWidget):
    """Signals:
    case_requested(str): open this person's case (contacts tab).
    referral_case_requested(str): open this person's referrals (a referral to chase).
    notices_counted(int): returns and comments waiting for the worker (the status bar).
    """

    case_requested = Signal(str)
    referral_case_requested = Signal(str)
    notices_counted = Signal(int)

    def __init__(
        self,
        service: NoteService,
        runner: TaskRunner,
        referrals: ReferralService | None = None,
        review: ReviewService | None = None,
        follow_up: FollowUpService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self.checks = FollowUpPanel(follow_up, runner, self) if follow_up else None
        self._runner = runner
        self._referrals = referrals
        self._review = review
        self.notice_model = NoticesTableModel(self)
        self.notice_model.zone = service.clock.zone
        self.notices = EnterTableView()
        self.notices.setModel(self.notice_model)
        self.notices.setAccessibleName(
            "From your supervisor: returns to answer and comments to read"
        )
        self.notices.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.notices.setTabKeyNavigation(False)
        self.notices.setColumnWidth(0, 110)
        self.notices.setColumnWidth(1, 200)
        self.notices.setColumnWidth(2, 230)
        self.notices_label = QLabel("")
        self.notices_label.setStyleSheet("font-weight: 600;")
        self.answer_button = QPushButton("A&nswer…")
        self.seen_button = QPushButton("Mark s&een")
        self.notices.row_activated.connect(self._on_notice_activated)
        self.answer_button.clicked.connect(self._on_answer)
        self.seen_button.clicked.connect(self._on_seen)
        notice_buttons = QHBoxLayout()
        notice_buttons.addWidget(self.answer_button)
        notice_buttons.addWidget(self.seen_button)
        notice_buttons.addStretch(1)
        self.notice_box = QWidget()
        notice_layout = QVBoxLayout(self.notice_box)
        notice_layout.setContentsMargins(0, 0, 0, 0)
        notice_layout.addWidget(self.notices_label)
        notice_layout.addWidget(self.notices)
        notice_layout.addLayout(notice_buttons)
        self.notice_box.hide()
        self.chase_model = ReferralsTableModel(service.clock, with_person=True, parent=self)
        self.chases = EnterTableView()
        self.chases.setModel(self.chase_model)
        self.chases.setAccessibleName("Referrals to chase: Enter opens the person's referrals")
        self.chases.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.chases.setTabKeyNavigation(False)  # Tab moves between the two lists
        self.chases.setColumnWidth(0, 200)
        self.chases.setColumnWidth(2, 160)
        self.chases_label = QLabel("")
        self.chases_label.setStyleSheet("font-weight: 600;")
        self.chases.row_activated.connect(self._on_chase_activated)
        self.model = ActionsTableModel(self)
        self.table = EnterTableView()
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.setAccessibleName("My open actions, overdue first")
        self.table.horizontalHeader().setSectionResizeMode(
            COL_ACTION, QHeaderView.ResizeMode.Stretch
        )
        for column, width in ((COL_DUE, 170), (COL_PERSON, 220), (COL_WHO, 200)):
            self.table.setColumnWidth(column, width)
        self.summary = QLabel("")
        self.summary.setAccessibleName("Number of open and overdue actions")
        self.close_button = QPushButton("C&lose action…")
        self.open_button = QPushButton("&Open case")
        self.refresh_button = QPushButton("&Refresh")
        buttons = QHBoxLayout()
        for button in (self.close_button, self.open_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        layout = self._page_layout = QVBoxLayout(self)
        layout.addWidget(self.notice_box)
        if self.checks is not None:
            layout.addWidget(self.checks)
        layout.addWidget(self.chases_label)
        layout.addWidget(self.chases)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.chases_label.hide()
        self.chases.hide()
        self.close_button.clicked.connect(self._on_close_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.row_activated.connect(lambda _row: self._on_open_clicked())
        if self.checks is not None:
            self.checks.installEventFilter(self)  # shown or hidden as checks fall due

    def refresh(self) -> None:
        service, referrals, review = self._service, self._referrals, self._review
        if review is not None:
            self._runner.run(review.notices, self._on_notices_loaded, self._on_failed)
        self._runner.run(service.my_actions, self._on_loaded, self._on_failed)
        if referrals is not None:
            self._runner.run(referrals.to_chase, self._on_chases_loaded, self._on_failed)
        if self.checks is not None:
            self.checks.refresh()

    def _on_chases_loaded(self, views: list[ReferralView]) -> None:
        self.chase_model.today = self._service.clock.today()
        self.chase_model.set_rows(views)
        self.chases_label.setText(
            f"Referrals to chase ({len(views)}): sent, and no answer after "
            f"{self._referrals.chase_working_days if self._referrals else 3} working days"
        )
        self.chases_label.setVisible(bool(views))
        self.chases.setVisible(bool(views))
        self._share_height()
        if views:
            self.chases.setCurrentIndex(self.chase_model.index(0, 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.checks and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._share_height()  # the follow-up checks appear or go
        return super().eventFilter(watched, event)

    def _share_height(self) -> None:
        """Give the lists shown above the worker's own actions their share of the page's
        height (``ABOVE_MOST_PX`` each at most, ``ABOVE_LEAST_PX`` at least)."""
        above: list[QTableView] = []
        between: list[QWidget] = [self.close_button]  # the headings and rows of buttons
        if not self.notice_box.isHidden():
            above.append(self.notices)
            between += [self.notices_label, self.answer_button]
        if self.checks is not None and not self.checks.isHidden():
            above.append(self.checks.table)
            between.append(self.checks.label)
        if not self.chases.isHidden():
            above.append(self.chases)
            between.append(self.chases_label)
        if not above:
            return
        layout = self._page_layout
        margins = layout.contentsMargins()
        spacing = max(layout.spacing(), 0)
        taken = margins.top() + margins.bottom() + spacing * (len(above) + len(between))
        taken += sum(widget.sizeHint().height() for widget in between)
        room = self.height() - taken - self.height() // 3
        each = max(ABOVE_LEAST_PX, min(ABOVE_MOST_PX, room // len(above)))
        for table in above:
            table.setMaximumHeight(each)

    def focus_first(self) -> None:
        """Ctrl+2: the supervisor's returns and comments, then referrals to chase, when there
        are any (they come first), else the actions."""
        if self.notice_box.isVisible():
            self.notices.setFocus()
        elif self.checks is not None and self.checks.isVisible():
            self.checks.table.setFocus()
        else:
            (self.chases if self.chases.isVisible() else self.table).setFocus()

    # --- from the supervisor -------------------------------------------------------------
    def _on_notices_loaded(self, notices: list[Notice]) -> None:
        current = max(self.notices.currentIndex().row(), 0)
        self.notice_model.set_rows(notices)
        answers = sum(1 for n in notices if n.needs_answer)
        self.notices_label.setText(
            f"From your supervisor: {answers} to answer, {len(notices) - answers} comments to read"
        )
        appearing = bool(notices) and self.notice_box.isHidden()
        self.notice_box.setVisible(bool(notices))
        self._share_height()
        if notices:
            self.notices.setCurrentIndex(self.notice_model.index(min(current, len(notices) - 1), 0))
            focused = QApplication.focusWidget()
            if appearing and focused is not None and self.isAncestorOf(focused):
                self.notices.setFocus()  # they come first, as Ctrl+2 promises
        self.notices_counted.emit(len(notices))

    def current_notice(self) -> Notice | None:
        return self.notice_model.row_item(self.notices.currentIndex().row())

    def _on_notice_activated(self, row: int) -> None:
        notice = self.notice_model.row_item(row)
        if notice is None:
            return
        if notice.kind == ReviewItemKind.REFERRAL:
            self.referral_case_requested.emit(notice.person_id)
        else:
            self.case_requested.emit(notice.person_id)

    def _on_answer(self) -> None:
        notice, review = self.current_notice(), self._review
        if notice is None or review is None:
            return
        if not notice.needs_answer:
            self.notices_label.setText("That is a comment: mark it seen once read.")
            return
        if notice.kind == ReviewItemKind.NOTE:  # show the note being corrected
            service, note_id = self._service, notice.item_id
            self._runner.run(
                lambda: service.get_note(note_id),
                lambda note: self._answer(notice, note),
                lambda _error: self._answer(notice, None),
            )
            return
        self._answer(notice, None)

    def _answer(self, notice: Notice, note: NoteView | None) -> None:
        review = self._review
        if review is None:
            return
        dialog = AnswerDialog(notice, self, note, self._service.clock.zone)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        text = dialog.text.toPlainText()
        # A note is answered with an addendum.
        comment, addendum = ("", text) if notice.kind == ReviewItemKind.NOTE else (text, "")
        self._runner.run(
            lambda: review.act(
                notice.kind, notice.item_id, ReviewAction.ANSWERED, comment, addendum
            ),
            lambda _id: self._after_notice("Answer sent"),
            self._on_failed,
        )

    def _on_seen(self) -> None:
        notice, review = self.current_notice(), self._review
        if notice is None or review is None:
            return
        if notice.needs_answer:
            self.notices_label.setText("A return is answered, not just marked seen: Answer…")
            return
        self._runner.run(
            lambda: review.mark_seen(notice.review_id),
            lambda _none: self._after_notice("Marked seen"),
            self._on_failed,
        )

    def _after_notice(self, done: str) -> None:
        self.summary.setText(f"{done}: your supervisor sees it after the next sync.")
        self.notices.setFocus()  # the list refreshes from the change notice

    def _on_chase_activated(self, row: int) -> None:
        view = self.chase_model.row_item(row)
        if view is not None:
            self.referral_case_requested.emit(view.person_id)

    def _on_loaded(self, actions: list[ActionView]) -> None:
        current = self.table.currentIndex().row()
        self.model.set_actions(actions)
        overdue = sum(1 for a in actions if a.overdue)
        self.summary.setText(f"{len(actions)} open, {overdue} overdue")
        if actions:
            row = min(max(current, 0), len(actions) - 1)
            self.table.setCurrentIndex(self.model.index(row, COL_DUE))

    def _on_failed(self, error: BaseException) -> None:
        self.summary.setText(user_message(error))

    def current_action(self) -> ActionView | None:
        return self.model.action(self.table.currentIndex().row())

    def _on_open_clicked(self) -> None:
        action = self.current_action()
        if action is not None:
            self.case_requested.emit(action.person_id)

    def _on_close_clicked(self) -> None:
        action = self.current_action()
        if action is None:
            return
        dialog = CloseActionDialog(action.description, action.person_name, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, status, outcome = self._service, dialog.chosen(), dialog.outcome.text()
        self._runner.run(
            lambda: service.close_action(action.id, status, outcome),
            lambda _none: None,  # its change notice refreshes every list showing it
            self._on_failed,
        )

    def _after_close(self) -> None:
        pass  # the change notice refreshes this list and every other view showing it
