"""The two screens before any personal data: first-run set-up and unlock.

Neither imports the database layer: they must appear fast, and the locked window must hold
nothing about anyone. They only collect input and emit it; the main window does the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.domain.case import Role
from restart_desktop.domain.passphrase import passphrase_feedback
from restart_desktop.ui.widgets import FieldError, buddy_label

if TYPE_CHECKING:
    from restart_desktop.domain.reference import Organisation

DEMO_BANNER_STYLE = (
    "background: #fde2e2; color: #6b0000; border: 1px solid #b00000; padding: 6px;font-weight: 600;"
)
# Here, not in ui.team_details: the window sets it before it is first shown, and importing
# team_details then loaded the whole database layer first (issue 27: cold start).
EXAMPLES_BANNER_STYLE = "background: #fff4ce; color: #3b2f00; padding: 6px 10px;"


@dataclass(frozen=True)
class EnrolmentForm:
    name: str
    organisation_code: str
    role: Role
    passphrase: str


def _card(title: str, intro: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    card.setFixedWidth(520)  # word-wrapped labels need a known width to size their height
    card.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(card)
    heading = QLabel(title)
    heading.setStyleSheet("font-size: 18pt; font-weight: 600;")
    layout.addWidget(heading)
    text = QLabel(intro)
    text.setWordWrap(True)
    layout.addWidget(text)
    return card, layout


# Layout is done with stretches rather than Qt.AlignmentFlag: the first use of the Qt
# namespace costs about 15 ms, and these pages are on the start-up path.
def _centred(card: QFrame, parent: QWidget) -> None:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card)
    row.addStretch(1)
    outer = QVBoxLayout(parent)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)


def _at_right(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    return row


class OnboardingPage(QWidget):
    """Signals:
    enrol_requested(EnrolmentForm): the form is complete and the passphrases match.
    """

    enrol_requested = Signal(object)

    def __init__(self, organisations: tuple[Organisation, ...], parent: QWidget | None = None):
        super().__init__(parent)
        card, layout = _card(
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
        layout.addLayout(_at_right(self.submit))
        _centred(card, self)

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


class UnlockPage(QWidget):
    """Shown at start and whenever the app is locked. It shows no personal data.

    Signals:
        passphrase_submitted(str): the worker pressed Unlock.
    """

    passphrase_submitted = Signal(str)

    def __init__(self, demo_passphrase: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        card, layout = _card(
            "RESTART Desktop is locked",
            "Enter your passphrase to open your caseload.",
        )
        if demo_passphrase is not None:
            demo = QLabel(
                f"Demo data: every person here is fictional. The passphrase is “{demo_passphrase}”."
            )
            demo.setWordWrap(True)
            demo.setStyleSheet(DEMO_BANNER_STYLE)
            demo.setAccessibleName("Demo data notice")
            layout.addWidget(demo)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        label = buddy_label("&Passphrase:", self.passphrase)
        form = QFormLayout()
        form.addRow(label, self.passphrase)
        layout.addLayout(form)
        self.error = FieldError()
        self.error.setAccessibleName("Unlock problem")
        layout.addWidget(self.error)
        self.submit = QPushButton("&Unlock")
        self.submit.setDefault(True)
        layout.addLayout(_at_right(self.submit))
        _centred(card, self)

        self._wait = 0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown_tick)
        self.submit.clicked.connect(self._on_submit)
        self.passphrase.returnPressed.connect(self._on_submit)

    def reset(self) -> None:
        self.passphrase.clear()
        self.error.show_message(None)
        self.show_busy(False)
        self.passphrase.setFocus()

    def _on_submit(self) -> None:
        if self._wait > 0 or not self.submit.isEnabled():
            return
        if not self.passphrase.text():
            self.error.show_message("Enter your passphrase.")
            return
        self.show_busy(True)
        self.passphrase_submitted.emit(self.passphrase.text())

    def show_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy and self._wait == 0)
        self.passphrase.setEnabled(not busy)
        self.submit.setText("Unlocking…" if busy else "&Unlock")

    def show_error(self, message: str, wait_seconds: int = 0) -> None:
        self.show_busy(False)
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        self.error.show_message(message)
        if wait_seconds > 0:
            self._wait = wait_seconds
            self.submit.setEnabled(False)
            self._countdown.start()

    def _on_countdown_tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._wait = 0
            self._countdown.stop()
            self.submit.setEnabled(True)
            self.error.show_message("You can try again now.")
        else:
            self.submit.setText(f"Wait {self._wait} s")
