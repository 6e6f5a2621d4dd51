"""Feedback on the passphrase that protects the encrypted case data on a laptop.

A lost laptop holds criminal-offence and health data, and the passphrase is what stands
between a thief and the key, so the rules favour length (several unrelated words) over
symbols that people forget or write down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_LENGTH = 12
#: The passphrase of every demo data folder (fictional data only); shown on its unlock screen.
DEMO_PASSPHRASE = "demo passphrase"
_ADVICE = "Three or four unrelated words, with spaces between them, are long and easy to remember."

# The start of passphrases people reach for first; a phrase that is one of these plus digits
# or symbols ("Password1234!") is refused.
_COMMON_CORES = frozenset(
    {
        "",
        "password",
        "passw0rd",
        "passphrase",
        "qwerty",
        "qwertyuiop",
        "qwertyuiopasdfghjkl",
        "asdfghjkl",
        "abc",
        "abcdef",
        "abcdefghijkl",
        "letmein",
        "welcome",
        "iloveyou",
        "admin",
        "changeme",
        "secret",
        "monkey",
        "dragon",
        "football",
        "sunshine",
        "princess",
        "trustno",
        "restart",
        "restartthamesvalley",
        "thamesvalley",
        "bullingdon",
        "hmpbullingdon",
        "probation",
        "correcthorsebatterystaple",
    }
)
_TRAILING_JUNK = re.compile(r"[\d\W_]+$")
_WORD_SPLIT = re.compile(r"[\s\-_.,;:+/]+")


@dataclass(frozen=True)
class PassphraseFeedback:
    acceptable: bool
    message: str
    strength: int  # 0 (refused) to 4 (strong), for a meter next to the box


def _refused(message: str, strength: int = 0) -> PassphraseFeedback:
    return PassphraseFeedback(False, f"{message} {_ADVICE}", strength)


def passphrase_feedback(passphrase: str) -> PassphraseFeedback:
    """Whether ``passphrase`` may be used, how strong it looks, and what to do about it."""
    text = passphrase.strip()
    if not text:
        return _refused(f"Choose a passphrase of at least {MIN_LENGTH} characters.")
    lowered = text.lower()
    squashed = "".join(lowered.split())
    if len(set(squashed)) == 1:
        return _refused("A passphrase made of one repeated character is easy to guess.")
    if squashed.isdigit():
        return _refused("A passphrase made only of numbers is easy to guess.")
    if _TRAILING_JUNK.sub("", squashed) in _COMMON_CORES:
        return _refused("That is one of the first passphrases anyone would try.")
    if len(text) < MIN_LENGTH:
        return _refused(
            f"Use at least {MIN_LENGTH} characters (this has {len(text)}).",
            strength=1 if len(text) >= 8 else 0,
        )
    if len(set(squashed)) < 5:
        return _refused("It repeats the same few characters, which is easy to guess.", 1)
    words = [w for w in _WORD_SPLIT.split(lowered) if len(w) >= 3]
    distinct_words = len(set(words))
    if len(text) >= 24 or (len(text) >= 20 and distinct_words >= 3):
        return PassphraseFeedback(True, "Strong passphrase.", 4)
    if len(text) >= 16 or distinct_words >= 3:
        return PassphraseFeedback(
            True, "Good passphrase. Another unrelated word would make it stronger.", 3
        )
    return PassphraseFeedback(
        True,
        "Acceptable, but short. " + _ADVICE,
        2,
    )
