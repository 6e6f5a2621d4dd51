"""Onward handover when support ends: which service takes the person on, what that service
is sent (chosen sections, never note text), and the consent that covers it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class OnwardServiceKind(StrEnum):
    PROBATION = "probation"
    SUCCESSOR = "successor"  # a successor service when the programme ends or changes funder
    GP = "gp"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def consent_category(self) -> str | None:
        """The kind of service (a need code) the person's consent must cover; None: any
        recorded consent to share."""
        return "health" if self == OnwardServiceKind.GP else None


_KIND_LABELS: Mapping[OnwardServiceKind, str] = MappingProxyType(
    {
        OnwardServiceKind.PROBATION: "Probation",
        OnwardServiceKind.SUCCESSOR: "Successor service",
        OnwardServiceKind.GP: "The person's GP",
        OnwardServiceKind.OTHER: "Another service",
    }
)


class Section(StrEnum):
    IDENTITY = "identity"
    RELEASE = "release"
    ACCOMMODATION = "accommodation"
    NEEDS = "needs"
    REFERRALS = "referrals"
    OUTCOMES = "outcomes"
    WORKER = "worker"

    @property
    def label(self) -> str:
        return _SECTION_LABELS[self]


_SECTION_LABELS: Mapping[Section, str] = MappingProxyType(
    {
        Section.IDENTITY: "Who the person is",
        Section.RELEASE: "Release",
        Section.ACCOMMODATION: "Accommodation",
        Section.NEEDS: "Needs",
        Section.REFERRALS: "Services already involved",
        Section.OUTCOMES: "Latest outcome scores",
        Section.WORKER: "Who to ask",
    }
)

#: What each kind of service needs by default (the worker may add or remove sections).
DEFAULT_SECTIONS: Mapping[OnwardServiceKind, tuple[Section, ...]] = MappingProxyType(
    {
        OnwardServiceKind.PROBATION: (
            Section.IDENTITY,
            Section.RELEASE,
            Section.ACCOMMODATION,
            Section.NEEDS,
            Section.REFERRALS,
            Section.WORKER,
        ),
        OnwardServiceKind.SUCCESSOR: tuple(Section),
        OnwardServiceKind.GP: (Section.IDENTITY, Section.NEEDS, Section.REFERRALS, Section.WORKER),
        OnwardServiceKind.OTHER: (Section.IDENTITY, Section.NEEDS, Section.WORKER),
    }
)
