"""RESTART Desktop. The version is written here only: pyproject.toml reads it (hatch's dynamic
version), and the window, the command line, doctor and the exports import it from here."""

__version__ = "0.1.0"
