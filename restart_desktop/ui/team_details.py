"""Settings > Team details: the team's own phone number for the release-day sheet and its own
contacts for the directory's services, set by a supervisor and synced to every laptop; and
the banner naming the example contacts still in use in a real data folder."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.team import TeamDetailsFields, TeamDetailsService, TeamDetailsView
from restart_desktop.app.versions import EditBase
from restart_desktop.domain.reference import Service
from restart_desktop.ui import access_pages
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import FieldError, buddy_label

EXAMPLES_BANNER_STYLE = access_pages.EXAMPLES_BANNER_STYLE


def examples_banner_text(found: list[str]) -> str:
    return (
        "Still in use from the examples shipped with the app: "
        + "; ".join(found)
        + ". A supervisor sets the team's own in Settings > Team details."
    )


class TeamDetailsDialog(QDialog):
    """Edit (a supervisor) or read (a worker) the team's details; saves only what changed."""

    def __init__(
        self,
        service: TeamDetailsService,
        services: tuple[Service, ...],
        runner: TaskRunner,
        can_edit: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Team details")
        self._service, self._runner = service, runner
        self._view: TeamDetailsView | None = None
        self.phone = QLineEdit()
        self.phone.setAccessibleName("The team's phone number")
        self.phone.setAccessibleDescription("Printed on every release-day sheet")
        self.phone.setPlaceholderText("e.g. 0300 123 4567")
        self.phone.setMaxLength(64)
        self.phone_when = QLineEdit()
        self.phone_when.setAccessibleName("When the team answers")
        self.phone_when.setPlaceholderText("e.g. Monday to Friday, 8am to 6pm")
        self.phone_when.setMaxLength(200)
        self.errors = {"phone": FieldError()}
        self.contacts: dict[str, QLineEdit] = {}
        form = QFormLayout()
        phone_label = buddy_label("Team &phone:", self.phone)
        form.addRow(phone_label, self.phone)
        form.addRow("", self.errors["phone"])
        when_label = buddy_label("&Answered:", self.phone_when)
        form.addRow(when_label, self.phone_when)
        listing = QWidget()
        contacts_form = QFormLayout(listing)
        for entry in services:
            edit = QLineEdit()
            edit.setAccessibleName(f"Contact for {entry.name}")
            edit.setAccessibleDescription(f"Shipped example: {entry.contact}")
            edit.setPlaceholderText(entry.contact)
            edit.setToolTip(f"Shipped with the app: {entry.contact}")
            edit.setMaxLength(300)
            caption = QLabel(entry.name)
            caption.setWordWrap(True)
            caption.setBuddy(edit)
            contacts_form.addRow(caption, edit)
            self.contacts[entry.code] = edit
        scroll = QScrollArea()
        scroll.setWidget(listing)
        scroll.setWidgetResizable(True)
        explain = QLabel(
            "The team's own contacts, in place of the examples shipped with the app (their "
            "numbers do not connect). Saved for every laptop of the team at the next sync."
            if can_edit
            else "Set by a supervisor; shown here as every laptop has them."
        )
        explain.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Team details message")
        buttons = QDialogButtonBox(
            (
                QDialogButtonBox.StandardButton.Save
                if can_edit
                else QDialogButtonBox.StandardButton.NoButton
            )
            | QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        for edit in (self.phone, self.phone_when, *self.contacts.values()):
            edit.setReadOnly(not can_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(QLabel("Services' contacts (empty: the shipped one):"))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(760, 560)
        self._runner.run(service.get, self._on_loaded, self._on_failed)

    def _on_loaded(self, view: TeamDetailsView) -> None:
        self._view = view
        self.phone.setText(view.fields.phone)
        self.phone_when.setText(view.fields.phone_when)
        for code, edit in self.contacts.items():
            edit.setText(view.fields.service_contacts.get(code, ""))
        self.phone.setFocus()

    def typed(self) -> TeamDetailsFields:
        return TeamDetailsFields(
            self.phone.text(),
            self.phone_when.text(),
            {code: edit.text() for code, edit in self.contacts.items() if edit.text().strip()},
        )

    def _on_save(self) -> None:
        loaded = self._view.fields if self._view else TeamDetailsFields()
        typed = self.typed()
        base = EditBase.between(
            self._view.version if self._view else None,
            loaded,
            typed,
            ("phone", "phone_when", "service_contacts"),
        )
        self.message.setText("Saving…")
        service = self._service
        self._runner.run(
            lambda: service.save(typed, base), lambda _r: self.accept(), self._on_failed
        )

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, ValidationFailed):
            self.errors["phone"].show_message(error.problems.get("phone"))
            others = [text for key, text in error.problems.items() if key != "phone"]
            self.message.setText(
                "Not saved: " + " ".join(others) if others else "Not saved: see above."
            )
            return
        self.message.setText(user_message(error))
