"""documents/ draws with QtGui only: the command line uses it without a window. (An import
contract cannot name PySide6.QtWidgets: import-linter forbids only whole external packages.)"""

from __future__ import annotations

import ast
from pathlib import Path

import restart_desktop.documents

DOCUMENTS = Path(restart_desktop.documents.__file__).parent


def widget_imports(source: str) -> list[str]:
    """The imports of PySide6.QtWidgets (or anything in it) in ``source``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.extend(name for name in names if name.startswith("PySide6.QtWidgets"))
    return found


def test_the_check_finds_a_widget_import() -> None:
    assert widget_imports("from PySide6.QtWidgets import QWidget\n")
    assert widget_imports("import PySide6.QtWidgets\n")
    assert widget_imports("from PySide6 import QtWidgets\n")
    assert not widget_imports("from PySide6.QtGui import QImage\n")


def test_no_document_module_imports_qt_widgets() -> None:
    modules = sorted(DOCUMENTS.glob("*.py"))
    assert len(modules) > 5
    offending = {
        module.name: found
        for module in modules
        if (found := widget_imports(module.read_text(encoding="utf-8")))
    }
    assert offending == {}
