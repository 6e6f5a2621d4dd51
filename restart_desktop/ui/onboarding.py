"""First-run set-up: the worker's name, organisation, role and passphrase (the unlock screen
is in ui.access_pages). Loaded only on a new data folder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from restart_desktop.domain.case import Role
from restart_desktop.domain.passphrase import passphrase_feedback
from restart_desktop.ui.access_pages import at_right, card, centred
from restart_desktop.ui.widgets import FieldError, buddy_label

if TYPE_CHECKING:
    from restart_desktop.domain.reference import Organisation


@dataclass(frozen=True)
class EnrolmentForm:
    name: str
    organisation_code: str
    role: Role
    passphrase: str


class OnboardingPage(QWidget):
    """Signals:
    enrol_requested(EnrolmentForm): the form is complete and the passphrases match.
    """

    enrol_requested = Signal(object)

    def __init__(self, organisations: tuple[Organisation, ...], parent: QWidget | None = None):
        super().__init__(parent)
        box, layout = card(
            "Set up RESTART Desktop",
            "This laptop keeps your case notes encrypted. To open them you will need the "
            "passphrase you choose now and this computer account: neither works alone. "
            "There is no way to recover a forgotten passphrase on this laptop.",
        )
        self.name = QLineEdit()
        self.name.setAccessibleName("Your name")
        self.name.setMaxLength(200)
        self.organisation = QComboBox()
        self.organisation.setAccessibleName("Your organisation")
        self.organisation.addItem("Choose…", "")
        for organisation in organisations:
            self.organisation.addItem(organisation.name, organisation.code)
        self.role = QComboBox()
        self.role.setAccessibleName("Your role")
        self.role.addItem("Frontline worker", Role.WORKER.value)
        self.role.addItem("Supervisor", Role.SUPERVISOR.value)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Choose a passphrase")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Type the passphrase again")
        self.strength = QProgressBar()
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.strength.setMaximumHeight(8)
        self.strength.setAccessibleName("Passphrase strength")
        self.guidance = QLabel(
            "At least 12 characters. Three or four unrelated words are easy to type and hard "
            "to guess."
        )
        self.guidance.setWordWrap(True)
        self.error = FieldError()
        self.error.setAccessibleName("Set-up problem")
        self.submit = QPushButton("&Set up")
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)

        form = QFormLayout()
        for text, widget in (
            ("Your &name:", self.name),
            ("&Organisation:", self.organisation),
            ("&Role:", self.role),
            ("&Passphrase:", self.passphrase),
            ("&Again:", self.confirm),
        ):
            label = buddy_label(text, widget)
            form.addRow(label, widget)
        form.addRow("", self.strength)
        form.addRow("", self.guidance)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(at_right(self.submit))
        centred(box, self)

        self.passphrase.textChanged.connect(self._on_passphrase_changed)
        self.submit.clicked.connect(self._on_submit)
        # Enter moves on through the form, as a worker expects; on the last field it sets up.
        self.name.returnPressed.connect(self.organisation.setFocus)
        self.passphrase.returnPressed.connect(self.confirm.setFocus)
        self.confirm.returnPressed.connect(self._on_submit)
        for edit in (self.name, self.passphrase, self.confirm):
            edit.textEdited.connect(self._on_corrected)
        self.organisation.currentIndexChanged.connect(self._on_corrected)
        self._keyring_problem: str | None = None
        self.name.setFocus()

    def _on_corrected(self, *_args: object) -> None:
        """An error goes as soon as the worker starts correcting (one about the keyring stays:
        typing does not fix it)."""
        self.error.show_message(self._keyring_problem)

    def show_keyring_problem(self, message: str) -> None:
        """Said before anything is typed: set-up cannot work on this computer as it is."""
        self._keyring_problem = f"Before you start: {message}"
        self.error.show_message(self._keyring_problem)

    def _on_passphrase_changed(self, text: str) -> None:
        feedback = passphrase_feedback(text, [self.name.text()])
        self.strength.setValue(feedback.strength)
        self.guidance.setText(feedback.message)

    def _on_submit(self) -> None:
        problems = []
        if not self.name.text().strip():
            problems.append("Enter your name as colleagues know you.")
        if not self.organisation.currentData():
            problems.append("Choose your organisation.")
        feedback = passphrase_feedback(self.passphrase.text(), [self.name.text()])
        if not feedback.acceptable:
            problems.append(feedback.message)
        elif self.passphrase.text() != self.confirm.text():
            problems.append("The two passphrases are different. Type them again.")
        if problems:
            self.error.show_message("\n".join(problems))
            return
        self.show_busy(True)
        self.enrol_requested.emit(
            EnrolmentForm(
                name=self.name.text().strip(),
                organisation_code=self.organisation.currentData(),
                role=Role(self.role.currentData()),
                passphrase=self.passphrase.text(),
            )
        )

    def show_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        if busy:
            self._keyring_problem = None  # checked again by the set-up itself
            self.error.show_message(None)
            self.submit.setText("Setting up…")
        else:
            self.submit.setText("&Set up")

    def show_error(self, message: str) -> None:
        self.show_busy(False)
        self.error.show_message(message)
