"""Change notices on the Qt side: one broadcaster per unlocked session, and the follower
each view uses to refresh itself when a notice concerns it.

The store announces every committed write (``Database.subscribe``) on the thread that
committed it, usually the task runner's. The broadcaster hands the notices to the GUI thread
through a queued signal, a burst (a sync applying bundles one transaction each) gathered into
one; each view's follower decides whether a notice concerns it and refreshes the view, or,
for a view on a tab not shown, holds the refresh until it is shown. Nobody keeps a list of
views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from restart_desktop.domain.clock import Clock
from restart_desktop.domain.notices import EMPTY, ChangeNotice
from restart_desktop.ui.tasks import TaskRunner

#: A burst of notices closer together than this becomes one refresh.
COALESCE_MS = 60
#: ... but a view never waits longer than this for a refresh while notices keep coming.
LONGEST_WAIT_MS = 1000


_FIRST_SHOW = ChangeNotice(frozenset(), frozenset({"(first shown)"}))
#: A kind no table has: the laptop's calendar moved on to a new day (after midnight, or a
#: laptop woken the next morning). Lists whose content depends on "today" follow it.
DAY_CHANGED = "(day changed)"
#: How often the broadcaster looks at the calendar.
DAY_CHECK_MS = 60_000


class ChangeBroadcaster(QObject):
    """Hands the store's change notices to the GUI thread, a burst (a sync applying bundles,
    one transaction each) gathered into one.

    While a burst is gathered the task runner counts it as pending work, so "nothing
    pending" means the views have their refreshes under way too.

    Signals:
    records_changed(object): a ChangeNotice, on the GUI thread: what the writes committed
        since the last one changed.
    """

    records_changed = Signal(object)
    _arrived = Signal(object)

    def __init__(
        self, clock: Clock, runner: TaskRunner | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock  # the session's: its calendar is the one "today" lists follow
        self._runner = runner
        self._gathered = EMPTY
        self._closed = False
        self._since = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        # Queued even from the GUI thread: views refresh after the write's own callbacks.
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)
        self._today = clock.today()
        self._calendar = QTimer(self)
        self._calendar.setInterval(DAY_CHECK_MS)
        self._calendar.timeout.connect(self.check_the_day)
        self._calendar.start()

    def check_the_day(self) -> None:
        """Announce a new day on the session clock's calendar (Today, due and overdue
        lists)."""
        today = self._clock.today()
        if today != self._today and not self._closed:
            self._today = today
            self.publish(ChangeNotice(frozenset(), frozenset({DAY_CHANGED})))

    def publish(self, notice: ChangeNotice) -> None:
        """Called by the store, from any thread."""
        self._arrived.emit(notice)

    def close(self) -> None:
        """The session is closing: notices still on their way are dropped, and the views
        start no more work."""
        self._closed = True
        self._calendar.stop()
        if self._timer.isActive():
            self._timer.stop()
            self._gathered = EMPTY
            if self._runner is not None:
                self._runner.release()

    @Slot(object)
    def _on_arrived(self, notice: object) -> None:
        if self._closed or not isinstance(notice, ChangeNotice):
            return
        if not self._timer.isActive():
            self._since.start()
            if self._runner is not None:
                self._runner.hold()
        self._gathered = self._gathered | notice
        if self._since.elapsed() < LONGEST_WAIT_MS or not self._timer.isActive():
            self._timer.start()  # restarted while the burst goes on, up to the longest wait

    def _on_timer_timeout(self) -> None:
        notice, self._gathered = self._gathered, EMPTY
        try:
            self.records_changed.emit(notice)
        finally:
            if self._runner is not None:
                self._runner.release()  # after the refreshes it started were counted


Concerns = Callable[[ChangeNotice], bool]


def about(kinds: Iterable[str], case: Callable[[], str | None] | None = None) -> Concerns:
    """A view showing records of ``kinds`` (of the case ``case()`` names, when given)."""
    wanted = frozenset(kinds)

    def concerns(notice: ChangeNotice) -> bool:
        if case is None:
            return notice.touches_any(wanted)
        case_id = case()
        return case_id is not None and notice.touches_any(wanted, case_id)

    return concerns


class NoticeFollower(QObject):
    """Refreshes ``view`` (calls ``refresh``) when a notice concerns it; a view on a tab not
    shown refreshes once, when it is next shown. Owned by the view: it goes with it.

    ``with_notice`` instead of ``refresh`` takes the notice, to refresh only what it concerns.
    ``first_show``: the view has not loaded yet and loads when it is first shown.
    """

    def __init__(
        self,
        broadcaster: ChangeBroadcaster,
        view: QWidget,
        concerns: Concerns,
        refresh: Callable[[], object] | None = None,
        with_notice: Callable[[ChangeNotice], object] | None = None,
        first_show: bool = False,
    ) -> None:
        super().__init__(view)
        self._view = view
        self._concerns = concerns
        self._refresh = refresh
        self._with_notice = with_notice
        # Gathered while the view was not shown (a view loading when first shown starts so).
        self._stale = _FIRST_SHOW if first_show else EMPTY
        broadcaster.records_changed.connect(self._on_records_changed)
        view.installEventFilter(self)

    @property
    def stale(self) -> bool:
        """A refresh waits for the view to be shown."""
        return bool(self._stale)

    def _on_records_changed(self, notice: object) -> None:
        if not isinstance(notice, ChangeNotice) or not self._concerns(notice):
            return
        if not self._view.isVisible() and self._view.window().isVisible():
            self._stale = self._stale | notice  # on a tab not shown: when it is shown
            return
        self._run(notice)

    def _run(self, notice: ChangeNotice) -> None:
        if self._with_notice is not None:
            self._with_notice(notice)
        elif self._refresh is not None:
            self._refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view and event.type() == QEvent.Type.Show and self._stale:
            notice, self._stale = self._stale, EMPTY
            self._run(notice)
        return False


def follow(
    broadcaster: ChangeBroadcaster | None,
    view: QWidget,
    kinds: Iterable[str],
    refresh: Callable[[], object],
    case: Callable[[], str | None] | None = None,
    first_show: bool = False,
) -> NoticeFollower | None:
    """``view`` calls ``refresh`` when records of ``kinds`` (of ``case()``) change (and,
    with ``first_show``, when it is first shown)."""
    if broadcaster is None:
        return None
    return NoticeFollower(broadcaster, view, about(kinds, case), refresh, first_show=first_show)


#: Kinds of record, named as their tables, grouped as the views show them.
CASE_KINDS = frozenset({"people", "handovers", "field_changes", "erasures", "custody_returns"})
NOTE_KINDS = frozenset(
    {
        "contact_notes",
        "addenda",
        "follow_up_actions",
        "reviews",
        "custody_returns",
        "follow_up_checks",
    }
)
PLAN_KINDS = frozenset({"release_plans", "release_plan_items", "checklist_snapshots"})
REFERRAL_KINDS = frozenset({"referrals", "referral_events"})
OUTCOME_KINDS = frozenset({"assessments"})
BARRIER_KINDS = frozenset({"barriers"})
AUDIT_KINDS = frozenset({"audit_entries"})
#: Every kind of record a figure counts.
RECORD_KINDS = CASE_KINDS | NOTE_KINDS | PLAN_KINDS | REFERRAL_KINDS | OUTCOME_KINDS | BARRIER_KINDS
