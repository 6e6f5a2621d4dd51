"""Settings > Change passphrase: the current passphrase, the new one twice, with the same
strength guidance as set-up. The change (an Argon2id derivation each way) runs on the
database thread; a refused change keeps everything typed and says why."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.domain.passphrase import passphrase_feedback
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import FieldError, buddy_label


def _secret(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class ChangePassphraseDialog(QDialog):
    """``change(old, new, confirm)`` runs on the database thread; the dialog closes when it
    succeeds and shows the reason when it is refused."""

    def __init__(
        self,
        worker_name: str,
        change: Callable[[str, str, str], None],
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change passphrase")
        self._worker_name = worker_name
        self._change = change
        self._runner = runner
        self.current = _secret("Current passphrase")
        self.new = _secret("New passphrase")
        self.confirm = _secret("New passphrase again")
        self.strength = QProgressBar()
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.strength.setMaximumHeight(8)
        self.strength.setAccessibleName("New passphrase strength")
        self.guidance = QLabel("Three or four unrelated words are easy to type and hard to guess.")
        self.guidance.setWordWrap(True)
        self.error = FieldError()
        self.error.setAccessibleName("Why the passphrase was not changed")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Change passphrase")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.new.textChanged.connect(self._on_new_text_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(self._form())
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.current.setFocus()

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        for text, widget in (
            ("C&urrent passphrase:", self.current),
            ("&New passphrase:", self.new),
            ("&Again:", self.confirm),
        ):
            label = buddy_label(text, widget)
            form.addRow(label, widget)
        form.addRow("", self.strength)
        form.addRow("", self.guidance)
        return form

    def _on_new_text_changed(self, text: str) -> None:
        feedback = passphrase_feedback(text, [self._worker_name])
        self.strength.setValue(feedback.strength)
        self.guidance.setText(feedback.message)

    def _on_buttons_accepted(self) -> None:
        self.buttons.setEnabled(False)
        self.error.show_message(None)
        old, new, confirm = self.current.text(), self.new.text(), self.confirm.text()
        self._runner.run(
            lambda: self._change(old, new, confirm), self._on_changed, self._on_refused
        )

    def _on_changed(self, _none: None) -> None:
        self.accept()

    def _on_refused(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.show_message(user_message(error))
