"""Plainly fictional values shared by the tests."""

from __future__ import annotations

WORKER_NAME = "Test Worker (fictional)"
# "correct horse battery staple" is on the app's list of passphrases anyone would try first.
PASSPHRASE = "purple otter violin marmalade"
WRONG_PASSPHRASE = "orange badger cello treacle"
