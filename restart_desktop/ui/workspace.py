"""What an unlocked worker sees: the caseload tab and one tab per open case file."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout, QWidget

from restart_desktop.app.cases import CaseService, WorkerOption
from restart_desktop.app.session import AppSession
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.caseload_view import CaseloadView
from restart_desktop.ui.tasks import TaskRunner

MAX_TITLE = 28


class Workspace(QWidget):
    """Signals:
    message(str): a short message for the status bar.
    """

    message = Signal(str)

    def __init__(self, session: AppSession, runner: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.service = CaseService(session)
        self.workers: list[WorkerOption] = []
        self.caseload = CaseloadView(self.service, runner, session.worker.id)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Caseload and open case files")
        self.tabs.addTab(self.caseload, "Caseload")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.caseload.case_opened.connect(self.open_case)
        self.caseload.new_case_requested.connect(self.new_case)
        service = self.service
        runner.run(service.workers, self._on_workers_loaded)

    def _on_workers_loaded(self, workers: list[WorkerOption]) -> None:
        self.workers = workers
        self.caseload.set_workers(workers)

    def case_views(self) -> list[CaseFileView]:
        views = []
        for index in range(1, self.tabs.count()):
            widget = self.tabs.widget(index)
            if isinstance(widget, CaseFileView):
                views.append(widget)
        return views

    def open_case(self, case_id: str) -> None:
        for view in self.case_views():
            if view.case_id == case_id:
                self.tabs.setCurrentWidget(view)
                return
        self._add_case_view(CaseFileView(
            self.service, self.runner, self.session.reference, self.workers, case_id
        ), "Loading…")

    def open_selected_case(self) -> None:
        case_id = self.caseload.selected_case_id()
        if case_id:
            self.open_case(case_id)

    def new_case(self) -> None:
        view = CaseFileView(self.service, self.runner, self.session.reference, self.workers)
        self._add_case_view(view, "New person")

    def _add_case_view(self, view: CaseFileView, title: str) -> None:
        index = self.tabs.addTab(view, title)
        view.title_changed.connect(lambda text, v=view: self._set_title(v, text))
        view.case_saved.connect(self._on_case_saved)
        self.tabs.setCurrentIndex(index)
        view.given_name.setFocus()

    def _set_title(self, view: CaseFileView, text: str) -> None:
        index = self.tabs.indexOf(view)
        if index >= 0:
            short = text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"
            self.tabs.setTabText(index, short)
            self.tabs.setTabToolTip(index, text)

    def _on_case_saved(self, _case_id: str) -> None:
        self.message.emit("Saved")
        self.caseload.refresh()

    def show_caseload(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.caseload.table.setFocus()

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.caseload.search.setFocus()
        self.caseload.search.selectAll()

    def close_current_case(self) -> None:
        if self.tabs.currentIndex() > 0:
            self.close_tab(self.tabs.currentIndex())

    def close_tab(self, index: int) -> bool:
        widget = self.tabs.widget(index)
        if not isinstance(widget, CaseFileView):
            return False
        if widget.dirty:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "This case file has changes that are not saved. Save them before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return False
            if answer == QMessageBox.StandardButton.Save:
                widget.case_saved.connect(lambda _id, w=widget: self._remove(w))
                widget.save()
                return False
        self._remove(widget)
        return True

    def _remove(self, widget: QWidget) -> None:
        index = self.tabs.indexOf(widget)
        if index > 0:
            self.tabs.removeTab(index)
            widget.deleteLater()

    def unsaved_views(self) -> list[CaseFileView]:
        return [view for view in self.case_views() if view.dirty]
