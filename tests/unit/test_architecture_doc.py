"""docs/architecture.md stays true: its picture is the one the imports give, and every file it
names exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"


def _layer_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_graph", ROOT / "docs" / "layer_graph.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_picture_is_the_one_the_imports_give() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert _layer_graph().with_diagram(document) == document, (
        "run: python docs/layer_graph.py --write"
    )


def test_every_file_the_document_names_exists() -> None:
    named = set(re.findall(r"`([\w/]+\.(?:py|md))`", DOC.read_text(encoding="utf-8")))
    assert len(named) > 20
    missing = sorted(
        name
        for name in named
        if not any((base / name).exists() for base in (ROOT, ROOT / "restart_desktop"))
    )
    assert missing == []
