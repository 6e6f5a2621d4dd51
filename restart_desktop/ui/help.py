"""Help > Keyboard shortcuts (F1 or Ctrl+/), generated from the window's actions and the
declared shortcuts of every view, and Help > First steps for a new worker."""

from __future__ import annotations

import html

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from restart_desktop.ui.shortcuts import REGISTRY, grouped, window_keys

FIRST_STEPS = """
<h2>First steps</h2>
<ol>
<li><b>Add a person</b>: Ctrl+N (<i>New recommendation</i> on the caseload). Names, date
of birth and prison number (format-checked, never required), the release date, who
recommended them; Alt+S saves it to the intake queue (Ctrl+8) for the allocation decision.
In a case file, Ctrl+S saves your changes.</li>
<li><b>Write a contact note</b>: Ctrl+Shift+N. What you type is kept as you type, encrypted;
Ctrl+Enter finalises it (a finalised note never changes: corrections are addenda).</li>
<li><b>Agree an action</b>: in the case's Contacts (Alt+2), <i>Add action</i>. Your actions,
overdue first, are in My actions (Ctrl+2).</li>
<li><b>Plan the release day</b>: Today (Ctrl+T) lists the coming week's releases. In a
case's Release day (Alt+3): Space marks an item done, N not needed, P a problem, Enter opens
it; Alt+O records the outcome at the end of the day; Alt+T makes the person's sheet.</li>
<li><b>Refer</b>: in a case's Referrals (Alt+4), with the person's consent for that kind of
service.</li>
<li><b>Lock</b> with Ctrl+L whenever you step away; the app locks itself when idle.</li>
</ol>
<p>Every key of the window: Help &gt; Keyboard shortcuts (F1).</p>
"""

#: Added to First steps for a supervisor: the week's work of reviewing, figures and the team.
SUPERVISOR_STEPS = """
<h3>For a supervisor</h3>
<ol>
<li><b>Review</b>: the review queue (Ctrl+5), oldest first, filtered by worker, organisation
and period. Alt+R marks the record reviewed, Alt+C sends a comment, Alt+T returns it for
correction with the comment; Alt+N and Alt+P move on and back. The worker sees it after the
next sync, and their answer comes back into the queue.</li>
<li><b>Decide recommendations</b>: the intake queue (Ctrl+8): Enter decides the selected
one; Alt+L writes the decision letter.</li>
<li><b>Figures for the board</b>: Ctrl+6, the last full quarter unless you type another
period (From, Alt+M). Alt+P writes the board pack (a PDF and CSV files, no names, small
numbers shown as &lt;5); Alt+V the pseudonymised evaluation extract.</li>
<li><b>Allocate or hand over</b> a case from its case file (Alt+A).</li>
<li><b>Audit trail</b>: Ctrl+7, who opened, changed, exported or synced what.</li>
<li><b>The team</b>: Settings &gt; Central export. A laptop asking to join is let in from
Settings &gt; Laptops asking to join, once the fingerprint its worker reads out to you is the
one shown there.</li>
<li><b>A partner's batch of recommendations</b>: File &gt; Import recommendations from a CSV
file (or the intake queue's Alt+I) checks the file first and imports it whole.</li>
</ol>
"""


def first_steps_html(supervisor: bool) -> str:
    return FIRST_STEPS + (SUPERVISOR_STEPS if supervisor else "")


def shortcuts_html(actions: list[QAction]) -> str:
    """Every shortcut of the window, grouped: the menus first, then each view's keys."""
    import restart_desktop.ui.case_file
    import restart_desktop.ui.note_editor
    import restart_desktop.ui.release_plan  # noqa: F401

    parts = ["<h2>Keyboard shortcuts</h2>"]
    for group, lines in grouped(window_keys(actions) + list(REGISTRY)).items():
        parts.append(f"<h3>{html.escape(group)}</h3><table cellpadding='3'>")
        parts += [
            f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
            for keys, what in lines
        ]
        parts.append("</table>")
    return "".join(parts)


class HelpDialog(QDialog):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName(title)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)
        self.browser.setFocus()  # arrows and Page Down read it; Escape closes
