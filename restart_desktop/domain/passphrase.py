"""Feedback on the passphrase that protects the encrypted case data on a laptop.

A lost laptop holds criminal-offence and health data, and the passphrase is what stands
between a thief and the key, so the rules favour length (several unrelated words) over
symbols that people forget or write down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from restart_desktop.domain.demo_passphrase import DEMO_PASSPHRASE as DEMO_PASSPHRASE

MIN_LENGTH = 12
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
#: Fewer estimated guesses than this (zxcvbn's estimate, log10) is refused: two common words
#: with a space between them are estimated at 10^8, the least of any phrase of three parts.
MIN_GUESSES_LOG10 = 9.0
#: Words a guesser tries first against this app: the demo passphrase and the app's own name.
APP_WORDS = (
    "demo",
    "passphrase",
    "restart",
    "desktop",
    "restart desktop",
    "thames",
    "valley",
    "resettlement",
    "bullingdon",
)
_TRAILING_JUNK = re.compile(r"[\d\W_]+$")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD_SPLIT = re.compile(r"[\s\-_.,;:+/]+")


@dataclass(frozen=True)
class PassphraseFeedback:
    acceptable: bool
    message: str
    strength: int  # 0 (refused) to 4 (strong), for a meter next to the box


def _refused(message: str, strength: int = 0) -> PassphraseFeedback:
    return PassphraseFeedback(False, f"{message} {_ADVICE}", strength)


def _guessable(text: str, own_words: Iterable[str]) -> str | None:
    """Why a maintained strength estimator (zxcvbn) finds ``text`` easy to guess, or None.
    ``own_words``: the worker's own name, which a guesser who knows them tries first."""
    words = [*APP_WORDS, *(w.lower() for w in own_words if len(w) >= 2)]
    # Imported here: only choosing a passphrase needs it, and it costs the unlock window's
    # start 90 ms (issue 27: cold start).
    from zxcvbn import zxcvbn

    estimate = zxcvbn(text[:100], user_inputs=words)  # its cost grows with the length
    if float(estimate["guesses_log10"]) >= MIN_GUESSES_LOG10:
        return None
    warning = str(estimate["feedback"].get("warning") or "").strip()
    because = f" {warning}" if warning else ""
    return f"That is too easy to guess: it is made of words or patterns tried first.{because}"


def passphrase_feedback(passphrase: str, own_words: Iterable[str] = ()) -> PassphraseFeedback:
    """Whether ``passphrase`` may be used for real data, how strong it looks, and what to do
    about it. ``own_words``: the worker's name (its words are refused as the passphrase's
    substance, as are the app's name and the demo passphrase)."""
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
    own = [w.lower() for name in own_words for w in _LETTERS.findall(name)]
    known = {w for phrase in (*APP_WORDS, *own) for w in _LETTERS.findall(phrase)}
    if set(_LETTERS.findall(lowered)) <= known:
        return _refused(
            "It is made only of your own name, the app's name or the demo "
            "passphrase, which anyone would try first.",
            1,
        )
    guessable = _guessable(text, own)
    if guessable:
        return _refused(guessable, 1)
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
