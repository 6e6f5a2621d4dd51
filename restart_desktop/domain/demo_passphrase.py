"""The passphrase of every demo data folder: fictional data only, shown on its unlock screen.

A module of its own so that the window, which shows it before anything is unlocked, does not
load the passphrase rules (``domain.passphrase``) on its way to the unlock screen.
"""

DEMO_PASSPHRASE = "demo passphrase"  # noqa: S105 - public on purpose: fictional data only
