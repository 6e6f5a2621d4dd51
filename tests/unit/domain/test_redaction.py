"""Finding other people's names in free text for the worker to review, and withholding the
names chosen."""

from __future__ import annotations

from restart_desktop.domain.redaction import (
    WITHHELD,
    NameCandidate,
    find_third_party_names,
    redact,
    reference_vocabulary,
)
from restart_desktop.domain.reference import load_reference_data

OWN = ("Tobias", "Fictionson", "Toby")
WORKERS = ("Wendy Caseworker (fictional)", "Sam Supervisor")


def _names(*texts: str, others: tuple[str, ...] = ()) -> dict[str, int]:
    found = find_third_party_names(
        texts,
        own_names=OWN,
        workers=WORKERS,
        vocabulary=reference_vocabulary(load_reference_data()),
        others=others,
    )
    return {c.name: c.count for c in found}


def test_names_after_titles_family_words_and_in_runs_are_found() -> None:
    found = _names(
        "Met Jane Exampleton at the gate. His sister Marnie will collect him.",
        "Spoke to Mrs. Okonkwo-Fable and to Dr Pretendley about his medication.",
        "Partner Kelly O'Fiction rang; Jane Exampleton's flat is not available. Mum Rosalind "
        "agreed.",
    )
    assert found == {
        "Jane Exampleton": 2,
        "Marnie": 1,
        "Okonkwo-Fable": 1,
        "Pretendley": 1,
        "Kelly O'Fiction": 1,
        "Rosalind": 1,
    }


def test_own_names_workers_places_services_and_sentence_starters_are_left_out() -> None:
    found = _names(
        "Tobias Fictionson was seen at HMP Bullingdon. Toby Fictionson asked about Universal "
        "Credit. Wendy Caseworker and Sam Supervisor came along.",
        "Called Oxford City Council housing options. Monday We go to Jobcentre Plus. "
        "Thames Valley Police were told. He lives on Example Road.",
        "Today Mr Fictionson was calm. The Salvation Army offered a bed.",
    )
    assert found == {}


def test_other_people_held_on_the_laptop_are_found_even_alone() -> None:
    found = _names(
        "Saw Zedfixwood on the wing. Another Person agreed.",
        others=("Zedfixwood", "Quinn Zedfixwood"),
    )
    assert found == {"Zedfixwood": 1, "Another Person": 1}


def test_a_single_capitalised_word_alone_is_not_a_name() -> None:
    assert _names("He went to Reading and then Bicester on Friday.") == {}


def test_most_frequent_first_then_by_name() -> None:
    found = find_third_party_names(["Ann Exe met Bob Wye. Bob Wye and Cat Zed and Bob Wye."])
    assert found == [
        NameCandidate("Bob Wye", 3),
        NameCandidate("Ann Exe", 1),
        NameCandidate("Cat Zed", 1),
    ]


def test_redact_replaces_whole_words_longest_first_and_counts() -> None:
    text = "Jane Exampleton and Jane came; Janet did not. Jane's bag."
    redacted, count = redact(text, ["Jane", "Jane Exampleton"])
    assert redacted == (f"{WITHHELD} and {WITHHELD} came; Janet did not. {WITHHELD}'s bag.")
    assert count == 3
    assert redact(text, []) == (text, 0)
