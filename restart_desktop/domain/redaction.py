"""Third-party names in free text, for the worker to review before a subject access export.

A person asking for their data is entitled to it, but not to other people's: a note saying
"his sister Jane Doe will collect him" names Jane Doe. The finder lists likely names (two or
more capitalised words in a row; a capitalised word after a title such as Mrs or Dr, or after
a family word such as sister or partner; the names of other people held on the laptop) and
leaves out what is plainly not a third party: the person's own names, the team's workers, and
the names of prisons, councils, services and the like from the reference data. It is a
heuristic: the worker reviews the list and chooses what is withheld (``redact``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from restart_desktop.domain.reference import ReferenceData

WITHHELD = "[name withheld]"

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# One capitalised word: "Jane", "McDonald", "O'Brien", "Smith-Jones", "Zoë". Not "DWP", "UC".
_WORD = (
    rf"(?:Mc|Mac|O['’]|D['’])?[{_UPPER}][{_LOWER}]+"
    rf"(?:-(?:Mc|O['’])?[{_UPPER}][{_LOWER}]+)*"
)
# Capitalised words in a row, separated by single spaces (a comma or full stop ends a run).
_RUN = re.compile(rf"(?<![\w'’-]){_WORD}(?: {_WORD})*(?!\w|-\w)")
_TOKEN = re.compile(_WORD)

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "sir", "dame"})
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Revd|Sir|Dame)\.?\s+$")
# Family and other people close to the person: "his sister Jane", "partner Kelly".
RELATIONS = frozenset(
    {
        "mum",
        "mother",
        "mam",
        "dad",
        "father",
        "sister",
        "brother",
        "son",
        "daughter",
        "child",
        "partner",
        "wife",
        "husband",
        "girlfriend",
        "boyfriend",
        "fiance",
        "fiancé",
        "fiancee",
        "fiancée",
        "friend",
        "cousin",
        "aunt",
        "auntie",
        "aunty",
        "uncle",
        "nan",
        "nana",
        "nanna",
        "gran",
        "granny",
        "grandma",
        "grandmother",
        "grandad",
        "granddad",
        "grandfather",
        "grandson",
        "granddaughter",
        "niece",
        "nephew",
        "stepdad",
        "stepmum",
        "stepfather",
        "stepmother",
        "stepson",
        "stepdaughter",
        "carer",
        "neighbour",
        "mate",
        "landlord",
        "landlady",
        "sponsor",
        "solicitor",
        "ex",
    }
)
_RELATION_BEFORE = re.compile(
    r"\b(?:ex-|step-)?(?:"
    + "|".join(sorted(RELATIONS, key=len, reverse=True))
    + r")(?:'s|’s)?,?\s+(?:(?:called|named|is)\s+)?$",
    re.IGNORECASE,
)

# Capitalised for reasons other than being a name: sentence starters, days, months, words a
# note opens with. Dropped from the ends of a run ("Met Jane Doe" is "Jane Doe").
COMMON = frozenset(
    [
        "a",
        "about",
        "after",
        "afternoon",
        "agreed",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "apparently",
        "appointment",
        "are",
        "arranged",
        "arrived",
        "as",
        "asked",
        "at",
        "attended",
        "before",
        "being",
        "booked",
        "both",
        "but",
        "by",
        "call",
        "called",
        "can",
        "cancelled",
        "chased",
        "checked",
        "collected",
        "confirmed",
        "contact",
        "contacted",
        "could",
        "daily",
        "date",
        "did",
        "discussed",
        "do",
        "does",
        "done",
        "during",
        "each",
        "email",
        "emailed",
        "evening",
        "every",
        "explained",
        "first",
        "for",
        "from",
        "gave",
        "given",
        "going",
        "good",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "him",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "just",
        "last",
        "late",
        "later",
        "left",
        "let",
        "may",
        "me",
        "meeting",
        "met",
        "morning",
        "my",
        "need",
        "needs",
        "next",
        "no",
        "none",
        "not",
        "note",
        "noted",
        "now",
        "of",
        "on",
        "once",
        "only",
        "or",
        "our",
        "out",
        "over",
        "per",
        "phone",
        "phoned",
        "plan",
        "please",
        "rang",
        "re",
        "received",
        "referred",
        "reported",
        "said",
        "saw",
        "says",
        "seen",
        "sent",
        "she",
        "should",
        "since",
        "so",
        "some",
        "spoke",
        "still",
        "task",
        "texted",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "today",
        "told",
        "tomorrow",
        "tonight",
        "took",
        "under",
        "until",
        "update",
        "upon",
        "us",
        "visit",
        "visited",
        "was",
        "we",
        "week",
        "weekend",
        "went",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "will",
        "with",
        "within",
        "would",
        "yes",
        "yesterday",
        "you",
        "your",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "rev",
        "revd",
        "sir",
        "dame",
    ]
)

# Words that make a run a place or an organisation, not a person ("Thames Valley Police",
# "Oxford Road", "Turning Point Recovery"): such a run is left out whole.
INSTITUTION_WORDS = frozenset(
    [
        "academy",
        "advice",
        "agency",
        "aid",
        "alliance",
        "army",
        "association",
        "avenue",
        "bank",
        "benefit",
        "benefits",
        "borough",
        "bridge",
        "building",
        "care",
        "centre",
        "center",
        "charity",
        "church",
        "city",
        "clinic",
        "close",
        "college",
        "community",
        "council",
        "county",
        "court",
        "credit",
        "crescent",
        "department",
        "direct",
        "district",
        "drive",
        "estate",
        "foundation",
        "gardens",
        "grove",
        "group",
        "health",
        "hmp",
        "hospital",
        "hostel",
        "house",
        "housing",
        "jobcentre",
        "lane",
        "limited",
        "ltd",
        "ministry",
        "network",
        "mews",
        "nhs",
        "office",
        "officer",
        "parade",
        "park",
        "partnership",
        "pharmacy",
        "place",
        "plus",
        "point",
        "police",
        "practice",
        "prison",
        "probation",
        "project",
        "quay",
        "recovery",
        "reception",
        "road",
        "row",
        "school",
        "service",
        "services",
        "shelter",
        "square",
        "station",
        "street",
        "support",
        "surgery",
        "team",
        "terrace",
        "trust",
        "unit",
        "universal",
        "university",
        "valley",
        "ward",
        "way",
        "wharf",
    ]
)


@dataclass(frozen=True)
class NameCandidate:
    """A likely third-party name and how many times it occurs in the texts scanned."""

    name: str
    count: int


@dataclass(frozen=True)
class _Run:
    tokens: tuple[str, ...]
    starts: tuple[int, ...]  # each token's position in the text
    text: str

    def span(self, first: int, last: int) -> str:
        return self.text[self.starts[first] : self.starts[last] + len(self.tokens[last])]


def _words(name: str) -> set[str]:
    return {w.casefold() for w in re.split(r"[\s,()]+", name) if w}


def _runs(text: str) -> Iterator[_Run]:
    for match in _RUN.finditer(text):
        tokens, starts = [], []
        for token in _TOKEN.finditer(match.group()):
            tokens.append(token.group())
            starts.append(match.start() + token.start())
        yield _Run(tuple(tokens), tuple(starts), text)


def _names_in(text: str, others: Collection[str]) -> Iterator[str]:
    """Every likely name in one text, as written (the exclusions come later)."""
    for run in _runs(text):
        before = text[: run.starts[0]]
        titled = bool(_TITLE_BEFORE.search(before))
        related = bool(_RELATION_BEFORE.search(before))
        first, last = 0, len(run.tokens) - 1
        # Leading titles, family words and sentence starters introduce the name after them:
        # "Mrs Jane Doe", "Sister Jane", "Met Jane Doe".
        while first <= last:
            word = run.tokens[first].casefold()
            if word in TITLES:
                titled = True
            elif word in RELATIONS:
                related = True
            elif word not in COMMON:
                break
            first += 1
        while last >= first and run.tokens[last].casefold() in COMMON:
            last -= 1
        if first > last:
            continue
        kept = run.tokens[first : last + 1]
        if any(t.casefold() in INSTITUTION_WORDS for t in kept):
            continue
        # One capitalised word alone is a name only after a title or a family word, or when
        # it is the name of another person held on the laptop.
        if len(kept) >= 2 or titled or related or kept[0].casefold() in others:
            yield run.span(first, last)


def _pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(names), key=len, reverse=True)  # "Jane Doe" before "Jane"
    if not ordered:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])")


def find_third_party_names(
    texts: Iterable[str],
    own_names: Iterable[str] = (),
    workers: Iterable[str] = (),
    vocabulary: Iterable[str] = (),
    others: Iterable[str] = (),
) -> list[NameCandidate]:
    """Likely names of other people in ``texts``, most frequent first.

    ``own_names``: the person's own names (given, family, preferred), never listed.
    ``workers``: the team's workers' names; a name made only of a worker's words is left out.
    ``vocabulary``: reference text (prisons, councils, services...): a name found in it is
    left out. ``others``: names of other people held on the laptop ("Jane Doe" or "Doe"):
    found even where they stand alone.
    """
    own = set().union(*(_words(n) for n in own_names)) if own_names else set()
    worker_words = [_words(w) for w in workers if w.strip()]
    corpus = "\n".join(v.casefold() for v in vocabulary)
    known = frozenset(n.strip().casefold() for n in others if n.strip())
    body = [t for t in texts if t]
    found: set[str] = set()
    for text in body:
        found.update(_names_in(text, known))
    kept = []
    for name in found:
        words = _words(name) - TITLES
        if not words or words <= own:
            continue
        if len(words) > 1 and any(words <= w for w in worker_words):
            continue
        if corpus and re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", corpus):
            continue
        kept.append(name)
    joined = "\n".join(body)
    counted = [NameCandidate(n, _count(n, joined)) for n in kept]
    return sorted((c for c in counted if c.count), key=lambda c: (-c.count, c.name))


def _count(name: str, text: str) -> int:
    return len(re.findall(rf"(?<![\w]){re.escape(name)}(?![\w])", text))


def redact(text: str, names: Collection[str]) -> tuple[str, int]:
    """``text`` with every whole-word occurrence of ``names`` replaced by WITHHELD, longest
    name first, and the number of replacements made."""
    pattern = _pattern(n for n in names if n)
    if pattern is None or not text:
        return text, 0
    return pattern.subn(WITHHELD, text)


def reference_vocabulary(reference: ReferenceData) -> tuple[str, ...]:
    """Every text of the reference data: names found in it are not third parties."""
    texts: list[str] = []
    texts += [f"{p.name}\n{p.notes}" for p in reference.prisons]
    texts += [f"{a.name}\n{a.county}" for a in reference.local_authorities]
    texts += [o.name for o in reference.organisations]
    texts += [f"{n.label}\n{n.description}" for n in reference.needs]
    texts += [s.label for s in reference.sentence_types]
    texts += [
        f"{s.organisation}\n{s.service}\n{s.contact}\n{s.opening_hours}\n{s.referral_needs}"
        for s in reference.services
    ]
    texts += [f"{a.label}\n{a.low}\n{a.middle}\n{a.high}" for a in reference.outcome_areas]
    texts += [b.label for b in reference.barrier_categories]
    texts += [h.name for h in reference.bank_holidays]
    for template in reference.checklist_templates:
        texts.append(template.name)
        texts += [f"{i.label}\n{i.help}\n{i.sheet_label}\n{i.bring}" for i in template.items]
        texts += [c.name for c in template.contacts]
    return tuple(texts)
