"""Passphrase feedback: long and unguessable is accepted, common patterns are not."""

import pytest

from restart_desktop.domain.passphrase import MIN_LENGTH, passphrase_feedback


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        ("", "at least 12 characters"),
        ("kettle orb", "at least 12 characters (this has 10)"),
        ("   kettle orb   ", "at least 12 characters"),
        ("aaaaaaaaaaaaaaaa", "one repeated character"),
        ("            ", "at least 12 characters"),
        ("123456789012", "only of numbers"),
        ("1234 5678 9012", "only of numbers"),
        ("password1234", "first passphrases anyone would try"),
        ("Password1234!", "first passphrases anyone would try"),
        ("QWERTYUIOP12", "first passphrases anyone would try"),
        ("Bullingdon2026", "first passphrases anyone would try"),
        ("correct horse battery staple", "first passphrases anyone would try"),
        ("abababababab", "same few characters"),
    ],
)
def test_refused(passphrase: str, reason: str) -> None:
    feedback = passphrase_feedback(passphrase)
    assert not feedback.acceptable
    assert reason in feedback.message
    assert "unrelated words" in feedback.message
    assert feedback.strength <= 1


@pytest.mark.parametrize(
    ("passphrase", "strength"),
    [
        ("kettle orbits", 2),
        ("kettle orbit velvet", 3),
        ("plain words with spaces", 4),
        ("kettle orbit velvet tractor", 4),
    ],
)
def test_accepted(passphrase: str, strength: int) -> None:
    feedback = passphrase_feedback(passphrase)
    assert feedback.acceptable
    assert feedback.strength == strength
    assert feedback.message


def test_strength_never_falls_as_words_are_added() -> None:
    words = ["kettle", "orbit", "velvet", "tractor", "lantern"]
    strengths = [passphrase_feedback(" ".join(words[:n])).strength for n in range(1, 6)]
    assert strengths == sorted(strengths)
    assert all(0 <= s <= 4 for s in strengths)


def test_minimum_length_boundary() -> None:
    assert not passphrase_feedback("x" * 3 + "kettleor").acceptable  # 11 characters
    assert passphrase_feedback("xyz" + "kettleorb").acceptable  # 12 characters
    assert MIN_LENGTH == 12


@pytest.mark.parametrize(
    "passphrase",
    [
        "demo passphrase",
        "password password",
        "abcdefghijklmnop",
        "restart desktop",
        "iloveyou iloveyou",
        "Demo Passphrase!",
        "RESTART Desktop 1",
    ],
)
def test_refused_for_real_data_by_the_strength_estimate(passphrase: str) -> None:
    feedback = passphrase_feedback(passphrase)
    assert not feedback.acceptable
    assert "unrelated words" in feedback.message


def test_the_workers_own_name_counts_as_a_guessable_word() -> None:
    phrase = "mirabelle quenby"  # unusual words: fine for anyone else
    assert passphrase_feedback(phrase).acceptable
    assert not passphrase_feedback(phrase, ["Mirabelle Quenby (fictional)"]).acceptable
