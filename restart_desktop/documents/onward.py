"""Documents that leave the programme: the decision letter to a recommender, and the onward
handover summary for the service taking a person on when support ends."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject

from restart_desktop.app.intake_letter import DecisionLetter
from restart_desktop.app.onward import OnwardSummary
from restart_desktop.documents.pdf import BODY_PT, PdfWriterThread
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.intake import DecisionKind

LETTER_TITLE = "RESTART Thames Valley: your recommendation"
SUMMARY_TITLE = "RESTART Thames Valley: onward handover summary"

_OUTCOME_WORDS = {
    DecisionKind.ACCEPT: "has been accepted: a RESTART worker will be in touch with them.",
    DecisionKind.DECLINE: "has not been accepted by the programme.",
    DecisionKind.MORE_INFORMATION: "needs a little more information before a decision: we "
    "will contact you.",
}


def letter_html(letter: DecisionLetter) -> str:
    """The letter in plain words: the decision and only the reason the programme shares."""
    e = html.escape
    greeting = "Dear " + (
        letter.recommender
        or ("the person recommended" if not letter.is_self else letter.person_name)
    )
    whom = (
        "your recommendation"
        if letter.is_self
        else (f"your recommendation of {e(letter.person_name)}")
    )
    parts = [
        f'<h1 style="font-size:{BODY_PT + 6}pt;">RESTART Thames Valley</h1>',
        f"<p>{e(letter.decided_on.strftime('%d %B %Y'))}</p>",
        f"<p>{e(greeting)},</p>",
        f"<p>Thank you for {whom} to the RESTART programme on "
        f"{e(letter.recommended_on.strftime('%d %B %Y'))}. The recommendation "
        f"{e(_OUTCOME_WORDS[letter.decision])}</p>",
    ]
    if letter.shared_reason:
        parts.append(f"<p>{e(letter.shared_reason)}</p>")
    parts.append("<p>Yours sincerely,<br/>The RESTART Thames Valley team</p>")
    made = local_text(letter.made_at, "%d/%m/%Y at %H:%M", letter.zone)
    parts.append(f'<p style="font-size:{BODY_PT - 4}pt;">Made on {made}.</p>')
    return "\n".join(parts)


def summary_html(summary: OnwardSummary) -> str:
    e = html.escape
    parts = [
        f'<h1 style="font-size:{BODY_PT + 6}pt;">Onward handover summary</h1>',
        f"<p>For {e(summary.service_name)} ({e(summary.service_kind.label)}), from RESTART "
        f"Thames Valley, about {e(summary.person_name)}.</p>",
    ]
    for heading, lines in summary.sections:
        parts.append(f"<h2>{e(heading)}</h2><ul>")
        parts.extend(f"<li>{e(line)}</li>" for line in lines)
        parts.append("</ul>")
    made = local_text(summary.made_at, "%d/%m/%Y at %H:%M", summary.zone)
    parts.append(f'<p style="font-size:{BODY_PT - 4}pt;">Made on {made}.</p>')
    return "\n".join(parts)


def letter_writer(
    letter: DecisionLetter, path: Path, parent: QObject | None = None
) -> PdfWriterThread:
    return PdfWriterThread(letter_html(letter), path, LETTER_TITLE, parent)
