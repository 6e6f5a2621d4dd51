"""The person's release-day sheet as a PDF: their appointments with times and addresses, who
to call and what to bring, in plain words and large print. Drawn by Qt (QTextDocument on a
QPdfWriter, see documents/pdf.py) on a thread of its own, so the window never waits for it.

The sheet is made only from ``ReleaseSheet``, which holds nothing about offences, risk or
the worker's notes; the PDF goes only where the worker chooses to save it.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from PySide6.QtCore import QObject

from restart_desktop.app.release_views import ReleaseSheet, SheetAppointment
from restart_desktop.documents.pdf import BODY_PT, PdfWriterThread
from restart_desktop.domain.clock import local_date, local_text

SHEET_TITLE = "Release day sheet"


def _when(moment: dt.datetime | None, release_date: dt.date | None, zone: dt.tzinfo | None) -> str:
    if moment is None:
        return "Time to be confirmed"
    if release_date is not None and local_date(moment, zone) == release_date:
        return local_text(moment, "%H:%M", zone)
    return local_text(moment, "%A %d %B at %H:%M", zone)


def _appointment(
    entry: SheetAppointment, release_date: dt.date | None, zone: dt.tzinfo | None
) -> str:
    e = html.escape
    lines = [f"<p><b>{e(_when(entry.at, release_date, zone))} · {e(entry.what)}</b>"]
    if entry.place:
        lines.append(f"<br>Where: {e(entry.place)}")
    return "".join(lines) + _contact_and_bring(entry)


def _tonight(entry: SheetAppointment, release_date: dt.date | None, zone: dt.tzinfo | None) -> str:
    e = html.escape
    lines = [f"<p><b>{e(entry.place or 'Your worker will confirm the address.')}</b>"]
    if entry.at is not None:
        lines.append(f"<br>Arrive from: {e(_when(entry.at, release_date, zone))}")
    return "".join(lines) + _contact_and_bring(entry)


def _contact_and_bring(entry: SheetAppointment) -> str:
    """Who to ask for and what to bring, then the end of the entry's paragraph."""
    e = html.escape
    lines: list[str] = []
    if entry.contact:
        lines.append(f"<br>Ask for / phone: {e(entry.contact)}")
    if entry.bring:
        lines.append(f"<br>Bring: {e(entry.bring)}")
    lines.append("</p>")
    return "".join(lines)


def sheet_html(sheet: ReleaseSheet) -> str:
    e = html.escape
    if sheet.release_date is not None:
        day = f"{sheet.release_date:%A %d %B %Y}"
        if sheet.release_time:
            day += f", from {sheet.release_time}"
        if not sheet.date_confirmed:
            day += " (to be confirmed by the prison)"
    else:
        day = "Date to be confirmed"
    parts = [
        f'<h1 style="font-size:{BODY_PT + 10}pt;">Your release day</h1>',
        f'<p style="font-size:{BODY_PT + 4}pt;"><b>{e(day)}</b></p>',
        f"<p>For {e(sheet.person_name)}. Your RESTART worker is {e(sheet.worker_name)}.</p>",
        "<h2>Where you are staying tonight</h2>",
    ]
    if sheet.tonight is not None:
        parts.append(_tonight(sheet.tonight, sheet.release_date, sheet.zone))
    else:
        parts.append("<p>Your worker will confirm this with you.</p>")
    parts.append("<h2>Your appointments</h2>")
    if sheet.appointments:
        parts.extend(_appointment(a, sheet.release_date, sheet.zone) for a in sheet.appointments)
    else:
        parts.append("<p>Your worker will tell you about your appointments.</p>")
    if sheet.bring:
        parts.append("<h2>Keep these with you</h2><ul>")
        parts.extend(f"<li>{e(item)}</li>" for item in sheet.bring)
        parts.append("</ul>")
    if sheet.contacts:
        parts.append("<h2>Who to call</h2>")
        for contact in sheet.contacts:
            when = f" ({e(contact.when)})" if contact.when else ""
            parts.append(f"<p><b>{e(contact.name)}: {e(contact.phone)}</b>{when}</p>")
    made = local_text(sheet.made_at, "%d/%m/%Y at %H:%M", sheet.zone)
    parts.append(f'<p style="font-size:{BODY_PT - 4}pt;">Made on {made}.</p>')
    return "\n".join(parts)


def sheet_writer(sheet: ReleaseSheet, path: Path, parent: QObject | None = None) -> PdfWriterThread:
    """A thread that writes the sheet; start it and listen to ``written`` and ``failed``."""
    return PdfWriterThread(sheet_html(sheet), path, SHEET_TITLE, parent)
