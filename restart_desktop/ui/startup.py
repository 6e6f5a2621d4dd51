"""What the window does while it starts: the modules imported on the worker thread while the
unlock page waits, the Qt classes warmed one per tick, and the page shown while demo data is
made."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from restart_desktop.app.session import AppSession

    OpenedSession = tuple[AppSession, int]  # the session and its idle-lock minutes


# Modules the workspace needs, imported on the worker thread while the unlock page waits.
PRELOAD = (
    "restart_desktop.app.session",
    "restart_desktop.app.cases",
    "restart_desktop.app.notes",
    "restart_desktop.ui.workspace",
)


# Classes whose PySide enums the workspace uses, by name: even looking one up builds its enums
# (the Qt namespace: about 15 to 60 ms), so they are resolved one per tick after start-up.
WARM_CLASSES = (
    ("QtCore", "Qt"),
    ("QtCore", "QAbstractItemModel"),
    ("QtCore", "QItemSelectionModel"),
    ("QtGui", "QPalette"),
    ("QtGui", "QFont"),
    ("QtWidgets", "QWidget"),
    ("QtWidgets", "QFrame"),
    ("QtWidgets", "QAbstractScrollArea"),
    ("QtWidgets", "QAbstractItemView"),
    ("QtWidgets", "QTableView"),
    ("QtWidgets", "QHeaderView"),
    ("QtWidgets", "QTabWidget"),
    ("QtWidgets", "QTabBar"),
    ("QtWidgets", "QComboBox"),
    ("QtWidgets", "QLineEdit"),
    ("QtWidgets", "QAbstractButton"),
    ("QtWidgets", "QPushButton"),
    ("QtWidgets", "QCheckBox"),
    ("QtWidgets", "QGroupBox"),
    ("QtWidgets", "QScrollArea"),
    ("QtWidgets", "QLabel"),
    ("QtWidgets", "QSizePolicy"),
    ("QtWidgets", "QLayout"),
    ("QtWidgets", "QBoxLayout"),
    ("QtWidgets", "QFormLayout"),
    ("QtWidgets", "QStyle"),
)


def preload_modules() -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    from restart_desktop.app.session import prepare_storage

    prepare_storage()


class PreparingPage(QWidget):
    """Shown while demo data is created on first start of the README's run command."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCore import Qt  # not at import: see access_pages.centred

        self.label = QLabel("Creating fictional demo data…")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Demo data progress")
        self.progress.setMaximumWidth(420)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
