"""Keyboard shortcuts as data: each is declared once, here or beside the widget it belongs
to, and the same declaration makes the QShortcut and the line of Help > Keyboard shortcuts,
so the list cannot drift from what the keys do. The window's own actions are read from the
actions themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QWidget


@dataclass(frozen=True)
class Key:
    group: str  # where it works, in words ("Release-day checklist")
    keys: str  # as QKeySequence reads it ("Ctrl+Shift+A", "Space")
    what: str


REGISTRY: list[Key] = []


def declare(group: str, keys: str, what: str) -> Key:
    """Declare a shortcut (at import time, so Help lists it before its view is opened)."""
    found = Key(group, keys, what)
    if found not in REGISTRY:
        REGISTRY.append(found)
    return found


def bind(
    declared: Key,
    parent: QWidget,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
) -> QShortcut:
    shortcut = QShortcut(QKeySequence(declared.keys), parent, slot)
    shortcut.setContext(context)
    shortcut.setWhatsThis(declared.what)
    return shortcut


def _shown(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText) or keys


def window_keys(actions: list[QAction]) -> list[Key]:
    """The window's actions with a shortcut, grouped by the menu they are in."""
    found = []
    for action in actions:
        if not action.shortcuts() or not action.isVisible():
            continue
        menus = [o for o in action.associatedObjects() if isinstance(o, QMenu)]
        group = menus[0].title().replace("&", "") + " menu" if menus else "Whole window"
        what = action.text().replace("&", "").rstrip("…")
        for sequence in action.shortcuts():
            found.append(Key(group, sequence.toString(), what))
    return found


def grouped(keys: list[Key]) -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in keys:
        line = (_shown(entry.keys), entry.what)
        if line not in groups.setdefault(entry.group, []):
            groups[entry.group].append(line)
    return groups
